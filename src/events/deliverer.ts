import { eventCallback, nextAttemptAt, signatureV0 } from '../domain/events.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import type { PendingDelivery } from '../store/events.ts';
import type { SocketHub } from './sockets.ts';

const HTTP_TIMEOUT_MS = 3_000; // Slack's own limit for a Request URL to answer
const LEASE_MS = 30_000;

/**
 * Delivers the outbox (store/events.ts): over Socket Mode to apps that use it, else signed POSTs to the Request
 * URL, each app's events in order. A failed attempt is retried at once, then after a minute, then after five,
 * on Tessera's clock; then the event is given up and stays in the outbox as failed.
 */
export class EventDeliverer {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #sockets: SocketHub;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(store: Store, clock: Clock, logger: Logger, sockets: SocketHub) {
    this.#store = store;
    this.#clock = clock;
    this.#logger = logger;
    this.#sockets = sockets;
  }

  start(pollMs = 200): void {
    this.#timer = setInterval(() => void this.tick(), pollMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  /** One pass over what is due; passes never overlap. */
  tick(): Promise<void> {
    if (this.#running || this.#stopped) return this.#running ?? Promise.resolve();
    this.#running = this.#pass()
      .catch((error: Error) => this.#logger.warn({ err: { message: error.message } }, 'event delivery pass failed'))
      .finally(() => (this.#running = null));
    return this.#running;
  }

  async #pass(): Promise<void> {
    // Socket Mode apps' events wait for a process that holds one of their sockets.
    const due = await this.#store.events.claimDue(this.#clock.now(), Date.now(), LEASE_MS, 10, (appId, socketMode) => !socketMode || this.#sockets.connected(appId));
    await Promise.all(due.map((d) => this.#deliver(d)));
  }

  async #deliver(d: PendingDelivery): Promise<void> {
    const app = await this.#store.apps.byId(d.appId);
    const verificationToken = app ? await this.#store.apps.verificationToken(app.id) : null;
    if (!app || verificationToken === null) return this.#store.events.failed(d.eventId, 'app_deleted', null);
    const body = eventCallback(d.body, verificationToken);
    const retry = { attempt: d.attempts, reason: d.attempts === 0 ? '' : (d.lastReason ?? 'unknown_error') };
    if (app.socket_mode) {
      // Socket Mode apps get events only on a socket; another process may hold it, so leave the event to it.
      if (!this.#sockets.connected(app.id)) return this.#store.events.release(d.eventId);
      const acked = await this.#sockets.deliver(app.id, body, retry);
      return acked ? this.#store.events.delivered(d.eventId, this.#clock.now(), 'socket') : this.#fail(d, 'no_ack');
    }
    if (!app.request_url) return this.#store.events.failed(d.eventId, 'no_request_url', null);
    const signingSecret = (await this.#store.apps.signingSecret(app.id))!;
    const text = JSON.stringify(body);
    // The signature's timestamp is real time: the app checks it against its own clock, which no test moves.
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signatureV0(signingSecret, timestamp, text),
    };
    if (d.attempts > 0) {
      headers['x-slack-retry-num'] = String(d.attempts);
      headers['x-slack-retry-reason'] = d.lastReason ?? 'http_error';
    }
    let reason: string;
    try {
      const response = await fetch(app.request_url, { method: 'POST', headers, body: text, redirect: 'manual', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return this.#store.events.delivered(d.eventId, this.#clock.now(), 'http');
      reason = response.status >= 300 && response.status < 400 ? 'too_many_redirects' : 'http_error';
    } catch (error) {
      reason = (error as Error).name === 'TimeoutError' ? 'http_timeout' : 'connection_failed';
    }
    return this.#fail(d, reason);
  }

  async #fail(d: PendingDelivery, reason: string): Promise<void> {
    const now = this.#clock.now();
    const next = nextAttemptAt(now, d.attempts + 1);
    this.#logger.info({ event: 'event_delivery_failed', app: d.appId, event_id: d.eventId, attempt: d.attempts + 1, reason, retry: next !== null }, 'event delivery failed');
    await this.#store.events.failed(d.eventId, reason, next);
  }
}
