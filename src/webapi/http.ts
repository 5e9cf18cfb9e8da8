import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiAnswer, ApiRequest, WebApi } from './dispatch.ts';

export interface ApiHttpOptions {
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** Whether to take the client address from X-Forwarded-For: false, true (left-most) or a hop count. */
  trustProxy: boolean | number;
  onAnswer?: (answer: ApiAnswer, durationMs: number) => void;
}

/**
 * The HTTP adapter of the Web API: a plain node:http handler, the hot path of every token check. It reads the
 * body within limits, hands bytes and header values to the dispatcher and writes its answer; it decides nothing.
 */
export function createApiHandler(api: WebApi, options: ApiHttpOptions) {
  /**
   * A body cut short (the client half-closed) or still missing when Node's request timeout fires reaches us as a
   * client error on the socket; while an API body is being read, the answer is still Slack's `request_timeout`.
   */
  function handleClientError(error: NodeJS.ErrnoException, socket: Duplex): boolean {
    if ((socket as MarkedSocket)[READING_API_BODY] !== true || !socket.writable) return false;
    if (error.code !== 'HPE_INVALID_EOF_STATE' && error.code !== 'ERR_HTTP_REQUEST_TIMEOUT') return false;
    const body = '{"ok":false,"error":"request_timeout"}';
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${body.length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`);
    return true;
  }

  function handleApi(req: IncomingMessage, res: ServerResponse): void {
    const started = options.onAnswer === undefined ? 0 : performance.now();
    const url = req.url!;
    const q = url.indexOf('?');
    const headers = req.headers;
    const request: ApiRequest = {
      httpMethod: req.method!,
      methodName: q === -1 ? url.slice(5) : url.slice(5, q), // after "/api/"
      query: q === -1 ? '' : url.slice(q + 1),
      contentType: headers['content-type'],
      authorization: headers['authorization'],
      remoteAddress: clientAddress(req, options.trustProxy),
      body: undefined,
    };
    const respond = (answer: ApiAnswer, close: boolean): void => {
      if (options.onAnswer !== undefined) options.onAnswer(answer, performance.now() - started);
      writeAnswer(res, answer, close);
    };
    const dispatch = (): void => {
      api.handle(request).then(
        (answer) => respond(answer, false),
        () => respond(failure('internal_error', request.methodName), false),
      );
    };

    if (request.httpMethod === 'GET' || request.httpMethod === 'HEAD') {
      req.resume(); // a body on GET is ignored, as Slack does
      dispatch();
      return;
    }
    const declared = headers['content-length'];
    if (declared !== undefined && Number(declared) > options.bodyLimit) {
      req.resume();
      respond(failure('request_too_large', request.methodName), true);
      return;
    }
    const socket = req.socket as MarkedSocket;
    socket[READING_API_BODY] = true;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let finished = false;
    const finish = (error: string | null): void => {
      if (finished) return;
      finished = true;
      socket[READING_API_BODY] = false;
      if (error !== null) {
        req.removeAllListeners('data');
        req.resume();
        respond(failure(error, request.methodName), true);
        return;
      }
      if (chunks !== undefined) request.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      dispatch();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.bodyLimit) finish('request_too_large');
      else if (!finished) (chunks ??= []).push(chunk);
    });
    req.on('end', () => finish(null));
    req.on('error', () => finish('request_timeout'));
  }

  return { handleApi, handleClientError };
}

const READING_API_BODY = Symbol('tessera.readingApiBody');
type MarkedSocket = Duplex & { [READING_API_BODY]?: boolean };

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
  const headers: Array<string | number> = [
    'content-type', 'application/json; charset=utf-8',
    'content-length', Buffer.byteLength(body),
    'cache-control', 'no-store',
    'x-content-type-options', 'nosniff',
  ];
  if (answer.scopes !== undefined) headers.push('x-oauth-scopes', answer.scopes.join(','));
  if (answer.acceptedScopes !== undefined) headers.push('x-accepted-oauth-scopes', answer.acceptedScopes.join(','));
  if (answer.retryAfterSeconds !== undefined) headers.push('retry-after', answer.retryAfterSeconds);
  if (close) headers.push('connection', 'close');
  res.writeHead(answer.status, headers as unknown as string[]);
  res.end(res.req.method === 'HEAD' ? undefined : body);
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
