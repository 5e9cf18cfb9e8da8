import type { FastifyReply, FastifyRequest } from 'fastify';
import { digestsEqual, secretDigest } from '../crypto/passwords.ts';
import type { SecretBox } from '../crypto/sealed.ts';
import { parseCookies, type BrowserSession, type Sessions } from '../oauth/session.ts';

export type Admin = { kind: 'token' } | { kind: 'member'; userId: string; name: string };

const MARK_COOKIE = 'tessera_admin';

/**
 * Who may use the console and the admin API: a signed-in workspace owner or admin, or whoever holds
 * TESSERA_ADMIN_TOKEN — as a bearer header (API clients) or, in a browser, once pasted on /admin/token, as a mark
 * bound to that browser's session so the token itself never sits in a cookie.
 */
export class AdminAccess {
  readonly #sessions: Sessions;
  readonly #box: SecretBox;
  readonly #tokenDigest: string | null;

  constructor(sessions: Sessions, box: SecretBox, adminToken: string | undefined) {
    this.#sessions = sessions;
    this.#box = box;
    this.#tokenDigest = adminToken ? secretDigest(adminToken) : null;
  }

  get tokenConfigured(): boolean {
    return this.#tokenDigest !== null;
  }

  tokenMatches(token: string): boolean {
    return this.#tokenDigest !== null && token !== '' && digestsEqual(secretDigest(token), this.#tokenDigest);
  }

  #mark(session: BrowserSession): string {
    return this.#box.mac('admin-token-holder', session.cookie);
  }

  /** Marks this browser's session as holding the admin token. */
  markSession(reply: FastifyReply, session: BrowserSession, secure: boolean): void {
    reply.header('set-cookie', `${MARK_COOKIE}=${this.#mark(session)}; Path=/admin; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
  }

  /**
   * The admin behind a request, 'denied' for a signed-in non-admin, or null for nobody. A bearer header that is
   * not the admin token is 'invalid' (an API client with a wrong token should hear so, not be sent to sign in).
   */
  async who(request: FastifyRequest, reply: FastifyReply): Promise<{ admin: Admin | null; session: BrowserSession; verdict: 'ok' | 'denied' | 'anonymous' | 'invalid' }> {
    const session = await this.#sessions.read(request, reply);
    const header = request.headers.authorization;
    if (header !== undefined) {
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      return this.tokenMatches(token) ? { admin: { kind: 'token' }, session, verdict: 'ok' } : { admin: null, session, verdict: 'invalid' };
    }
    const mark = parseCookies(request.headers.cookie).get(MARK_COOKIE);
    if (mark !== undefined && this.#tokenDigest !== null && digestsEqual(mark, this.#mark(session))) return { admin: { kind: 'token' }, session, verdict: 'ok' };
    const member = session.members.find((m) => m.role === 'owner' || m.role === 'admin');
    if (member) return { admin: { kind: 'member', userId: member.user_id, name: member.real_name }, session, verdict: 'ok' };
    return { admin: null, session, verdict: session.members.length > 0 ? 'denied' : 'anonymous' };
  }
}
