import type { Kysely } from 'kysely';
import { mintToken, tokenDigest, tokenHint } from '../domain/token-strings.ts';
import { findOrCreateAuthorization } from './grants.ts';
import type { Database } from './schema.ts';

export interface EventAuthorization {
  enterprise_id: string | null;
  team_id: string;
  user_id: string;
  is_bot: boolean;
  is_enterprise_install: boolean;
}

/** App-level tokens (xapp-), the Socket Mode tickets they open, and the installations an event is visible to. */
export class AppLevelRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** A new app-level token; its string is returned once and only its digest is kept. */
  async issueToken(appId: string, scopes: readonly string[], now: number): Promise<string | 'app_not_found'> {
    return this.#db.transaction().execute(async (trx) => {
      const app = await trx.selectFrom('apps').select('id').where('id', '=', appId).executeTakeFirst();
      if (!app) return 'app_not_found';
      // Each app-level token is its own authorization: revoking one leaves the app's others.
      const { id } = await findOrCreateAuthorization(trx, { kind: 'app', app_id: appId, installation_id: null, team_id: null, user_id: null, bot_id: null, scopes, shared: false, now });
      const token = mintToken('app', [appId, String(Math.floor(now / 1000))]);
      await trx
        .insertInto('tokens')
        .values({ digest: tokenDigest(token), kind: 'app', authorization_id: id, hint: tokenHint(token), family_id: null, rotated_from: null, created_at: now, expires_at: null, revoked_at: null, used_at: null, last_used_at: null })
        .execute();
      return token;
    });
  }

  async createTicket(t: { digest: string; appId: string; tokenDigest: string; now: number; ttlMs: number }): Promise<void> {
    await this.#db.insertInto('socket_tickets').values({ digest: t.digest, app_id: t.appId, token_digest: t.tokenDigest, created_at: t.now, expires_at: t.now + t.ttlMs, used_at: null }).execute();
  }

  /** Redeems a ticket once, before it expires; the app and the token that asked for it, or null. */
  async redeemTicket(digest: string, now: number): Promise<{ appId: string; tokenDigest: string } | null> {
    return this.#db.transaction().execute(async (trx) => {
      const won = await trx.updateTable('socket_tickets').set({ used_at: now }).where('digest', '=', digest).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      if (Number(won.numUpdatedRows) !== 1) return null;
      const row = await trx.selectFrom('socket_tickets').select(['app_id', 'token_digest']).where('digest', '=', digest).executeTakeFirstOrThrow();
      return { appId: row.app_id, tokenDigest: row.token_digest };
    });
  }

  /**
   * The app's live authorizations in one workspace (its bot, then each member who installed it), ordered by a
   * stable key so a cursor can resume after the last one returned.
   */
  async eventAuthorizations(appId: string, teamId: string, after: string | null, limit: number): Promise<Array<EventAuthorization & { key: string }>> {
    let query = this.#db
      .selectFrom('authorizations as a')
      .innerJoin('installations as i', 'i.id', 'a.installation_id')
      .leftJoin('bots as b', 'b.id', 'a.bot_id')
      .leftJoin('users as u', 'u.id', 'a.user_id')
      .select(['a.id', 'a.kind', 'a.user_id', 'a.team_id', 'a.enterprise_id', 'b.user_id as bot_user_id', 'i.is_enterprise_install'])
      .where('a.app_id', '=', appId)
      .where('a.team_id', '=', teamId)
      .where('a.revoked_at', 'is', null)
      .where('i.uninstalled_at', 'is', null)
      .where('a.kind', 'in', ['bot', 'classic_bot', 'user'])
      // A deactivated bot (its token revoked) or member no longer sees events.
      .where((eb) => eb.or([eb.and([eb('a.kind', '=', 'user'), eb('u.role', '!=', 'deactivated')]), eb.and([eb('b.user_id', 'is not', null), eb('b.deleted_at', 'is', null)])]))
      .orderBy('a.id')
      .limit(limit);
    if (after !== null) query = query.where('a.id', '>', after);
    const rows = await query.execute();
    return rows.map((r) => ({
      key: r.id,
      enterprise_id: r.enterprise_id,
      team_id: r.team_id!,
      user_id: (r.kind === 'user' ? r.user_id : r.bot_user_id)!,
      is_bot: r.kind !== 'user',
      is_enterprise_install: r.is_enterprise_install === 1,
    }));
  }
}

