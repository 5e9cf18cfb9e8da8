import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { digestsEqual } from '../crypto/passwords.ts';
import type { SecretBox } from '../crypto/sealed.ts';
import type { Clock } from '../domain/clock.ts';
import { tokenDigest } from '../domain/token-strings.ts';
import type { Store } from '../store/index.ts';
import type { SignedInMember } from '../store/sessions.ts';

export const SESSION_TTL_MS = 12 * 3600 * 1000;

/** The browser's session: anonymous until a member signs in, then a stored session with its members. */
export interface BrowserSession {
  /** The cookie value; only its digest is stored. */
  cookie: string;
  digest: string;
  members: SignedInMember[];
  /** The CSRF token every form of this session must carry. */
  csrf: string;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Sessions in a cookie that is HttpOnly, SameSite=Lax and, behind https, Secure with the __Host- prefix. The
 * CSRF token is a keyed digest of the cookie, so a page from another site can neither read nor forge it, and
 * signing in replaces the cookie (no session fixation).
 */
export class Sessions {
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #clock: Clock;
  readonly #secure: boolean;
  readonly cookieName: string;

  constructor(store: Store, box: SecretBox, clock: Clock, secure: boolean) {
    this.#store = store;
    this.#box = box;
    this.#clock = clock;
    this.#secure = secure;
    this.cookieName = secure ? '__Host-tessera_session' : 'tessera_session';
  }

  async read(request: FastifyRequest, reply: FastifyReply): Promise<BrowserSession> {
    let cookie = parseCookies(request.headers.cookie).get(this.cookieName);
    if (cookie === undefined || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) {
      cookie = randomBytes(32).toString('base64url');
      this.#setCookie(reply, cookie);
    }
    const digest = tokenDigest(cookie);
    const members = await this.#store.sessions.members(digest, this.#clock.now());
    return { cookie, digest, members, csrf: this.#box.mac('csrf', cookie) };
  }

  csrfValid(session: BrowserSession, token: unknown): boolean {
    return typeof token === 'string' && digestsEqual(token, session.csrf);
  }

  /** Starts a signed-in session for these members (keeping workspaces already signed in), with a new cookie. */
  async signIn(reply: FastifyReply, previous: BrowserSession, userIds: readonly string[]): Promise<void> {
    const cookie = randomBytes(32).toString('base64url');
    const all = [...new Set([...previous.members.map((m) => m.user_id), ...userIds])];
    const now = this.#clock.now();
    await this.#store.sessions.create(tokenDigest(cookie), all, now, SESSION_TTL_MS);
    if (previous.members.length > 0) await this.#store.sessions.end(previous.digest, now);
    this.#setCookie(reply, cookie);
  }

  async signOut(reply: FastifyReply, session: BrowserSession): Promise<void> {
    await this.#store.sessions.end(session.digest, this.#clock.now());
    this.#setCookie(reply, randomBytes(32).toString('base64url'));
  }

  #setCookie(reply: FastifyReply, value: string): void {
    const attributes = `Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}${this.#secure ? '; Secure' : ''}`;
    reply.header('set-cookie', `${this.cookieName}=${value}; ${attributes}`);
  }
}
