import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { tokenDigest } from '../domain/token-strings.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';

export const MAX_SOCKETS_PER_APP = 10;
const PING_EVERY_MS = 10_000;
const ACK_TIMEOUT_MS = 10_000;

interface AppSocket {
  ws: WebSocket;
  appId: string;
  tokenDigest: string;
  waiting: Map<string, (acked: boolean) => void>;
}

/**
 * Socket Mode (slack-compat.md §10): the WebSocket end of the URLs apps.connections.open hands out. A ticket
 * opens one socket; the socket gets `hello`, then events as envelopes it must acknowledge by `envelope_id`; before
 * Tessera closes a socket it says why with a `disconnect` message.
 */
export class SocketHub {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  readonly #sockets = new Map<string, AppSocket[]>();
  #next = 0;
  #pinger: NodeJS.Timeout;

  constructor(store: Store, clock: Clock, logger: Logger) {
    this.#store = store;
    this.#clock = clock;
    this.#logger = logger;
    this.#pinger = setInterval(() => {
      for (const list of this.#sockets.values()) for (const s of list) s.ws.ping();
    }, PING_EVERY_MS);
    this.#pinger.unref();
  }

  /** Handles an HTTP upgrade on /link/; anything else, or a bad ticket, is refused before the handshake. */
  async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    const url = new URL(request.url ?? '/', 'http://tessera');
    if (url.pathname !== '/link/' && url.pathname !== '/link') return refuse('404 Not Found');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(ticket)) return refuse('401 Unauthorized');
    let redeemed: { appId: string; tokenDigest: string } | null;
    try {
      redeemed = await this.#store.appLevel.redeemTicket(tokenDigest(ticket), this.#clock.now());
    } catch (error) {
      this.#logger.error({ err: { message: (error as Error).message } }, 'socket ticket check failed');
      return refuse('503 Service Unavailable');
    }
    if (redeemed === null) return refuse('401 Unauthorized');
    const { appId, tokenDigest: fromToken } = redeemed;
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#open(ws, appId, fromToken));
  }

  #open(ws: WebSocket, appId: string, fromToken: string): void {
    const list = this.#sockets.get(appId) ?? [];
    if (list.length >= MAX_SOCKETS_PER_APP) {
      ws.send(JSON.stringify({ type: 'disconnect', reason: 'too_many_websockets', debug_info: { host: 'tessera' } }));
      ws.close(1008, 'too many websockets');
      return;
    }
    const entry: AppSocket = { ws, appId, tokenDigest: fromToken, waiting: new Map() };
    list.push(entry);
    this.#sockets.set(appId, list);
    ws.on('message', (data) => this.#received(entry, data.toString()));
    ws.on('close', () => this.#closed(entry));
    ws.on('error', () => ws.terminate());
    ws.send(JSON.stringify({ type: 'hello', num_connections: list.length, debug_info: { host: 'tessera', approximate_connection_time: 18060 }, connection_info: { app_id: appId } }));
    this.#logger.info({ event: 'socket_opened', app: appId, sockets: list.length }, 'socket mode connection opened');
  }

  #received(entry: AppSocket, text: string): void {
    let message: { envelope_id?: unknown };
    try {
      message = JSON.parse(text) as { envelope_id?: unknown };
    } catch {
      return; // Slack ignores what it cannot read; so do we
    }
    if (typeof message.envelope_id === 'string') {
      entry.waiting.get(message.envelope_id)?.(true);
      entry.waiting.delete(message.envelope_id);
    }
  }

  #closed(entry: AppSocket): void {
    for (const settle of entry.waiting.values()) settle(false);
    entry.waiting.clear();
    const list = (this.#sockets.get(entry.appId) ?? []).filter((s) => s !== entry);
    if (list.length > 0) this.#sockets.set(entry.appId, list);
    else this.#sockets.delete(entry.appId);
  }

  connected(appId: string): boolean {
    return (this.#sockets.get(appId)?.length ?? 0) > 0;
  }

  /** Sends an events_api envelope on one of the app's sockets and waits for its acknowledgement. */
  deliver(appId: string, payload: unknown, retry: { attempt: number; reason: string }): Promise<boolean> {
    const list = this.#sockets.get(appId);
    if (!list || list.length === 0) return Promise.resolve(false);
    const entry = list[this.#next++ % list.length]!;
    const envelopeId = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        entry.waiting.delete(envelopeId);
        resolve(false);
      }, ACK_TIMEOUT_MS);
      entry.waiting.set(envelopeId, (acked) => {
        clearTimeout(timer);
        resolve(acked);
      });
      entry.ws.send(JSON.stringify({ envelope_id: envelopeId, payload, type: 'events_api', accepts_response_payload: false, retry_attempt: retry.attempt, retry_reason: retry.reason }));
    });
  }

  /** Ends the sockets opened with tokens that are no longer live (an app-level token revoked, say). */
  disconnectToken(digests: ReadonlySet<string>): void {
    for (const list of this.#sockets.values()) {
      for (const s of list) if (digests.has(s.tokenDigest)) this.#disconnect(s, 'link_disabled');
    }
  }

  #disconnect(s: AppSocket, reason: string): void {
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'tessera' } }));
    s.ws.close(1000, reason);
  }

  /** Says goodbye to every socket (a restart, say: clients reconnect elsewhere). */
  async close(): Promise<void> {
    clearInterval(this.#pinger);
    for (const list of this.#sockets.values()) for (const s of list) this.#disconnect(s, 'refresh_requested');
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
