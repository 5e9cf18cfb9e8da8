import type { Kysely } from 'kysely';
import { digestsEqual } from '../crypto/passwords.ts';
import { tokenDigest } from '../domain/token-strings.ts';
import type { Database } from './schema.ts';

export interface WebhookTarget {
  id: string;
  appId: string;
  teamId: string;
  channelId: string;
  botId: string | null;
  botUserId: string | null;
}

export interface NewMessage {
  channelId: string;
  teamId: string;
  userId: string | null;
  botId: string | null;
  appId: string | null;
  text: string;
  blocks: unknown;
  attachments?: unknown;
  /** A reply: its thread's parent. */
  threadTs?: string | null;
  replyBroadcast?: boolean;
  now: number;
}

/** A message as conversations.history and chat.postMessage show it, with its author's bot and thread. */
export interface MessageRecord {
  channel_id: string;
  ts: string;
  team_id: string;
  user_id: string | null;
  bot_id: string | null;
  app_id: string | null;
  /** The posting app's name, for `bot_profile`. */
  app_name: string | null;
  bot_deleted: boolean;
  text: string;
  blocks: string | null;
  attachments: string | null;
  thread_ts: string | null;
  reply_broadcast: boolean;
  reply_count: number;
  latest_reply: string | null;
}

export interface HistoryQuery {
  /** Bounds, as fixed-width ts strings; `inclusive` takes messages at either bound too. */
  latest: string;
  oldest: string;
  inclusive: boolean;
  /** Resume with messages older than this ts (cursor pagination), whatever `inclusive` says. */
  before: string | null;
  limit: number;
}

/** Messages in channels, and the incoming webhooks that post them. */
export class MessageRepository {
  readonly #db: Kysely<Database>;
  #sequence = 0;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** A live webhook whose secret matches; the secret is compared as a digest, in constant time. */
  async webhook(id: string, secret: string): Promise<WebhookTarget | null> {
    const row = await this.#db
      .selectFrom('incoming_webhooks as w')
      .innerJoin('installations as i', 'i.id', 'w.installation_id')
      .innerJoin('channels as c', 'c.id', 'w.channel_id')
      .leftJoin('bots as b', (join) => join.onRef('b.app_id', '=', 'w.app_id').onRef('b.team_id', '=', 'w.team_id').on('b.deleted_at', 'is', null))
      .select(['w.id', 'w.secret_digest', 'w.app_id', 'w.team_id', 'w.channel_id', 'b.id as bot_id', 'b.user_id as bot_user_id'])
      .where('w.id', '=', id)
      .where('w.removed_at', 'is', null)
      .where('i.uninstalled_at', 'is', null)
      .where('c.is_archived', '=', 0)
      .executeTakeFirst();
    if (!row || !digestsEqual(row.secret_digest, tokenDigest(secret))) return null;
    return { id: row.id, appId: row.app_id, teamId: row.team_id, channelId: row.channel_id, botId: row.bot_id, botUserId: row.bot_user_id };
  }

  async removeWebhooksOf(installationId: string, now: number): Promise<void> {
    await this.#db.updateTable('incoming_webhooks').set({ removed_at: now }).where('installation_id', '=', installationId).where('removed_at', 'is', null).execute();
  }

  /** Posts a message; `ts` is Slack's "seconds.micros", unique in its channel. */
  async post(m: NewMessage): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      this.#sequence = (this.#sequence + 1) % 1000;
      const micros = (m.now % 1000) * 1000 + this.#sequence;
      const ts = `${Math.floor(m.now / 1000)}.${String(micros).padStart(6, '0')}`;
      const inserted = await this.#db
        .insertInto('messages')
        .values({
          channel_id: m.channelId,
          ts,
          team_id: m.teamId,
          user_id: m.userId,
          bot_id: m.botId,
          app_id: m.appId,
          text: m.text,
          blocks: m.blocks === undefined ? null : JSON.stringify(m.blocks),
          attachments: m.attachments === undefined ? null : JSON.stringify(m.attachments),
          thread_ts: m.threadTs ?? null,
          reply_broadcast: m.replyBroadcast ? 1 : 0,
          created_at: m.now,
        })
        .onConflict((oc) => oc.columns(['channel_id', 'ts']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 1n) === 1 || attempt > 1000) return ts;
    }
  }

  /**
   * A channel's history, newest first: top-level messages and broadcast replies; other replies live in their
   * thread. Parents carry their reply count and latest reply.
   */
  async channelHistory(channelId: string, q: HistoryQuery): Promise<MessageRecord[]> {
    let query = this.#db
      .selectFrom('messages as m')
      .leftJoin('bots as b', 'b.id', 'm.bot_id')
      .leftJoin('apps as a', 'a.id', 'm.app_id')
      .select(['m.channel_id', 'm.ts', 'm.team_id', 'm.user_id', 'm.bot_id', 'm.app_id', 'a.name as app_name', 'b.deleted_at as bot_deleted_at', 'm.text', 'm.blocks', 'm.attachments', 'm.thread_ts', 'm.reply_broadcast'])
      .select((eb) => [
        eb.selectFrom('messages as r').select((r) => r.fn.countAll<number>().as('n')).whereRef('r.channel_id', '=', 'm.channel_id').whereRef('r.thread_ts', '=', 'm.ts').as('reply_count'),
        eb.selectFrom('messages as r').select((r) => r.fn.max('r.ts').as('t')).whereRef('r.channel_id', '=', 'm.channel_id').whereRef('r.thread_ts', '=', 'm.ts').as('latest_reply'),
      ])
      .where('m.channel_id', '=', channelId)
      .where((eb) => eb.or([eb('m.thread_ts', 'is', null), eb('m.reply_broadcast', '=', 1)]))
      .where('m.ts', q.inclusive ? '<=' : '<', q.latest)
      .where('m.ts', q.inclusive ? '>=' : '>', q.oldest)
      .orderBy('m.ts', 'desc')
      .limit(q.limit);
    if (q.before !== null) query = query.where('m.ts', '<', q.before);
    const rows = await query.execute();
    return rows.map((r) => ({
      channel_id: r.channel_id,
      ts: r.ts,
      team_id: r.team_id,
      user_id: r.user_id,
      bot_id: r.bot_id,
      app_id: r.app_id,
      app_name: r.app_name,
      bot_deleted: r.bot_deleted_at !== null,
      text: r.text,
      blocks: r.blocks,
      attachments: r.attachments,
      thread_ts: r.thread_ts,
      reply_broadcast: r.reply_broadcast === 1,
      reply_count: Number(r.reply_count ?? 0),
      latest_reply: r.latest_reply ?? null,
    }));
  }

  async history(channelId: string, limit: number): Promise<Array<{ ts: string; text: string; user_id: string | null; bot_id: string | null }>> {
    return this.#db.selectFrom('messages').select(['ts', 'text', 'user_id', 'bot_id']).where('channel_id', '=', channelId).orderBy('ts', 'desc').limit(limit).execute();
  }
}
