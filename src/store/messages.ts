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
  now: number;
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
        .values({ channel_id: m.channelId, ts, team_id: m.teamId, user_id: m.userId, bot_id: m.botId, app_id: m.appId, text: m.text, blocks: m.blocks === undefined ? null : JSON.stringify(m.blocks), created_at: m.now })
        .onConflict((oc) => oc.columns(['channel_id', 'ts']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 1n) === 1 || attempt > 1000) return ts;
    }
  }

  async history(channelId: string, limit: number): Promise<Array<{ ts: string; text: string; user_id: string | null; bot_id: string | null }>> {
    return this.#db.selectFrom('messages').select(['ts', 'text', 'user_id', 'bot_id']).where('channel_id', '=', channelId).orderBy('ts', 'desc').limit(limit).execute();
  }
}
