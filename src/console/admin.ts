import { randomBytes } from 'node:crypto';
import { randomBase62 } from '../domain/base62.ts';
import { FixtureError, validateFixture } from '../domain/fixture.ts';
import { newId } from '../domain/ids.ts';
import { APP_LEVEL_SCOPES } from '../domain/scopes.ts';
import { CONFIG_TOKEN_LIFETIME_SECONDS } from '../domain/token-kinds.ts';
import type { MemberRole } from '../store/schema.ts';
import type { Services } from '../webapi/services.ts';
import { verifyRequestUrl } from '../events/request-url.ts';

/** A change the console refuses, with a message a person can act on. */
export class AdminError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'AdminError';
    this.code = code;
    this.status = status;
  }
}

export interface NewApp {
  name: string;
  team_id: string;
  redirect_urls: string[];
  bot_scopes: string[];
  user_scopes: string[];
  token_rotation?: boolean;
}

export interface AppCredentials {
  app_id: string;
  client_id: string;
  client_secret: string;
  signing_secret: string;
  verification_token: string;
}

const ROLES: readonly MemberRole[] = ['owner', 'admin', 'member', 'deactivated'];
const CLIENT_SECRET_OVERLAP_MS = 24 * 3600 * 1000;

/**
 * What the console and the admin API can do, in one place, so the pages and the JSON API change state the same
 * way: each change is validated as a fixture would be, audited, and made visible to every cache at once.
 */
export class AdminService {
  readonly #services: Services;

  constructor(services: Services) {
    this.#services = services;
  }

  get #store() {
    return this.#services.store;
  }

  async #load(teamId: string, extra: Record<string, unknown[]>): Promise<void> {
    const base = await this.#store.console.teamAsFixture(teamId);
    if (!base) throw new AdminError('team_not_found', `There is no workspace ${teamId}.`, 404);
    let fixture;
    try {
      fixture = validateFixture({ ...base, ...extra });
    } catch (error) {
      if (error instanceof FixtureError) throw new AdminError('invalid_arguments', error.problems.map((p) => p.replace(/^(apps|users)\[0\]\./, '')).join('; '));
      throw error;
    }
    await this.#store.loadFixture(fixture, this.#services.clock.now());
  }

  /** A new app: its credentials are returned once and only digests or sealed values are kept. */
  async createApp(a: NewApp): Promise<AppCredentials> {
    const digits = (n: number) => String(BigInt('0x' + randomBytes(8).toString('hex')) % 10n ** BigInt(n)).padStart(n, '1');
    const credentials: AppCredentials = {
      app_id: newId('A'),
      client_id: `${digits(13)}.${digits(13)}`,
      client_secret: randomBytes(16).toString('hex'),
      signing_secret: randomBytes(16).toString('hex'),
      verification_token: randomBase62(24, randomBytes),
    };
    if (!a.name || a.name.length > 35) throw new AdminError('invalid_name', 'An app name is 1 to 35 characters.');
    await this.#load(a.team_id, {
      apps: [
        {
          id: credentials.app_id,
          name: a.name,
          team_id: a.team_id,
          client_id: credentials.client_id,
          client_secret: credentials.client_secret,
          signing_secret: credentials.signing_secret,
          verification_token: credentials.verification_token,
          redirect_urls: a.redirect_urls,
          bot_scopes: a.bot_scopes,
          user_scopes: a.user_scopes,
          token_rotation: a.token_rotation ?? false,
          created: new Date(this.#services.clock.now()).toISOString().slice(0, 10),
        },
      ],
    });
    this.#services.audit({ event: 'app_created', app: credentials.app_id, team: a.team_id });
    return credentials;
  }

  async #app(appId: string) {
    const app = await this.#store.apps.byId(appId);
    if (!app) throw new AdminError('app_not_found', `There is no app ${appId}.`, 404);
    return app;
  }

  /** Redirect URLs, scopes and the IP allowlist, checked by the same rules as a fixture. */
  async updateApp(appId: string, changes: { redirect_urls?: string[]; bot_scopes?: string[]; user_scopes?: string[]; ip_allowlist?: string[] }): Promise<void> {
    const app = await this.#app(appId);
    const candidate = {
      id: app.id,
      name: app.name,
      team_id: app.team_id,
      client_id: app.client_id,
      client_secret: 'x'.repeat(16),
      signing_secret: 'x'.repeat(16),
      redirect_urls: changes.redirect_urls ?? app.redirect_urls,
      bot_scopes: changes.bot_scopes ?? app.bot_scopes,
      user_scopes: changes.user_scopes ?? app.user_scopes,
      ip_allowlist: changes.ip_allowlist ?? app.ip_allowlist,
      classic: app.classic,
      workspace_app: app.workspace_app,
    };
    const base = await this.#store.console.teamAsFixture(app.team_id);
    try {
      validateFixture({ ...base, apps: [candidate] });
    } catch (error) {
      if (error instanceof FixtureError) throw new AdminError('invalid_arguments', error.problems.map((p) => p.replace(/^apps\[0\]\./, '')).join('; '));
      throw error;
    }
    await this.#store.console.updateApp(appId, changes);
    this.#services.tokensChanged('all'); // an allowlist change applies to cached token checks too
    this.#services.audit({ event: 'app_updated', app: appId, changed: Object.keys(changes) });
  }

  async regenerate(appId: string, which: 'client' | 'signing' | 'verification'): Promise<string> {
    await this.#app(appId);
    const value =
      which === 'client'
        ? await this.#store.apps.regenerateClientSecret(appId, this.#services.clock.now(), CLIENT_SECRET_OVERLAP_MS)
        : which === 'signing'
          ? await this.#store.apps.regenerateSigningSecret(appId)
          : await this.#store.apps.regenerateVerificationToken(appId);
    this.#services.audit({ event: `${which}_secret_regenerated`, app: appId });
    return value!;
  }

  async setRequestUrl(appId: string, url: string | null): Promise<void> {
    await this.#app(appId);
    if (url !== null) {
      const outcome = await verifyRequestUrl(url, (await this.#store.apps.signingSecret(appId))!, (await this.#store.apps.verificationToken(appId))!);
      if (!outcome.ok) throw new AdminError('request_url_unverified', `The Request URL did not answer Slack's challenge: ${outcome.reason}.`);
    }
    await this.#store.apps.setRequestUrl(appId, url);
    this.#services.audit({ event: 'request_url_set', app: appId, url });
  }

  async setSocketMode(appId: string, on: boolean): Promise<void> {
    await this.#app(appId);
    await this.#store.apps.setSocketMode(appId, on);
    this.#services.audit({ event: 'socket_mode_set', app: appId, on });
  }

  async turnOnRotation(appId: string): Promise<void> {
    await this.#app(appId);
    await this.#store.console.turnOnRotation(appId);
    this.#services.audit({ event: 'token_rotation_on', app: appId });
  }

  async issueAppToken(appId: string, scopes: string[]): Promise<string> {
    await this.#app(appId);
    const unknown = scopes.filter((s) => !APP_LEVEL_SCOPES.includes(s));
    if (scopes.length === 0 || unknown.length > 0) throw new AdminError('invalid_scope', `App-level tokens take ${APP_LEVEL_SCOPES.join(', ')}.`);
    const token = await this.#store.appLevel.issueToken(appId, scopes, this.#services.clock.now());
    this.#services.audit({ event: 'app_token_issued', app: appId, scopes });
    return token as string;
  }

  /** A new member with a password shown once, as an invitation that is accepted at once. */
  async inviteMember(m: { team_id: string; name: string; real_name: string; email: string; role: MemberRole }): Promise<{ user_id: string; password: string }> {
    if (!ROLES.includes(m.role) || m.role === 'deactivated') throw new AdminError('invalid_role', 'A new member is an owner, an admin or a member.');
    const password = randomBase62(16, randomBytes);
    const userId = newId('U');
    await this.#load(m.team_id, { users: [{ id: userId, team_id: m.team_id, name: m.name, real_name: m.real_name || m.name, email: m.email, password, role: m.role }] });
    this.#services.audit({ event: 'member_invited', team: m.team_id, user: userId, role: m.role });
    return { user_id: userId, password };
  }

  /** Role changes, deactivation and reactivation; every token check sees the change at once. */
  async setRole(userId: string, role: string): Promise<void> {
    if (!ROLES.includes(role as MemberRole)) throw new AdminError('invalid_role', `A role is one of ${ROLES.join(', ')}.`);
    const member = await this.#store.console.member(userId);
    if (!member) throw new AdminError('user_not_found', `There is no member ${userId}.`, 404);
    await this.#store.workspaces.setRole(userId, role as MemberRole, this.#services.clock.now());
    this.#services.tokensChanged('all');
    this.#services.audit({ event: 'member_role_set', team: member.team_id, user: userId, role });
  }

  async revokeToken(id: string): Promise<number> {
    const result = await this.#services.revokeToken(id);
    if (result.revokedDigests.length === 0) throw new AdminError('token_not_found', 'No live token has that id.', 404);
    return result.revokedDigests.length;
  }

  async uninstall(installationId: string): Promise<void> {
    const installation = await this.#store.console.teamOfInstallation(installationId);
    if (!installation) throw new AdminError('installation_not_found', `There is no installation ${installationId}.`, 404);
    await this.#store.tokens.uninstall(installationId, this.#services.clock.now());
    this.#services.tokensChanged('all');
    this.#services.audit({ event: 'app_uninstalled', app: installation.app_id, team: installation.team_id, by: 'console' });
  }

  async issueConfigToken(teamId: string, userId: string): Promise<{ token: string; refresh_token: string; exp: number }> {
    const issued = await this.#store.refresh.issueConfigToken({ teamId, userId, now: this.#services.clock.now(), lifetimeSeconds: CONFIG_TOKEN_LIFETIME_SECONDS });
    if (issued === 'user_not_found') throw new AdminError('user_not_found', `No active member ${userId} in workspace ${teamId}.`, 404);
    this.#services.audit({ event: 'config_token_issued', team: teamId, user: userId });
    return { token: issued.accessToken, refresh_token: issued.refreshToken, exp: Math.floor(issued.expiresAt / 1000) };
  }

  async issueLegacyToken(teamId: string, userId: string): Promise<string> {
    const token = await this.#store.console.issueLegacyToken(teamId, userId, this.#services.clock.now());
    if (token === 'user_not_found') throw new AdminError('user_not_found', `No active member ${userId} in workspace ${teamId}.`, 404);
    this.#services.audit({ event: 'legacy_token_issued', team: teamId, user: userId });
    return token;
  }
}
