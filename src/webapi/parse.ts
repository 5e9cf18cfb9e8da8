import { SlackError } from '../domain/errors.ts';

/**
 * Request parsing for the Web API (slack-compat.md §2): query string and body into one set of arguments, with
 * Slack's request errors and warnings. Pure: it sees bytes and header values, not sockets.
 */
export interface RawApiRequest {
  httpMethod: string;
  query: string; // the part of the URL after '?', undecoded
  contentType: string | undefined;
  body: Buffer | undefined; // undefined or empty when there was none
  authorization: string | undefined;
}

export type ArgValue = string | number | boolean | object;

export interface ParsedApiRequest {
  args: Record<string, ArgValue>;
  warnings: string[];
  /** The bearer token, from the header or a `token` argument; undefined when none was sent. */
  token: string | undefined;
  /** Whether a token travelled in the URL, which apps created after 2021-02-24 may not do. */
  tokenInQuery: boolean;
  /** Whether the token came in the Authorization header (app-level methods take it nowhere else). */
  tokenFromHeader: boolean;
  /** The Authorization header when it is not a bearer token (HTTP Basic client credentials for oauth.*). */
  basicAuthorization: string | undefined;
}

export const MAX_ARG_NAME_LENGTH = 100;
export const MAX_ARGS = 500;
export const MAX_JSON_DEPTH = 64;

const POST_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json', 'text/plain']);
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

export function parseApiRequest(raw: RawApiRequest): ParsedApiRequest {
  const warnings: string[] = [];
  const args: Record<string, ArgValue> = Object.create(null);
  let tokenInQuery = false;
  if (raw.query.length > 0) {
    for (const [name, value] of parseForm(raw.query, 'utf-8', 'invalid_arguments')) {
      if (name === 'token') tokenInQuery = true;
      addArg(args, name, value);
    }
  }

  const hasBody = raw.body !== undefined && raw.body.length > 0;
  if (raw.httpMethod !== 'GET' && raw.httpMethod !== 'HEAD' && (hasBody || raw.contentType !== undefined)) {
    if (raw.contentType === undefined || raw.contentType.trim() === '') {
      throw new SlackError('missing_post_type');
    }
    const { type, charset, boundary } = raw.contentType === 'application/x-www-form-urlencoded' ? PLAIN_FORM : parseContentType(raw.contentType);
    if (!POST_TYPES.has(type)) throw new SlackError('invalid_post_type');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'iso-8859-1' && charset !== 'latin1') {
      throw new SlackError('invalid_charset');
    }
    const encoding = charset === 'iso-8859-1' || charset === 'latin1' ? 'latin1' : 'utf-8';
    if (FORM_TYPES.has(type) && charset !== undefined) warnings.push('superfluous_charset');
    if (!FORM_TYPES.has(type) && charset === undefined) warnings.push('missing_charset');

    if (hasBody) {
      const body = raw.body!;
      if (type === 'application/json') {
        for (const [name, value] of Object.entries(parseJsonObject(body, encoding))) {
          // A JSON body never carries the token (Slack requires the Authorization header with JSON).
          if (name === 'token') continue;
          if (value === null) continue; // an explicit null means "use the default"
          addArg(args, name, value as ArgValue, true);
        }
      } else {
        const entries = type === 'multipart/form-data' ? parseMultipart(body, boundary, encoding) : parseForm(decode(body, encoding, 'invalid_form_data'), encoding, 'invalid_form_data');
        for (const [name, value] of entries) {
          addArg(args, name, value);
        }
      }
    }
  }
  if (argCount(args) > MAX_ARGS) throw new SlackError('invalid_arguments');

  let token: string | undefined;
  let basicAuthorization: string | undefined;
  const header = raw.authorization;
  if (header !== undefined && header.startsWith('Bearer ')) token = header.slice(7).trim();
  else if (header !== undefined) basicAuthorization = header;
  const argToken = typeof args['token'] === 'string' ? (args['token'] as string) : undefined;
  delete args['token'];
  if (token !== undefined && argToken !== undefined && argToken !== token) throw new SlackError('invalid_auth');
  const tokenFromHeader = token !== undefined && token !== '';
  if (token === undefined || token === '') token = argToken === '' ? undefined : argToken;
  return { args, warnings, token, tokenInQuery: tokenInQuery && token !== undefined, tokenFromHeader, basicAuthorization };
}

// What Slack's SDKs send on every call, parsed once.
const PLAIN_FORM = { type: 'application/x-www-form-urlencoded', charset: undefined, boundary: undefined } as const;

function argCount(args: Record<string, ArgValue>): number {
  let n = 0;
  for (const _ in args) n++;
  return n;
}

function addArg(args: Record<string, ArgValue>, name: string, value: ArgValue, fromJson = false): void {
  if (!fromJson && /^[A-Za-z0-9_]*\[[^\]]*\]/.test(name)) throw new SlackError('invalid_array_arg');
  if (name.length === 0 || name.length > MAX_ARG_NAME_LENGTH || !/^[A-Za-z0-9_]+$/.test(name)) throw new SlackError('invalid_arg_name');
  if (name in args) throw new SlackError('invalid_array_arg');
  args[name] = value;
}

export function parseContentType(header: string): { type: string; charset: string | undefined; boundary: string | undefined } {
  const [typePart, ...params] = header.split(';');
  let charset: string | undefined;
  let boundary: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq === -1) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (key === 'charset') charset = value.toLowerCase();
    else if (key === 'boundary') boundary = value;
  }
  return { type: (typePart ?? '').trim().toLowerCase(), charset, boundary };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(body: Buffer, encoding: 'utf-8' | 'latin1', error: string): string {
  if (encoding === 'latin1') return body.toString('latin1');
  try {
    return utf8.decode(body);
  } catch {
    throw new SlackError(error);
  }
}

/** application/x-www-form-urlencoded (and query strings): `+` is a space, percent-escapes are bytes. */
export function parseForm(text: string, encoding: 'utf-8' | 'latin1', error: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (text.length === 0) return out;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const pair = text.slice(start, end);
      const eq = pair.indexOf('=');
      const name = formDecode(eq === -1 ? pair : pair.slice(0, eq), encoding, error);
      const value = eq === -1 ? '' : formDecode(pair.slice(eq + 1), encoding, error);
      out.push([name, value]);
      if (out.length > MAX_ARGS) throw new SlackError('invalid_arguments');
    }
    start = end + 1;
  }
  return out;
}

function formDecode(text: string, encoding: 'utf-8' | 'latin1', error: string): string {
  const plus = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!plus.includes('%')) return plus;
  if (encoding === 'latin1') {
    return plus.replace(/%([0-9A-Fa-f]{2})|%/g, (m, hex: string | undefined) => {
      if (hex === undefined) throw new SlackError(error);
      return String.fromCharCode(Number.parseInt(hex, 16));
    });
  }
  try {
    return decodeURIComponent(plus);
  } catch {
    throw new SlackError(error);
  }
}

function parseJsonObject(body: Buffer, encoding: 'utf-8' | 'latin1'): Record<string, unknown> {
  const text = decode(body, encoding, 'invalid_json');
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw new SlackError('invalid_json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SlackError('invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SlackError('json_not_object');
  return value as Record<string, unknown>;
}

/** Nesting depth, counted outside strings, without recursion: deep input costs one linear scan. */
function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** multipart/form-data (RFC 7578): each part's name, and its content as text. */
export function parseMultipart(body: Buffer, boundary: string | undefined, encoding: 'utf-8' | 'latin1'): Array<[string, string]> {
  if (!boundary || boundary.length > 200) throw new SlackError('invalid_form_data');
  const delimiter = Buffer.from(`--${boundary}`);
  const out: Array<[string, string]> = [];
  let position = body.indexOf(delimiter);
  if (position === -1) throw new SlackError('invalid_form_data');
  for (;;) {
    position += delimiter.length;
    if (body[position] === 45 && body[position + 1] === 45) return out; // "--": the closing delimiter
    if (body[position] === 13 && body[position + 1] === 10) position += 2;
    else throw new SlackError('invalid_form_data');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), position);
    if (next === -1) throw new SlackError('invalid_form_data');
    const part = body.subarray(position, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) throw new SlackError('invalid_form_data');
    const headers = part.subarray(0, headerEnd).toString('latin1');
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers);
    const name = disposition ? /;\s*name="([^"]*)"/i.exec(disposition[1]!)?.[1] : undefined;
    if (name === undefined) throw new SlackError('invalid_form_data');
    out.push([name, decode(part.subarray(headerEnd + 4), encoding, 'invalid_form_data')]);
    if (out.length > MAX_ARGS) throw new SlackError('invalid_arguments');
    position = next + 2;
  }
}
