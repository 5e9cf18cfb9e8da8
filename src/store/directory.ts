import type { ExpressionBuilder, Kysely } from 'kysely';
import type { ChannelTable, Database, MemberRole } from './schema.ts';

/** A workspace member as the users.* methods show it; bot users carry their bot and app. */
export interface MemberRecord {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  email: string | null;
  role: MemberRole;
  is_bot: boolean;
  updated_at: number;
  bot_id: string | null;
  app_id: string | null;
  /** A bot user whose bot was deactivated or uninstalled: Slack lists it as deleted. */
  bot_deleted: boolean;
}

/** A channel as the conversations.* methods show it, seen by one member (`is_member`). */
export interface ChannelRecord {
  id: string;
  team_id: string;
  name: string;
  is_private: boolean;
  is_archived: boolean;
  creator_id: string | null;
  created_at: number;
  is_member: boolean;
  num_members: number;
}

export interface ChannelQuery {
  /** The member (a person or a bot user) asking: private channels are listed only to their members. */
  memberId: string | null;
  publicChannels: boolean;
  privateChannels: boolean;
  excludeArchived: boolean;
  /** Resume after this channel id (cursor pagination). */
  after: string | null;
  limit: number;
}

/**
 * The workspace directory behind users.* and conversations.*: members (bot users too) and channels, each read in
 * id order so that a cursor can resume after the last one returned.
 */
export class DirectoryRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async members(teamId: string, after: string | null, limit: number): Promise<MemberRecord[]> {
    let query = this.#members().where('u.team_id', '=', teamId).orderBy('u.id').limit(limit);
    if (after !== null) query = query.where('u.id', '>', after);
    return (await query.execute()).map(toMember);
  }

  async member(teamId: string, userId: string): Promise<MemberRecord | null> {
    const row = await this.#members().where('u.team_id', '=', teamId).where('u.id', '=', userId).executeTakeFirst();
    return row ? toMember(row) : null;
  }

  /** Emails compare without regard to case, as Slack's do. */
  async memberByEmail(teamId: string, email: string): Promise<MemberRecord | null> {
    const row = await this.#members()
      .where('u.team_id', '=', teamId)
      .where((eb) => eb(eb.fn('lower', ['u.email']), '=', email.toLowerCase()))
      .executeTakeFirst();
    return row ? toMember(row) : null;
  }

  async channels(teamId: string, q: ChannelQuery): Promise<ChannelRecord[]> {
    let query = this.#channels(q.memberId).where('c.team_id', '=', teamId).orderBy('c.id').limit(q.limit);
    if (!q.publicChannels) query = query.where('c.is_private', '=', 1);
    if (!q.privateChannels) query = query.where('c.is_private', '=', 0);
    if (q.excludeArchived) query = query.where('c.is_archived', '=', 0);
    if (q.after !== null) query = query.where('c.id', '>', q.after);
    query = query.where((eb) => eb.or([eb('c.is_private', '=', 0), eb.exists(isMemberOf(eb, q.memberId))]));
    return (await query.execute()).map(toChannel);
  }

  /** One channel of the workspace, by id or (for chat.postMessage) by name, whether or not `memberId` may see it. */
  async channel(teamId: string, idOrName: { id: string } | { name: string }, memberId: string | null): Promise<ChannelRecord | null> {
    let query = this.#channels(memberId).where('c.team_id', '=', teamId);
    query = 'id' in idOrName ? query.where('c.id', '=', idOrName.id) : query.where('c.name', '=', idOrName.name);
    const row = await query.executeTakeFirst();
    return row ? toChannel(row) : null;
  }

  /** Adds a member to a channel; joining a channel twice changes nothing. */
  async join(channelId: string, userId: string, now: number): Promise<void> {
    await this.#db
      .insertInto('channel_members')
      .values({ channel_id: channelId, user_id: userId, joined_at: now })
      .onConflict((oc) => oc.columns(['channel_id', 'user_id']).doNothing())
      .execute();
  }

  #members() {
    return this.#db
      .selectFrom('users as u')
      .leftJoin('bots as b', 'b.user_id', 'u.id')
      .select(['u.id', 'u.team_id', 'u.name', 'u.real_name', 'u.email', 'u.role', 'u.is_bot', 'u.updated_at', 'b.id as bot_id', 'b.app_id', 'b.deleted_at as bot_deleted_at']);
  }

  #channels(memberId: string | null) {
    return this.#db
      .selectFrom('channels as c')
      .select(['c.id', 'c.team_id', 'c.name', 'c.is_private', 'c.is_archived', 'c.creator_id', 'c.created_at'])
      .select((eb) => [
        eb.exists(isMemberOf(eb, memberId)).as('is_member'),
        eb.selectFrom('channel_members as n').select((n) => n.fn.countAll<number>().as('n')).whereRef('n.channel_id', '=', 'c.id').as('num_members'),
      ]);
  }
}

// The member's own row in channel_members, for the channel of the outer query; no member, no row.
function isMemberOf(eb: ExpressionBuilder<Database & { c: ChannelTable }, 'c'>, memberId: string | null) {
  return eb
    .selectFrom('channel_members as m')
    .select('m.user_id')
    .whereRef('m.channel_id', '=', 'c.id')
    .where('m.user_id', '=', memberId ?? '');
}

function toMember(r: {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  email: string | null;
  role: MemberRole;
  is_bot: number;
  updated_at: number;
  bot_id: string | null;
  app_id: string | null;
  bot_deleted_at: number | null;
}): MemberRecord {
  return {
    id: r.id,
    team_id: r.team_id,
    name: r.name,
    real_name: r.real_name,
    email: r.email,
    role: r.role,
    is_bot: r.is_bot === 1,
    updated_at: Number(r.updated_at),
    bot_id: r.bot_id,
    app_id: r.app_id,
    bot_deleted: r.bot_deleted_at !== null,
  };
}

function toChannel(r: {
  id: string;
  team_id: string;
  name: string;
  is_private: number;
  is_archived: number;
  creator_id: string | null;
  created_at: number;
  is_member: unknown;
  num_members: unknown;
}): ChannelRecord {
  return {
    id: r.id,
    team_id: r.team_id,
    name: r.name,
    is_private: r.is_private === 1,
    is_archived: r.is_archived === 1,
    creator_id: r.creator_id,
    created_at: Number(r.created_at),
    // SQLite answers exists() with 0 or 1, PostgreSQL with a boolean.
    is_member: Boolean(Number(r.is_member)),
    num_members: Number(r.num_members ?? 0),
  };
}
