import type { Kysely } from 'kysely';
import { idNumber, mintToken, tokenDigest, tokenHint } from '../domain/token-strings.ts';
import { findOrCreateAuthorization } from './grants.ts';
import type { Database, MemberRole } from './schema.ts';

export interface TeamRow {
  id: string;
  name: string;
  domain: string;
  members: number;
}

export interface MemberRow {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  email: string | null;
  role: MemberRole;
}

export interface InstallationRow {
  id: string;
  app_id: string;
  app_name: string;
  team_id: string | null;
  team_name: string | null;
  installer_user_id: string | null;
  created_at: number;
  uninstalled_at: number | null;
}

export interface TokenRow {
  /** The token's digest: what the console and the admin API call it by (the token itself is never kept). */
  id: string;
  kind: string;
  hint: string;
  scopes: string[];
  user_id: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The reads (and the few writes) behind the admin console: what a person running Tessera needs to see. */
export class ConsoleRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async teams(): Promise<TeamRow[]> {
    const rows = await this.#db
      .selectFrom('teams as t')
      .leftJoin('users as u', (j) => j.onRef('u.team_id', '=', 't.id').on('u.is_bot', '=', 0))
      .select(['t.id', 't.name', 't.domain', (eb) => eb.fn.count<number>('u.id').as('members')])
      .where('t.deleted_at', 'is', null)
      .groupBy(['t.id', 't.name', 't.domain'])
      .orderBy('t.name')
      .execute();
    return rows.map((r) => ({ ...r, members: Number(r.members) }));
  }

  async members(teamId: string): Promise<MemberRow[]> {
    return this.#db.selectFrom('users').select(['id', 'team_id', 'name', 'real_name', 'email', 'role']).where('team_id', '=', teamId).where('is_bot', '=', 0).orderBy('name').execute();
  }

  async member(userId: string): Promise<MemberRow | null> {
    return (await this.#db.selectFrom('users').select(['id', 'team_id', 'name', 'real_name', 'email', 'role']).where('id', '=', userId).where('is_bot', '=', 0).executeTakeFirst()) ?? null;
  }

  async installations(filter: { appId?: string; teamId?: string } = {}): Promise<InstallationRow[]> {
    let q = this.#db
      .selectFrom('installations as i')
      .innerJoin('apps as a', 'a.id', 'i.app_id')
      .leftJoin('teams as t', 't.id', 'i.team_id')
      .select(['i.id', 'i.app_id', 'a.name as app_name', 'i.team_id', 't.name as team_name', 'i.installer_user_id', 'i.created_at', 'i.uninstalled_at'])
      .orderBy('i.created_at', 'desc');
    if (filter.appId) q = q.where('i.app_id', '=', filter.appId);
    if (filter.teamId) q = q.where('i.team_id', '=', filter.teamId);
    const rows = await q.execute();
    return rows.map((r) => ({ ...r, created_at: Number(r.created_at), uninstalled_at: r.uninstalled_at === null ? null : Number(r.uninstalled_at) }));
  }

  /** The tokens of an installation, or (with `appLevel`) an app's app-level tokens; newest first. */
  async tokens(where: { installationId: string } | { appLevelOf: string }): Promise<TokenRow[]> {
    let q = this.#db
      .selectFrom('tokens as t')
      .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
      .select(['t.digest', 't.kind', 't.hint', 'a.scopes', 'a.user_id', 't.created_at', 't.expires_at', 't.last_used_at', 't.revoked_at'])
      .orderBy('t.created_at', 'desc')
      .limit(500);
    q = 'installationId' in where ? q.where('a.installation_id', '=', where.installationId) : q.where('a.app_id', '=', where.appLevelOf).where('a.kind', '=', 'app');
    const rows = await q.execute();
    const n = (v: number | null) => (v === null ? null : Number(v));
    return rows.map((r) => ({ id: r.digest, kind: r.kind, hint: r.hint, scopes: r.scopes ? r.scopes.split(',') : [], user_id: r.user_id, created_at: Number(r.created_at), expires_at: n(r.expires_at), last_used_at: n(r.last_used_at), revoked_at: n(r.revoked_at) }));
  }

  /** A legacy token for a member: every scope, for as long as it lives (Slack stopped issuing these in 2020). */
  async issueLegacyToken(teamId: string, userId: string, now: number): Promise<string | 'user_not_found'> {
    return this.#db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom('users').select(['team_id', 'role']).where('id', '=', userId).executeTakeFirst();
      if (!user || user.team_id !== teamId || user.role === 'deactivated') return 'user_not_found';
      const { id } = await findOrCreateAuthorization(trx, { kind: 'legacy', app_id: null, installation_id: null, team_id: teamId, user_id: userId, bot_id: null, scopes: [], shared: false, now });
      const token = mintToken('user', [idNumber(teamId), idNumber(userId), String(Math.floor(now / 1000))]);
      await trx.insertInto('tokens').values({ digest: tokenDigest(token), kind: 'legacy', authorization_id: id, hint: tokenHint(token), family_id: null, rotated_from: null, created_at: now, expires_at: null, revoked_at: null, used_at: null, last_used_at: null }).execute();
      return token;
    });
  }

  /** App settings a person edits in place; secrets and one-way switches have methods of their own. */
  async updateApp(appId: string, changes: { redirect_urls?: string[]; bot_scopes?: string[]; user_scopes?: string[]; ip_allowlist?: string[]; name?: string }): Promise<boolean> {
    const set: Record<string, string> = {};
    if (changes.redirect_urls) set['redirect_urls'] = JSON.stringify(changes.redirect_urls);
    if (changes.ip_allowlist) set['ip_allowlist'] = JSON.stringify(changes.ip_allowlist);
    if (changes.bot_scopes) set['bot_scopes'] = changes.bot_scopes.join(',');
    if (changes.user_scopes) set['user_scopes'] = changes.user_scopes.join(',');
    if (changes.name) set['name'] = changes.name;
    if (Object.keys(set).length === 0) return true;
    const r = await this.#db.updateTable('apps').set(set).where('id', '=', appId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Token rotation goes on and never off (slack-compat.md §8). */
  async turnOnRotation(appId: string): Promise<boolean> {
    const r = await this.#db.updateTable('apps').set({ token_rotation: 1 }).where('id', '=', appId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async teamOfInstallation(installationId: string): Promise<{ app_id: string; team_id: string | null } | null> {
    return (await this.#db.selectFrom('installations').select(['app_id', 'team_id']).where('id', '=', installationId).executeTakeFirst()) ?? null;
  }

  /** A workspace as a fixture names it (with its enterprise), so the console can add to it through the loader. */
  async teamAsFixture(teamId: string): Promise<{ teams: unknown[]; enterprises: unknown[] } | null> {
    const t = await this.#db.selectFrom('teams').select(['id', 'name', 'domain', 'enterprise_id']).where('id', '=', teamId).where('deleted_at', 'is', null).executeTakeFirst();
    if (!t) return null;
    const e = t.enterprise_id ? await this.#db.selectFrom('enterprises').select(['id', 'name', 'domain']).where('id', '=', t.enterprise_id).executeTakeFirst() : undefined;
    return { teams: [{ id: t.id, name: t.name, domain: t.domain, ...(t.enterprise_id ? { enterprise_id: t.enterprise_id } : {}) }], enterprises: e ? [e] : [] };
  }

  async apps(): Promise<Array<{ id: string; name: string; team_id: string; client_id: string; token_rotation: boolean; socket_mode: boolean; request_url: string | null }>> {
    const rows = await this.#db.selectFrom('apps').select(['id', 'name', 'team_id', 'client_id', 'token_rotation', 'socket_mode', 'request_url']).orderBy('name').execute();
    return rows.map((r) => ({ ...r, token_rotation: r.token_rotation === 1, socket_mode: r.socket_mode === 1 }));
  }
}
