import { redirectWith, validateAuthorize, type AuthorizeFlow, type AuthorizeQuery } from '../domain/authorize-request.ts';
import { OPENID_SCOPES } from '../domain/openid.ts';
import type { Clock } from '../domain/clock.ts';
import type { AppRecord } from '../store/apps.ts';
import type { Store } from '../store/index.ts';
import { issueCode } from './consent.ts';

/**
 * An install without a browser (slack-compat.md §12): what an authorize link asks for, and the member's answer to
 * it. The link is either given whole, as the app made it (`authorizeUrl`, with the app's own `state`), or in parts.
 */
export interface HeadlessInstallRequest {
  /** An authorize link as the app built it, e.g. where its `/slack/install` redirects; the flow follows its path. */
  authorizeUrl?: string;
  /**
   * `v2` (`/oauth/v2/authorize`), the classic `v1` (`/oauth/authorize`; the default for a classic app) or `oidc`,
   * Sign in with Slack (`/openid/connect/authorize`).
   */
  flow?: AuthorizeFlow;
  /** The app: its id (`A…`) or its client id. */
  app?: string;
  /** v2: bot scopes. v1: every scope requested. oidc: `openid` and others. By default all the app lists (v2: its bot scopes; oidc: `openid,email,profile`). */
  scopes?: readonly string[] | string;
  /** v2 user scopes (`user_scope`). */
  userScopes?: readonly string[] | string;
  redirectUri?: string;
  state?: string;
  /** A PKCE S256 challenge; the exchange then needs its `codeVerifier`. */
  codeChallenge?: string;
  /** Sign in with Slack: the nonce the ID token must carry. */
  nonce?: string;
  /** The workspace to install into; by default the member's, or the app's own. */
  team?: string;
  /** The member who consents; by default the workspace's first owner (else admin, else member). */
  user?: string;
  /** The channel for `incoming-webhook`; by default the first the member may choose. */
  channel?: string;
  /** Answer Cancel instead of Allow: the app gets `error=access_denied`. */
  cancel?: boolean;
}

export interface ExchangeOptions {
  /** The app's client secret; by default the one its fixture gave. */
  clientSecret?: string;
  codeVerifier?: string;
}

/** Where Tessera sends the member back to: the app's redirect URL with `code` and `state`, or with `error`. */
export interface InstallRedirect {
  redirectUrl: string;
  code: string | null;
  state: string | null;
  /** The OAuth error sent instead of a code (`invalid_scope`, `access_denied`, …). */
  error: string | null;
  flow: AuthorizeFlow;
  appId: string;
  teamId: string | null;
  userId: string | null;
}

/** The answer of `oauth.v2.access` (or `oauth.access`, `openid.connect.token`), exactly as the Web API gave it. */
export interface OAuthAnswer {
  ok: boolean;
  error?: string;
  [field: string]: unknown;
}

/** A request that cannot reach the app at all: on Slack an error page, never a redirect. */
export class InstallError extends Error {
  readonly code: string;
  readonly detail: string;
  constructor(code: string, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'InstallError';
    this.code = code;
    this.detail = detail;
  }
}

export interface HeadlessDeps {
  store: Store;
  clock: Clock;
  audit(event: Record<string, unknown> & { event: string }): void;
  /** The Web API base URL of this process (`…/api/`), for the exchange; empty before it listens. */
  apiUrl(): string;
  /** The client secret a fixture gave an app; Tessera itself keeps only its digest. */
  clientSecret(appId: string): string | undefined;
}

const PATHS: Record<string, AuthorizeFlow> = { '/oauth/authorize': 'v1', '/oauth/v2/authorize': 'v2', '/openid/connect/authorize': 'oidc' };
const EXCHANGES: Record<AuthorizeFlow, string> = { v1: 'oauth.access', v2: 'oauth.v2.access', oidc: 'openid.connect.token' };
const QUERY_KEYS = ['client_id', 'scope', 'user_scope', 'redirect_uri', 'state', 'team', 'code_challenge', 'code_challenge_method', 'response_type', 'nonce'] as const;
const PARTS = ['flow', 'app', 'scopes', 'userScopes', 'redirectUri', 'state', 'codeChallenge', 'nonce'] as const;
const ROLE_ORDER = ['owner', 'admin', 'member'];

/** Runs the authorize rules of the browser flow, gives the member's answer, and returns the redirect. */
export async function installHeadless(deps: HeadlessDeps, request: HeadlessInstallRequest): Promise<InstallRedirect> {
  const { flow, query } = await readRequest(deps.store, request);
  const app = query.client_id ? await deps.store.apps.byClientId(query.client_id) : null;
  const outcome = validateAuthorize(flow, query, app);
  if (outcome.kind === 'page_error') throw new InstallError(app === null ? 'invalid_client_id' : 'bad_redirect_uri', outcome.message);
  const answer = (redirectTarget: string, state: string | null, error: string, teamId: string | null = null, userId: string | null = null): InstallRedirect => ({
    redirectUrl: redirectWith(redirectTarget, { error, state }),
    code: null,
    state,
    error,
    flow,
    appId: app!.id,
    teamId,
    userId,
  });
  if (outcome.kind === 'redirect_error') return answer(outcome.redirectTarget, outcome.state, outcome.error);
  const valid = outcome.request;
  if (request.cancel === true) return answer(valid.redirectTarget, valid.state, 'access_denied');

  const member = await chooseMember(deps.store, request, valid.team, app!);
  // As on the consent page: a workspace other than the app's own only for a distributed app.
  if (!app!.distributed && member.teamId !== app!.team_id) return answer(valid.redirectTarget, valid.state, 'invalid_team_for_non_distributed_app', member.teamId, member.userId);
  let channelId: string | null = null;
  if (valid.wantsWebhook) {
    const channels = await deps.store.sessions.channelsFor(member.userId, member.teamId);
    channelId = (request.channel === undefined ? channels[0] : channels.find((c) => c.id === request.channel))?.id ?? null;
    if (channelId === null) throw new InstallError('channel_not_found', request.channel === undefined ? `${member.userId} may choose no channel for incoming-webhook in ${member.teamId}` : `${request.channel} is not a channel ${member.userId} may choose in ${member.teamId}`);
  }
  const now = deps.clock.now();
  // Consent given headlessly is a sign-in at this moment: the ID token's auth_time.
  const authTime = flow === 'oidc' ? now : null;
  const { code, redirectUrl } = await issueCode(deps.store, { request: valid, teamId: member.teamId, userId: member.userId, channelId, authTime, now });
  deps.audit({ event: 'consent_given', app: app!.id, team: member.teamId, user: member.userId, headless: true });
  return { redirectUrl, code, state: valid.state, error: null, flow, appId: app!.id, teamId: member.teamId, userId: member.userId };
}

export type HeadlessInstall = HeadlessInstallRequest & ExchangeOptions & { exchange?: boolean };

/** A headless install; with `exchange`, its code exchanged as the app's callback would, and that answer instead. */
export async function install(deps: HeadlessDeps, request: HeadlessInstall): Promise<InstallRedirect | OAuthAnswer> {
  const redirect = await installHeadless(deps, request);
  if (request.exchange !== true) return redirect;
  return exchangeInstall(deps, redirect, { clientSecret: request.clientSecret, codeVerifier: request.codeVerifier, redirectUri: sentRedirectUri(request) });
}

/** Exchanges the code of a headless install through the real Web API (its checks, faults and request log). */
export async function exchangeInstall(deps: HeadlessDeps, redirect: InstallRedirect, options: ExchangeOptions & { redirectUri: string | null }): Promise<OAuthAnswer> {
  if (redirect.code === null) return { ok: false, error: redirect.error ?? 'invalid_code' };
  const clientSecret = options.clientSecret ?? deps.clientSecret(redirect.appId);
  if (clientSecret === undefined) throw new InstallError('client_secret_unknown', `no fixture gave ${redirect.appId}'s client secret; pass it (clientSecret) to exchange the code`);
  const app = await deps.store.apps.byId(redirect.appId);
  const base = deps.apiUrl();
  if (app === null || base === '') throw new InstallError('not_listening', 'Tessera is not serving the Web API');
  const form = new URLSearchParams({ client_id: app.client_id, client_secret: clientSecret, code: redirect.code });
  if (options.redirectUri !== null) form.set('redirect_uri', options.redirectUri);
  if (options.codeVerifier !== undefined) form.set('code_verifier', options.codeVerifier);
  const response = await fetch(`${base}${EXCHANGES[redirect.flow]}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), signal: AbortSignal.timeout(30_000) });
  return (await response.json()) as OAuthAnswer;
}

/** The redirect_uri the request sent, which the exchange must repeat. */
function sentRedirectUri(request: HeadlessInstallRequest): string | null {
  if (request.authorizeUrl !== undefined) return new URL(request.authorizeUrl).searchParams.get('redirect_uri');
  return request.redirectUri ?? null;
}

async function readRequest(store: Store, request: HeadlessInstallRequest): Promise<{ flow: AuthorizeFlow; query: AuthorizeQuery }> {
  if (request.authorizeUrl !== undefined) {
    const mixed = PARTS.filter((k) => request[k] !== undefined);
    if (mixed.length > 0) throw new InstallError('invalid_arguments', `give authorizeUrl or the request's parts, not both (${mixed.join(', ')})`);
    let url: URL;
    try {
      url = new URL(request.authorizeUrl);
    } catch {
      throw new InstallError('invalid_arguments', 'authorizeUrl is not an absolute URL');
    }
    const flow = Object.hasOwn(PATHS, url.pathname) ? PATHS[url.pathname] : undefined;
    if (flow === undefined) throw new InstallError('invalid_arguments', `authorizeUrl must be Tessera's /oauth/v2/authorize, /oauth/authorize or /openid/connect/authorize, not ${url.pathname}`);
    const query: AuthorizeQuery = {};
    for (const key of QUERY_KEYS) {
      const values = url.searchParams.getAll(key);
      // As on the authorize page: a parameter given twice is a tampered link.
      if (values.length > 1) throw new InstallError('invalid_arguments', `${key} is given more than once`);
      if (values.length === 1) query[key] = values[0]!;
    }
    return { flow, query };
  }
  if (request.app === undefined) throw new InstallError('invalid_arguments', 'name the app (app) or give its authorize link (authorizeUrl)');
  const app = (await store.apps.byId(request.app)) ?? (await store.apps.byClientId(request.app));
  if (app === null) throw new InstallError('invalid_client_id', `there is no app ${request.app}`);
  const flow = request.flow ?? (app.classic ? 'v1' : 'v2');
  if (!Object.hasOwn(EXCHANGES, flow)) throw new InstallError('invalid_arguments', 'flow is v1, v2 or oidc');
  const query: AuthorizeQuery = { client_id: app.client_id };
  const list = (v: readonly string[] | string | undefined): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : v.join(','));
  let scope = list(request.scopes);
  let userScope = list(request.userScopes);
  if (scope === undefined && userScope === undefined) {
    if (flow === 'oidc') scope = OPENID_SCOPES.join(',');
    else if (flow === 'v1') scope = [...new Set([...app.bot_scopes, ...app.user_scopes])].join(',');
    else if (app.bot_scopes.length > 0) scope = app.bot_scopes.join(',');
    else userScope = app.user_scopes.join(',');
  }
  if (scope !== undefined) query.scope = scope;
  if (userScope !== undefined) query.user_scope = userScope;
  if (request.redirectUri !== undefined) query.redirect_uri = request.redirectUri;
  if (request.state !== undefined) query.state = request.state;
  if (request.team !== undefined) query.team = request.team;
  if (request.codeChallenge !== undefined) {
    query.code_challenge = request.codeChallenge;
    query.code_challenge_method = 'S256';
  }
  if (flow === 'oidc') query.response_type = 'code';
  if (request.nonce !== undefined) query.nonce = request.nonce;
  return { flow, query };
}

/** The member who answers: named, or the workspace's first owner, admin or member, in that order. */
async function chooseMember(store: Store, request: HeadlessInstallRequest, hintedTeam: string | null, app: AppRecord): Promise<{ teamId: string; userId: string }> {
  let teamId: string;
  let userId: string;
  if (request.user !== undefined) {
    const member = await store.console.member(request.user);
    if (member === null) throw new InstallError('user_not_found', `there is no member ${request.user}`);
    if (request.team !== undefined && member.team_id !== request.team) throw new InstallError('user_not_in_team', `${request.user} is not a member of ${request.team}`);
    if (member.role === 'deactivated') throw new InstallError('account_inactive', `${request.user} is deactivated and cannot sign in`);
    teamId = member.team_id;
    userId = member.id;
  } else {
    teamId = request.team ?? hintedTeam ?? app.team_id;
    const members = (await store.console.members(teamId)).filter((m) => m.role !== 'deactivated');
    members.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
    if (members.length === 0) throw new InstallError('user_not_found', `${teamId} has no active member to consent`);
    userId = members[0]!.id;
  }
  const team = await store.workspaces.team(teamId);
  if (team === null || team.deleted) throw new InstallError('team_not_found', `there is no workspace ${teamId}`);
  return { teamId, userId };
}
