import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { SecretBox } from '../crypto/sealed.ts';
import { randomBase62 } from '../domain/base62.ts';
import { encodeEventContext } from '../domain/event-context.ts';
import type { EventAuthorizationShape, InnerEvent, StoredEvent } from '../domain/events.ts';
import type { Database } from './schema.ts';

export interface PendingDelivery {
  eventId: string;
  appId: string;
  teamId: string;
  body: StoredEvent;
  attempts: number;
  /** Why the previous attempt failed: the X-Slack-Retry-Reason of the next. */
  lastReason: string | null;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The event outbox. Changes that Slack reports to apps (tokens revoked, an app uninstalled) record their events
 * here inside their own transaction; the delivery worker (src/events/) claims and sends them.
 */
export class EventOutbox {
  readonly #db: Kysely<Database>;
  readonly #box: SecretBox;
  #sequence = 0;

  constructor(db: Kysely<Database>, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  /**
   * `tokens_revoked` for each app and workspace whose access tokens are among `digests`, and `app_uninstalled`
   * for each installation that ended. Call inside the transaction that revoked them.
   */
  async recordRevocations(trx: Db, digests: readonly string[], now: number, uninstalledInstallationIds: readonly string[] = []): Promise<number> {
    let recorded = 0;
    const groups = new Map<string, { appId: string; teamId: string; enterpriseId: string | null; oauth: Set<string>; bot: Set<string>; authorizations: EventAuthorizationShape[] }>();
    for (let i = 0; i < digests.length; i += 500) {
      const rows = await trx
        .selectFrom('tokens as t')
        .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
        .leftJoin('bots as b', 'b.id', 'a.bot_id')
        .select(['t.kind', 'a.app_id', 'a.team_id', 'a.enterprise_id', 'a.user_id', 'b.user_id as bot_user_id'])
        .where('t.digest', 'in', digests.slice(i, i + 500))
        .where('t.kind', 'in', ['bot', 'classic_bot', 'user'])
        .where('a.app_id', 'is not', null)
        .where('a.team_id', 'is not', null)
        .execute();
      for (const r of rows) {
        const key = `${r.app_id}:${r.team_id}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { appId: r.app_id!, teamId: r.team_id!, enterpriseId: r.enterprise_id, oauth: new Set(), bot: new Set(), authorizations: [] }));
        const who = r.kind === 'user' ? r.user_id : r.bot_user_id;
        if (!who) continue;
        const set = r.kind === 'user' ? g.oauth : g.bot;
        if (!set.has(who)) g.authorizations.push({ enterprise_id: r.enterprise_id, team_id: r.team_id!, user_id: who, is_bot: r.kind !== 'user', is_enterprise_install: false });
        set.add(who);
      }
    }
    for (const g of groups.values()) {
      await this.#record(trx, g.appId, g.teamId, g.enterpriseId, { type: 'tokens_revoked', tokens: { oauth: [...g.oauth], bot: [...g.bot] } }, g.authorizations.slice(0, 1), now);
      recorded++;
    }
    for (const installationId of uninstalledInstallationIds) {
      const i = await trx.selectFrom('installations').select(['app_id', 'team_id', 'enterprise_id', 'bot_id']).where('id', '=', installationId).executeTakeFirst();
      if (!i || !i.team_id) continue;
      const bot = i.bot_id ? await trx.selectFrom('bots').select('user_id').where('id', '=', i.bot_id).executeTakeFirst() : undefined;
      const authorizations = bot ? [{ enterprise_id: i.enterprise_id, team_id: i.team_id, user_id: bot.user_id, is_bot: true, is_enterprise_install: false }] : [];
      await this.#record(trx, i.app_id, i.team_id, i.enterprise_id, { type: 'app_uninstalled' }, authorizations, now);
      recorded++;
    }
    return recorded;
  }

  async #record(trx: Db, appId: string, teamId: string, enterpriseId: string | null, event: InnerEvent, authorizations: EventAuthorizationShape[], now: number): Promise<void> {
    const eventId = `Ev${randomBase62(10, randomBytes).toUpperCase()}`;
    this.#sequence = (this.#sequence + 1) % 1000;
    const body: StoredEvent = {
      team_id: teamId,
      ...(enterpriseId ? { enterprise_id: enterpriseId } : {}),
      api_app_id: appId,
      event: { ...event, event_ts: `${Math.floor(now / 1000)}.${String((now % 1000) * 1000 + this.#sequence).padStart(6, '0')}` },
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(now / 1000),
      authorizations,
      is_ext_shared_channel: false,
      event_context: encodeEventContext({ appId, teamId, enterpriseId, eventId }, (payload) => this.#box.mac('event_context', payload)),
    };
    await trx
      .insertInto('event_deliveries')
      .values({ event_id: eventId, app_id: appId, team_id: teamId, type: event.type, body: JSON.stringify(body), created_at: now, sequence: now * 1000 + this.#sequence, status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, last_error: null, delivered_at: null, delivered_via: null })
      .execute();
  }

  /**
   * Claims due deliveries: for each app only its oldest pending event (deliveries are ordered per app), and only
   * rows no other worker holds. The lease is in real time and bounds how long a crashed worker's claim lasts.
   */
  async claimDue(now: number, realNow: number, leaseMs: number, limit: number, appFilter?: (appId: string, socketMode: boolean) => boolean): Promise<PendingDelivery[]> {
    const heads = await this.#db
      .selectFrom('event_deliveries as e')
      .innerJoin('apps as a', 'a.id', 'e.app_id')
      .select(['a.socket_mode', 'e.event_id', 'e.app_id', 'e.team_id', 'e.body', 'e.attempts', 'e.next_attempt_at', 'e.lease_until', 'e.last_error'])
      .where('e.status', '=', 'pending')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('event_deliveries as older')
              .select('older.event_id')
              .where('older.status', '=', 'pending')
              .whereRef('older.app_id', '=', 'e.app_id')
              .whereRef('older.sequence', '<', 'e.sequence'),
          ),
        ),
      )
      .orderBy('e.sequence')
      .limit(limit * 4)
      .execute();
    const claimed: PendingDelivery[] = [];
    for (const h of heads) {
      if (claimed.length >= limit) break;
      if (Number(h.next_attempt_at) > now) continue;
      if (h.lease_until !== null && Number(h.lease_until) > realNow) continue;
      if (appFilter && !appFilter(h.app_id, h.socket_mode === 1)) continue;
      const won = await this.#db
        .updateTable('event_deliveries')
        .set({ lease_until: realNow + leaseMs })
        .where('event_id', '=', h.event_id)
        .where('status', '=', 'pending')
        .where((eb) => (h.lease_until === null ? eb('lease_until', 'is', null) : eb('lease_until', '=', h.lease_until)))
        .executeTakeFirst();
      if (Number(won.numUpdatedRows) === 1) claimed.push({ eventId: h.event_id, appId: h.app_id, teamId: h.team_id, body: JSON.parse(h.body) as StoredEvent, attempts: Number(h.attempts), lastReason: h.last_error });
    }
    return claimed;
  }

  async delivered(eventId: string, now: number, via: 'http' | 'socket'): Promise<void> {
    await this.#db.updateTable('event_deliveries').set({ status: 'delivered', delivered_at: now, delivered_via: via, lease_until: null, attempts: (eb) => eb('attempts', '+', 1) }).where('event_id', '=', eventId).execute();
  }

  /** A failed attempt: due again at `nextAt`, or given up when that is null. */
  async failed(eventId: string, error: string, nextAt: number | null): Promise<void> {
    await this.#db
      .updateTable('event_deliveries')
      .set({ status: nextAt === null ? 'failed' : 'pending', next_attempt_at: nextAt ?? 0, last_error: error.slice(0, 200), lease_until: null, attempts: (eb) => eb('attempts', '+', 1) })
      .where('event_id', '=', eventId)
      .execute();
  }

  /** Gives a claim back untried (no socket for it here, say), due again at once. */
  async release(eventId: string): Promise<void> {
    await this.#db.updateTable('event_deliveries').set({ lease_until: null }).where('event_id', '=', eventId).execute();
  }

  async list(appId: string): Promise<Array<{ eventId: string; type: string; status: string; attempts: number; lastError: string | null; deliveredVia: string | null }>> {
    const rows = await this.#db.selectFrom('event_deliveries').select(['event_id', 'type', 'status', 'attempts', 'last_error', 'delivered_via']).where('app_id', '=', appId).orderBy('sequence').execute();
    return rows.map((r) => ({ eventId: r.event_id, type: r.type, status: r.status, attempts: Number(r.attempts), lastError: r.last_error, deliveredVia: r.delivered_via }));
  }
}
