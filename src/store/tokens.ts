import type { Kysely, Transaction } from 'kysely';
import type { EventOutbox } from './events.ts';
import type { Database, StoredTokenKind } from './schema.ts';

/** Everything authentication needs about a token, read in one query and cached by digest. */
export interface ResolvedToken {
  digest: string;
  kind: StoredTokenKind;
  authorizationId: string;
  authorizationKind: string;
  familyId: string | null;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  revoked: boolean;
  teamId: string | null;
  teamName: string | null;
  teamDomain: string | null;
  teamDeleted: boolean;
  enterpriseId: string | null;
  userId: string | null;
  userName: string | null;
  userDeactivated: boolean;
  appId: string | null;
  appName: string | null;
  appCreatedAt: number | null;
  appIpAllowlist: string[];
  botId: string | null;
  botUserId: string | null;
  botUserName: string | null;
  installationId: string | null;
  isEnterpriseInstall: boolean;
}

export interface NewToken {
  digest: string;
  kind: StoredTokenKind;
  authorization_id: string;
  hint: string;
  family_id?: string | null;
  rotated_from?: string | null;
  created_at: number;
  expires_at?: number | null;
}

export interface RevocationResult {
  /** Digests of every token that this revocation ended. */
  revokedDigests: string[];
  /** Set when the last token of an installation went, which uninstalls the app from the workspace. */
  uninstalledInstallationId: string | null;
  /** Set when a granular bot was deactivated. */
  deactivatedBotId: string | null;
}

type Db = Kysely<Database> | Transaction<Database>;

export class TokenRepository {
  readonly #db: Kysely<Database>;
  readonly #events: EventOutbox;

  constructor(db: Kysely<Database>, events: EventOutbox) {
    this.#events = events;
    this.#db = db;
  }

  async insert(token: NewToken, db: Db = this.#db): Promise<void> {
    await db
      .insertInto('tokens')
      .values({
        digest: token.digest,
        kind: token.kind,
        authorization_id: token.authorization_id,
        hint: token.hint,
        family_id: token.family_id ?? null,
        rotated_from: token.rotated_from ?? null,
        created_at: token.created_at,
        expires_at: token.expires_at ?? null,
        revoked_at: null,
        used_at: null,
        last_used_at: null,
      })
      .execute();
  }

  async exists(digest: string, db: Db = this.#db): Promise<boolean> {
    const row = await db.selectFrom('tokens').select('digest').where('digest', '=', digest).executeTakeFirst();
    return row !== undefined;
  }

  async resolve(digest: string): Promise<ResolvedToken | null> {
    const row = await this.#db
      .selectFrom('tokens as t')
      .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
      .leftJoin('installations as i', 'i.id', 'a.installation_id')
      .leftJoin('apps as p', 'p.id', 'a.app_id')
      .leftJoin('teams as tm', 'tm.id', 'a.team_id')
      .leftJoin('users as u', 'u.id', 'a.user_id')
      .leftJoin('bots as b', 'b.id', 'a.bot_id')
      .leftJoin('users as bu', 'bu.id', 'b.user_id')
      .select([
        't.digest',
        't.kind',
        't.authorization_id',
        't.family_id',
        't.created_at',
        't.expires_at',
        't.revoked_at',
        'a.kind as authorization_kind',
        'a.scopes',
        'a.revoked_at as authorization_revoked_at',
        'a.team_id',
        'a.enterprise_id',
        'a.user_id',
        'a.app_id',
        'a.bot_id',
        'a.installation_id',
        'i.uninstalled_at',
        'i.is_enterprise_install',
        'p.name as app_name',
        'p.created_at as app_created_at',
        'p.ip_allowlist',
        'tm.name as team_name',
        'tm.domain as team_domain',
        'tm.deleted_at as team_deleted_at',
        'u.name as user_name',
        'u.role as user_role',
        'b.user_id as bot_user_id',
        'bu.name as bot_user_name',
      ])
      .where('t.digest', '=', digest)
      .executeTakeFirst();
    if (!row) return null;
    return {
      digest: row.digest,
      kind: row.kind,
      authorizationId: row.authorization_id,
      authorizationKind: row.authorization_kind,
      familyId: row.family_id,
      scopes: row.scopes ? row.scopes.split(',') : [],
      createdAt: Number(row.created_at),
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
      revoked: row.revoked_at !== null || row.authorization_revoked_at !== null || row.uninstalled_at !== null,
      teamId: row.team_id,
      teamName: row.team_name,
      teamDomain: row.team_domain,
      teamDeleted: row.team_deleted_at !== null,
      enterpriseId: row.enterprise_id,
      userId: row.user_id,
      userName: row.user_name,
      userDeactivated: row.user_role === 'deactivated',
      appId: row.app_id,
      appName: row.app_name,
      appCreatedAt: row.app_created_at === null ? null : Number(row.app_created_at),
      appIpAllowlist: row.ip_allowlist ? (JSON.parse(row.ip_allowlist) as string[]) : [],
      botId: row.bot_id,
      botUserId: row.bot_user_id,
      botUserName: row.bot_user_name,
      installationId: row.installation_id,
      isEnterpriseInstall: row.is_enterprise_install === 1,
    };
  }

  /**
   * Revokes one token and what goes with it (slack-compat.md §9), in one transaction whose guard
   * (`revoked_at is null`) lets only one of two racing revocations do the work.
   */
  async revoke(digest: string, now: number): Promise<RevocationResult> {
    return this.#db.transaction().execute(async (trx) => {
      const result: RevocationResult = { revokedDigests: [], uninstalledInstallationId: null, deactivatedBotId: null };
      const token = await trx
        .selectFrom('tokens as t')
        .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
        .select(['t.digest', 't.kind', 't.family_id', 't.expires_at', 'a.id as authorization_id', 'a.kind as authorization_kind', 'a.installation_id', 'a.bot_id'])
        .where('t.digest', '=', digest)
        .executeTakeFirst();
      if (!token) return result;
      const updated = await trx
        .updateTable('tokens')
        .set({ revoked_at: now })
        .where('digest', '=', digest)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return result;
      result.revokedDigests.push(digest);

      const isRefresh = token.kind === 'refresh' || token.kind === 'config_refresh' || token.kind === 'workspace_refresh';
      if (isRefresh && token.family_id) {
        // RFC 7009 §2.1: revoking a refresh token also ends the access tokens of the same grant.
        result.revokedDigests.push(...(await this.#revokeWhere(trx, now, 'family_id', token.family_id)));
      }
      const rotating = token.expires_at !== null || isRefresh;
      if (token.kind === 'bot' && !rotating && token.bot_id) {
        // A granular bot token revoked for good deactivates the bot, and every token of its authorization.
        await trx.updateTable('authorizations').set({ revoked_at: now }).where('id', '=', token.authorization_id).where('revoked_at', 'is', null).execute();
        await trx.updateTable('bots').set({ deleted_at: now }).where('id', '=', token.bot_id).where('deleted_at', 'is', null).execute();
        await trx.updateTable('incoming_webhooks').set({ removed_at: now }).where('authorization_id', '=', token.authorization_id).where('removed_at', 'is', null).execute();
        result.revokedDigests.push(...(await this.#revokeWhere(trx, now, 'authorization_id', token.authorization_id)));
        result.deactivatedBotId = token.bot_id;
      }
      if (!rotating && token.installation_id && (await this.#liveTokenCount(trx, token.installation_id, now)) === 0) {
        await markUninstalled(trx, token.installation_id, now);
        result.uninstalledInstallationId = token.installation_id;
      }
      await this.#events.recordRevocations(trx, result.revokedDigests, now, result.uninstalledInstallationId ? [result.uninstalledInstallationId] : []);
      return result;
    });
  }

  async touch(digests: readonly string[], at: number): Promise<void> {
    if (digests.length > 0) await this.#db.updateTable('tokens').set({ last_used_at: at }).where('digest', 'in', digests).execute();
  }

  /** The live installation of an app on a workspace, if any. */
  async installationOf(appId: string, teamId: string): Promise<string | null> {
    const row = await this.#db.selectFrom('installations').select('id').where('app_id', '=', appId).where('team_id', '=', teamId).where('uninstalled_at', 'is', null).executeTakeFirst();
    return row?.id ?? null;
  }

  /** apps.uninstall: every token of the installation ends, its bot and webhooks go, the app is uninstalled. */
  async uninstall(installationId: string, now: number): Promise<string[]> {
    return this.#db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('tokens as t')
        .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
        .select('t.digest')
        .where('a.installation_id', '=', installationId)
        .where('t.revoked_at', 'is', null)
        .execute();
      const digests = rows.map((r) => r.digest);
      if (digests.length > 0) await trx.updateTable('tokens').set({ revoked_at: now }).where('digest', 'in', digests).execute();
      await trx.updateTable('authorizations').set({ revoked_at: now }).where('installation_id', '=', installationId).where('revoked_at', 'is', null).execute();
      await markUninstalled(trx, installationId, now);
      await this.#events.recordRevocations(trx, digests, now, [installationId]);
      return digests;
    });
  }

  async #revokeWhere(trx: Transaction<Database>, now: number, column: 'family_id' | 'authorization_id', value: string): Promise<string[]> {
    const rows = await trx.selectFrom('tokens').select('digest').where(column, '=', value).where('revoked_at', 'is', null).execute();
    if (rows.length === 0) return [];
    await trx.updateTable('tokens').set({ revoked_at: now }).where(column, '=', value).where('revoked_at', 'is', null).execute();
    return rows.map((r) => r.digest);
  }

  async #liveTokenCount(trx: Transaction<Database>, installationId: string, now: number): Promise<number> {
    const row = await trx
      .selectFrom('tokens as t')
      .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('a.installation_id', '=', installationId)
      .where('a.revoked_at', 'is', null)
      .where('t.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', now)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

async function markUninstalled(trx: Transaction<Database>, installationId: string, now: number): Promise<void> {
  await trx.updateTable('installations').set({ uninstalled_at: now }).where('id', '=', installationId).where('uninstalled_at', 'is', null).execute();
  await trx.updateTable('bots').set({ deleted_at: now }).where('installation_id', '=', installationId).where('deleted_at', 'is', null).execute();
  await trx.updateTable('incoming_webhooks').set({ removed_at: now }).where('installation_id', '=', installationId).where('removed_at', 'is', null).execute();
}
