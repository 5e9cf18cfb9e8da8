import { isSlackId } from './ids.ts';
import { MAX_ALLOWLIST_RANGES, parseRange } from './ip-allowlist.ts';
import { redirectUrlProblem } from './redirects.ts';
import { APP_LEVEL_SCOPES, isKnownScope } from './scopes.ts';
import { familiesFor, type TokenKind } from './token-kinds.ts';
import { parseToken } from './token-strings.ts';

/** The fixture format of product.md, validated into this shape with every default filled in. */
export interface Fixture {
  enterprises: Array<{ id: string; name: string; domain: string }>;
  teams: Array<{ id: string; name: string; domain: string; enterprise_id: string | null }>;
  users: Array<{
    id: string;
    team_id: string;
    name: string;
    real_name: string;
    email: string | null;
    password: string | null;
    role: 'owner' | 'admin' | 'member' | 'deactivated';
  }>;
  channels: Array<{ id: string; team_id: string; name: string; is_private: boolean; members: string[] }>;
  apps: FixtureApp[];
  tokens: FixtureToken[];
}

export interface FixtureApp {
  id: string;
  name: string;
  team_id: string;
  client_id: string;
  client_secret: string;
  signing_secret: string;
  verification_token: string | null;
  redirect_urls: string[];
  bot_scopes: string[];
  user_scopes: string[];
  classic: boolean;
  workspace_app: boolean;
  distributed: boolean;
  token_rotation: boolean;
  socket_mode: boolean;
  request_url: string | null;
  ip_allowlist: string[];
  token_lifetime_seconds: number;
  created: number;
}

export interface FixtureToken {
  kind: Exclude<TokenKind, 'refresh' | 'config_refresh' | 'workspace_refresh' | 'classic_bot'>;
  token: string;
  refresh_token: string | null;
  app_id: string | null;
  team_id: string | null;
  user_id: string | null;
  scopes: string[];
  expires_at: number | null;
}

export class FixtureError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'FixtureError';
    this.problems = problems;
  }
}

type Json = Record<string, unknown>;

/** Reads one JSON value into a Fixture, or throws a FixtureError naming every bad entry and field. */
export function validateFixture(input: unknown): Fixture {
  const v = new Validator();
  const root = v.object(input, '');
  const fixture: Fixture = { enterprises: [], teams: [], users: [], channels: [], apps: [], tokens: [] };
  if (!root) throw new FixtureError(v.problems);
  for (const key of Object.keys(root)) {
    if (!['enterprises', 'teams', 'users', 'channels', 'apps', 'tokens'].includes(key)) v.fail(key, 'unknown section');
  }

  v.each(root, 'enterprises', (e, at) => {
    const id = v.id(e, at, 'id', 'E');
    fixture.enterprises.push({ id, name: v.text(e, at, 'name'), domain: v.domain(e, at) });
  });
  const enterpriseIds = new Set(fixture.enterprises.map((e) => e.id));

  v.each(root, 'teams', (t, at) => {
    const enterprise_id = v.optionalText(t, at, 'enterprise_id');
    if (enterprise_id !== null && !enterpriseIds.has(enterprise_id)) v.fail(`${at}.enterprise_id`, `no enterprise ${enterprise_id} in this fixture`);
    fixture.teams.push({ id: v.id(t, at, 'id', 'T'), name: v.text(t, at, 'name'), domain: v.domain(t, at), enterprise_id });
  });
  const teamIds = new Set(fixture.teams.map((t) => t.id));
  v.unique(fixture.teams.map((t) => t.domain), 'teams', 'domain');

  v.each(root, 'users', (u, at) => {
    const team_id = v.reference(u, at, 'team_id', teamIds, 'team');
    const email = v.optionalText(u, at, 'email');
    if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) v.fail(`${at}.email`, 'not an email address');
    const role = v.optionalText(u, at, 'role') ?? 'member';
    if (!['owner', 'admin', 'member', 'deactivated'].includes(role)) v.fail(`${at}.role`, 'must be owner, admin, member or deactivated');
    const name = v.text(u, at, 'name');
    fixture.users.push({
      id: v.id(u, at, 'id', 'UW'),
      team_id,
      name,
      real_name: v.optionalText(u, at, 'real_name') ?? name,
      email,
      password: v.optionalText(u, at, 'password'),
      role: role as Fixture['users'][number]['role'],
    });
  });
  const users = new Map(fixture.users.map((u) => [u.id, u]));
  const emails = fixture.users.filter((u) => u.email).map((u) => `${u.team_id}/${u.email!.toLowerCase()}`);
  v.unique(emails, 'users', 'email');

  v.each(root, 'channels', (c, at) => {
    const team_id = v.reference(c, at, 'team_id', teamIds, 'team');
    const members = v.stringList(c, at, 'members');
    members.forEach((m, i) => {
      const member = users.get(m);
      if (!member) v.fail(`${at}.members[${i}]`, `no user ${m} in this fixture`);
      else if (member.team_id !== team_id) v.fail(`${at}.members[${i}]`, `user ${m} is not in team ${team_id}`);
    });
    const name = v.text(c, at, 'name');
    if (!/^[a-z0-9][a-z0-9_-]{0,79}$/.test(name)) v.fail(`${at}.name`, 'channel names are lower-case letters, digits, - and _');
    fixture.channels.push({ id: v.id(c, at, 'id', 'CG'), team_id, name, is_private: v.flag(c, at, 'is_private', false), members });
  });
  v.unique(fixture.channels.map((c) => `${c.team_id}/${c.name}`), 'channels', 'name');

  v.each(root, 'apps', (a, at) => {
    const classic = v.flag(a, at, 'classic', false);
    const redirect_urls = v.stringList(a, at, 'redirect_urls');
    redirect_urls.forEach((url, i) => {
      const problem = redirectUrlProblem(url);
      if (problem) v.fail(`${at}.redirect_urls[${i}]`, problem);
    });
    const bot_scopes = v.stringList(a, at, 'bot_scopes');
    bot_scopes.forEach((s, i) => {
      if (!isKnownScope(s, 'bot')) v.fail(`${at}.bot_scopes[${i}]`, `unknown bot scope ${s}`);
      else if (s === 'bot' && !classic) v.fail(`${at}.bot_scopes[${i}]`, 'only a classic app may request the bot scope');
    });
    const user_scopes = v.stringList(a, at, 'user_scopes');
    user_scopes.forEach((s, i) => {
      if (!isKnownScope(s, 'user')) v.fail(`${at}.user_scopes[${i}]`, `unknown user scope ${s}`);
    });
    const ip_allowlist = v.stringList(a, at, 'ip_allowlist');
    if (ip_allowlist.length > MAX_ALLOWLIST_RANGES) v.fail(`${at}.ip_allowlist`, `at most ${MAX_ALLOWLIST_RANGES} ranges`);
    ip_allowlist.forEach((r, i) => {
      const parsed = parseRange(r);
      if (typeof parsed === 'string') v.fail(`${at}.ip_allowlist[${i}]`, parsed);
    });
    const request_url = v.optionalText(a, at, 'request_url');
    if (request_url !== null && !/^https?:\/\//.test(request_url)) v.fail(`${at}.request_url`, 'not an http(s) URL');
    const lifetime = a['token_lifetime_seconds'] ?? 43_200;
    if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 1 || lifetime > 31_536_000) {
      v.fail(`${at}.token_lifetime_seconds`, 'must be a whole number of seconds from 1 to 31536000');
    }
    const created = v.optionalText(a, at, 'created') ?? '2024-01-01';
    const createdMs = Date.parse(created);
    if (Number.isNaN(createdMs)) v.fail(`${at}.created`, 'not a date (YYYY-MM-DD)');
    fixture.apps.push({
      id: v.id(a, at, 'id', 'A'),
      name: v.text(a, at, 'name'),
      team_id: v.reference(a, at, 'team_id', teamIds, 'team'),
      client_id: v.pattern(a, at, 'client_id', /^[0-9A-Za-z._-]{3,64}$/, 'letters, digits, . _ and -, 3 to 64 characters'),
      client_secret: v.secret(a, at, 'client_secret'),
      signing_secret: v.secret(a, at, 'signing_secret'),
      verification_token: v.optionalText(a, at, 'verification_token'),
      redirect_urls,
      bot_scopes,
      user_scopes,
      classic,
      workspace_app: v.flag(a, at, 'workspace_app', false),
      distributed: v.flag(a, at, 'distributed', true),
      token_rotation: v.flag(a, at, 'token_rotation', false),
      socket_mode: v.flag(a, at, 'socket_mode', false),
      request_url,
      ip_allowlist,
      token_lifetime_seconds: typeof lifetime === 'number' ? lifetime : 43_200,
      created: Number.isNaN(createdMs) ? 0 : createdMs,
    });
  });
  const apps = new Map(fixture.apps.map((a) => [a.id, a]));
  v.unique(fixture.apps.map((a) => a.client_id), 'apps', 'client_id');

  const seenTokens = new Set<string>();
  v.each(root, 'tokens', (t, at) => {
    const kind = v.text(t, at, 'kind');
    if (!['bot', 'user', 'app', 'workspace', 'legacy', 'config'].includes(kind)) {
      v.fail(`${at}.kind`, 'must be bot, user, app, workspace, legacy or config');
      return;
    }
    const token: FixtureToken = {
      kind: kind as FixtureToken['kind'],
      token: v.text(t, at, 'token'),
      refresh_token: v.optionalText(t, at, 'refresh_token'),
      app_id: null,
      team_id: null,
      user_id: null,
      scopes: v.stringList(t, at, 'scopes'),
      expires_at: null,
    };
    const expires = v.optionalText(t, at, 'expires_at');
    if (expires !== null) {
      token.expires_at = Date.parse(expires);
      if (Number.isNaN(token.expires_at)) v.fail(`${at}.expires_at`, 'not an ISO 8601 time');
    }
    const needsApp = kind === 'bot' || kind === 'user' || kind === 'app' || kind === 'workspace';
    const app = needsApp ? apps.get(v.reference(t, at, 'app_id', new Set(apps.keys()), 'app')) : undefined;
    token.app_id = app?.id ?? null;
    if (kind !== 'app') {
      const team = v.optionalText(t, at, 'team_id') ?? app?.team_id ?? null;
      if (team === null) v.fail(`${at}.team_id`, 'required');
      else if (!teamIds.has(team)) v.fail(`${at}.team_id`, `no team ${team} in this fixture`);
      token.team_id = team;
    }
    if (kind === 'user' || kind === 'legacy' || kind === 'config') {
      const userId = v.reference(t, at, 'user_id', new Set(users.keys()), 'user');
      const user = users.get(userId);
      if (user && token.team_id && user.team_id !== token.team_id) v.fail(`${at}.user_id`, `user ${userId} is not in team ${token.team_id}`);
      token.user_id = userId;
    }
    checkTokenString(v, at, 'token', token.token, kind === 'bot' && app?.classic ? 'classic_bot' : (kind as TokenKind));
    if (seenTokens.has(token.token)) v.fail(`${at}.token`, 'appears twice in this fixture');
    seenTokens.add(token.token);
    const rotatingString = token.token.startsWith('xoxe.');
    if (app && (kind === 'bot' || kind === 'user')) {
      if (rotatingString && !app.token_rotation) v.fail(`${at}.token`, `app ${app.id} does not rotate tokens, so its tokens do not start with xoxe.`);
      // A long-lived token of a rotating app is one issued before rotation was turned on: oauth.v2.exchange's input.
      if (kind === 'bot' && app.workspace_app) v.fail(`${at}.kind`, 'a workspace app has no bot user');
    }
    if (kind === 'workspace' && app && !app.workspace_app) v.fail(`${at}.app_id`, `app ${app.id} is not a workspace app`);
    if (token.refresh_token !== null) {
      const refreshKind: TokenKind = kind === 'workspace' ? 'workspace_refresh' : 'refresh';
      if (kind !== 'config' && kind !== 'workspace' && !rotatingString) v.fail(`${at}.refresh_token`, 'only rotating, workspace and config tokens have refresh tokens');
      checkTokenString(v, at, 'refresh_token', token.refresh_token, refreshKind);
      if (seenTokens.has(token.refresh_token)) v.fail(`${at}.refresh_token`, 'appears twice in this fixture');
      seenTokens.add(token.refresh_token);
    }
    // Default scopes: what the app asks for; check each against the kind of token that would hold it.
    if (t['scopes'] === undefined && app) {
      token.scopes = kind === 'bot' ? [...app.bot_scopes] : kind === 'user' ? [...app.user_scopes] : kind === 'workspace' ? [...app.user_scopes] : [];
    }
    if (kind === 'user' && app?.classic && !token.scopes.includes('identify')) token.scopes.push('identify');
    if (kind === 'bot' && app?.classic) token.scopes = ['bot'];
    token.scopes.forEach((s, i) => {
      const ok =
        kind === 'app' ? APP_LEVEL_SCOPES.includes(s) : kind === 'bot' ? isKnownScope(s, 'bot') : kind === 'user' ? isKnownScope(s, 'user') : kind === 'workspace' ? isKnownScope(s, 'user') || isKnownScope(s, 'bot') : false;
      if (!ok) v.fail(`${at}.scopes[${i}]`, kind === 'legacy' || kind === 'config' ? `a ${kind} token takes no scopes` : `not a scope a ${kind} token can hold: ${s}`);
    });
    if (kind === 'app' && token.scopes.length === 0) v.fail(`${at}.scopes`, 'an app-level token needs at least one scope');
    fixture.tokens.push(token);
  });

  if (v.problems.length > 0) throw new FixtureError(v.problems);
  return fixture;
}

function checkTokenString(v: Validator, at: string, field: string, token: string, kind: TokenKind): void {
  const family = parseToken(token);
  if (family === null) v.fail(`${at}.${field}`, 'not a well-formed token with a valid checksum');
  else if (!familiesFor(kind).includes(family)) v.fail(`${at}.${field}`, `a ${family.replace('_', ' ')} token string cannot be a ${kind.replace('_', ' ')} token`);
}

class Validator {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  object(value: unknown, path: string): Json | null {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path || '(fixture)', 'must be a JSON object');
      return null;
    }
    return value as Json;
  }

  each(root: Json, section: string, visit: (entry: Json, at: string) => void): void {
    const list = root[section];
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      this.fail(section, 'must be a list');
      return;
    }
    const ids = new Set<string>();
    list.forEach((item, i) => {
      const at = `${section}[${i}]`;
      const entry = this.object(item, at);
      if (!entry) return;
      const id = entry['id'];
      if (typeof id === 'string') {
        if (ids.has(id)) this.fail(`${at}.id`, `${id} appears twice`);
        ids.add(id);
      }
      visit(entry, at);
    });
  }

  text(entry: Json, at: string, field: string): string {
    const value = entry[field];
    if (typeof value !== 'string' || value.length === 0) {
      this.fail(`${at}.${field}`, value === undefined ? 'required' : 'must be a non-empty string');
      return '';
    }
    if (value.length > 1000) this.fail(`${at}.${field}`, 'longer than 1000 characters');
    return value;
  }

  optionalText(entry: Json, at: string, field: string): string | null {
    const value = entry[field];
    if (value === undefined || value === null) return null;
    return this.text(entry, at, field);
  }

  secret(entry: Json, at: string, field: string): string {
    const value = this.text(entry, at, field);
    if (value && value.length < 8) this.fail(`${at}.${field}`, 'at least 8 characters');
    return value;
  }

  pattern(entry: Json, at: string, field: string, re: RegExp, what: string): string {
    const value = this.text(entry, at, field);
    if (value && !re.test(value)) this.fail(`${at}.${field}`, what);
    return value;
  }

  id(entry: Json, at: string, field: string, kinds: string): string {
    const value = this.text(entry, at, field);
    if (value && !isSlackId(value, kinds)) this.fail(`${at}.${field}`, `not an id starting with ${kinds.split('').join(' or ')} (upper-case letters and digits)`);
    return value;
  }

  domain(entry: Json, at: string): string {
    return this.pattern(entry, at, 'domain', /^[a-z0-9][a-z0-9-]{0,20}$/, 'lower-case letters, digits and -, up to 21 characters');
  }

  reference(entry: Json, at: string, field: string, known: Set<string>, what: string): string {
    const value = this.text(entry, at, field);
    if (value && !known.has(value)) this.fail(`${at}.${field}`, `no ${what} ${value} in this fixture`);
    return value;
  }

  flag(entry: Json, at: string, field: string, fallback: boolean): boolean {
    const value = entry[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(`${at}.${field}`, 'must be true or false');
      return fallback;
    }
    return value;
  }

  stringList(entry: Json, at: string, field: string): string[] {
    const value = entry[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(`${at}.${field}`, 'must be a list of strings');
      return [];
    }
    value.forEach((item, i) => {
      if (typeof item !== 'string' || item.length === 0) this.fail(`${at}.${field}[${i}]`, 'must be a non-empty string');
    });
    return value.filter((item): item is string => typeof item === 'string' && item.length > 0);
  }

  unique(values: string[], section: string, field: string): void {
    const seen = new Set<string>();
    values.forEach((value) => {
      if (seen.has(value)) this.fail(section, `${field} ${value} appears twice`);
      seen.add(value);
    });
  }
}
