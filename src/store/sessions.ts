import type { Kysely } from 'kysely';
import type { Database, Flow, MemberRole } from './schema.ts';

export interface SignedInMember {
  user_id: string;
  name: string;
  real_name: string;
  email: string | null;
  role: MemberRole;
  team_id: string;
  team_name: string;
  team_domain: string;
  /** When the member signed in to this session (an ID token's `auth_time`). */
  signed_in_at: number;
}

export interface MemberCredentials {
  id: string;
  team_id: string;
  password_hash: string | null;
  role: MemberRole;
}

export interface PendingRequest {
  id: string;
  flow: Flow;
  app_id: string;
  params: unknown;
  expires_at: number;
  decided_at: number | null;
}

/** Browser sessions of members, and the authorization requests waiting on their consent. */
export class SessionRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Members of live workspaces with this email, with what a password check needs. */
  async credentialsByEmail(email: string): Promise<MemberCredentials[]> {
    return this.#db
      .selectFrom('users as u')
      .innerJoin('teams as t', 't.id', 'u.team_id')
      .select(['u.id', 'u.team_id', 'u.password_hash', 'u.role'])
      .where((eb) => eb(eb.fn('lower', ['u.email']), '=', email.toLowerCase()))
      .where('u.is_bot', '=', 0)
      .where('t.deleted_at', 'is', null)
      .orderBy('u.team_id')
      .execute();
  }

  async create(digest: string, userIds: readonly string[], now: number, ttlMs: number): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('sessions').values({ digest, created_at: now, expires_at: now + ttlMs, ended_at: null }).execute();
      for (const user_id of userIds) {
        await trx.insertInto('session_members').values({ session_digest: digest, user_id, signed_in_at: now }).execute();
      }
    });
  }

  /** The members signed in with this session: none once it has ended or expired, or for deactivated members. */
  async members(digest: string, now: number): Promise<SignedInMember[]> {
    return this.#db
      .selectFrom('sessions as s')
      .innerJoin('session_members as m', 'm.session_digest', 's.digest')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('teams as t', 't.id', 'u.team_id')
      .select(['u.id as user_id', 'u.name', 'u.real_name', 'u.email', 'u.role', 't.id as team_id', 't.name as team_name', 't.domain as team_domain', 'm.signed_in_at'])
      .where('s.digest', '=', digest)
      .where('s.ended_at', 'is', null)
      .where('s.expires_at', '>', now)
      .where('u.role', '!=', 'deactivated')
      .where('t.deleted_at', 'is', null)
      .orderBy('t.name')
      .execute();
  }

  async end(digest: string, now: number): Promise<void> {
    await this.#db.updateTable('sessions').set({ ended_at: now }).where('digest', '=', digest).where('ended_at', 'is', null).execute();
  }

  async createRequest(r: { id: string; sessionDigest: string; flow: Flow; appId: string; params: unknown; now: number; ttlMs: number }): Promise<void> {
    await this.#db
      .insertInto('authorization_requests')
      .values({ id: r.id, session_digest: r.sessionDigest, flow: r.flow, app_id: r.appId, params: JSON.stringify(r.params), created_at: r.now, expires_at: r.now + r.ttlMs, decided_at: null })
      .execute();
  }

  /** A pending request of this session only: another browser's request id is as good as none. */
  async request(id: string, sessionDigest: string): Promise<PendingRequest | null> {
    const row = await this.#db.selectFrom('authorization_requests').selectAll().where('id', '=', id).where('session_digest', '=', sessionDigest).executeTakeFirst();
    if (!row) return null;
    return { id: row.id, flow: row.flow, app_id: row.app_id, params: JSON.parse(row.params), expires_at: Number(row.expires_at), decided_at: row.decided_at === null ? null : Number(row.decided_at) };
  }

  /** Marks a request decided; false when it already was (a second submission of the same form). */
  async decide(id: string, now: number): Promise<boolean> {
    const r = await this.#db.updateTable('authorization_requests').set({ decided_at: now }).where('id', '=', id).where('decided_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Channels a member may pick for an incoming webhook: public ones, and private ones they belong to. */
  async channelsFor(userId: string, teamId: string): Promise<Array<{ id: string; name: string }>> {
    return this.#db
      .selectFrom('channels as c')
      .leftJoin('channel_members as cm', (join) => join.onRef('cm.channel_id', '=', 'c.id').on('cm.user_id', '=', userId))
      .select(['c.id', 'c.name'])
      .where('c.team_id', '=', teamId)
      .where('c.is_archived', '=', 0)
      .where((eb) => eb.or([eb('c.is_private', '=', 0), eb('cm.user_id', 'is not', null)]))
      .orderBy('c.name')
      .execute();
  }
}
