import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiAnswer, WebApi } from './dispatch.ts';

export interface ApiHttpOptions {
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** How long a body may take to arrive before the answer is `request_timeout`. */
  bodyTimeoutMs: number;
  /** Whether to take the client address from X-Forwarded-For: false, true (left-most) or a hop count. */
  trustProxy: boolean | number;
  onAnswer?: (answer: ApiAnswer, durationMs: number) => void;
}

/**
 * The HTTP adapter of the Web API: a plain node:http handler, the hot path of every token check. It reads the
 * body within limits, hands bytes and header values to the dispatcher and writes its answer; it decides nothing.
 */
export function createApiHandler(api: WebApi, options: ApiHttpOptions) {
  // Sockets whose API request body is still arriving: if the client cuts it short, the HTTP parser reports a
  // client error on the socket, and the answer must still be Slack's `request_timeout`.
  const readingBody = new WeakSet<object>();

  function handleClientError(error: NodeJS.ErrnoException, socket: Duplex): boolean {
    if (!readingBody.has(socket) || error.code !== 'HPE_INVALID_EOF_STATE' || !socket.writable) return false;
    const body = '{"ok":false,"error":"request_timeout"}';
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${body.length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`);
    return true;
  }

  function handleApi(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const base = {
      httpMethod: req.method ?? 'GET',
      methodName: path.slice(5), // after "/api/"
      query: q === -1 ? '' : url.slice(q + 1),
      contentType: req.headers['content-type'],
      authorization: req.headers['authorization'],
      remoteAddress: clientAddress(req, options.trustProxy),
    };
    const respond = (answer: ApiAnswer, close = false): void => {
      options.onAnswer?.(answer, performance.now() - started);
      writeAnswer(res, answer, close);
    };
    const dispatch = (body: Buffer | undefined): void => {
      api.handle({ ...base, body }).then(respond, () => respond(failure('internal_error', base.methodName)));
    };

    if (base.httpMethod === 'GET' || base.httpMethod === 'HEAD') {
      req.resume(); // a body on GET is ignored, as Slack does
      if (req.complete) dispatch(undefined);
      else req.once('end', () => dispatch(undefined));
      return;
    }
    readingBody.add(req.socket);
    readBody(req, options, (error, body) => {
      readingBody.delete(req.socket);
      if (error) respond(failure(error, base.methodName), true);
      else dispatch(body);
    });
  }

  return { handleApi, handleClientError };
}

function readBody(req: IncomingMessage, options: ApiHttpOptions, done: (error: string | null, body?: Buffer) => void): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > options.bodyLimit) {
    req.resume();
    done('request_too_large');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (error: string | null, body?: Buffer): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    req.removeListener('data', onData);
    done(error, body);
  };
  const timer = setTimeout(() => {
    finish('request_timeout');
    req.resume();
  }, options.bodyTimeoutMs);
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > options.bodyLimit) {
      finish('request_too_large');
      req.resume();
      return;
    }
    chunks.push(chunk);
  };
  req.on('data', onData);
  req.once('end', () => finish(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  // A body cut short (the client gave up or half-closed) is Slack's `request_timeout`.
  req.once('aborted', () => finish('request_timeout'));
  req.once('error', () => finish('request_timeout'));
}

function failure(code: string, method: string): ApiAnswer {
  return {
    status: 200,
    body: { ok: false, error: code },
    scopes: undefined,
    acceptedScopes: undefined,
    retryAfterSeconds: undefined,
    outcome: { method, tokenKind: null, error: code },
  };
}

function writeAnswer(res: ServerResponse, answer: ApiAnswer, close: boolean): void {
  if (res.writableEnded || res.destroyed) return;
  const body = JSON.stringify(answer.body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (answer.scopes !== undefined) headers['x-oauth-scopes'] = answer.scopes.join(',');
  if (answer.acceptedScopes !== undefined) headers['x-accepted-oauth-scopes'] = answer.acceptedScopes.join(',');
  if (answer.retryAfterSeconds !== undefined) headers['retry-after'] = answer.retryAfterSeconds;
  if (close) headers['connection'] = 'close';
  res.writeHead(answer.status, headers);
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

export function clientAddress(req: IncomingMessage, trustProxy: boolean | number): string {
  const direct = req.socket.remoteAddress ?? '';
  if (trustProxy === false) return direct;
  const header = req.headers['x-forwarded-for'];
  if (typeof header !== 'string' || header.length === 0) return direct;
  const hops = header.split(',').map((h) => h.trim()).filter(Boolean);
  if (hops.length === 0) return direct;
  if (trustProxy === true) return hops[0]!;
  // Trust only the last `trustProxy` proxies: the client is the address just before them.
  return hops[Math.max(0, hops.length - trustProxy)] ?? direct;
}
