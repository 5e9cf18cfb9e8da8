import { SlackError } from '../domain/errors.ts';
import { allowed, parseRange, type Ipv4Range } from '../domain/ip-allowlist.ts';
import { LEGACY_SCOPES } from '../domain/scopes.ts';
import { QUERY_TOKEN_CUTOFF_MS, tokenClass, type TokenClass } from '../domain/token-kinds.ts';
import { parseToken, tokenDigest } from '../domain/token-strings.ts';
import type { Clock } from '../domain/clock.ts';
import type { ResolvedToken } from '../store/tokens.ts';

/** Who is calling: the resolved token, its class and its effective scopes. */
export interface AuthContext extends ResolvedToken {
  tokenClass: TokenClass;
  effectiveScopes: readonly string[];
}

/** A real token refused as revoked, expired or inactive: the request log still names whose call it was. */
export class TokenRefused extends SlackError {
  readonly auth: AuthContext;
  constructor(code: string, auth: AuthContext) {
    super(code);
    this.auth = auth;
  }
}

interface CacheEntry {
  auth: AuthContext;
  ranges: Ipv4Range[];
  fetchedAt: number;
}

export interface TokenResolver {
  resolve(digest: string): Promise<ResolvedToken | null>;
}

/**
 * Steps 1 to 4 of slack-compat.md §3. Verified tokens are cached by digest: a revocation on this process clears
 * the cache at once, and an entry is re-read after `freshnessMs`, which bounds how long another process sharing
 * the database can go on seeing a token it has revoked.
 */
export class Authenticator {
  readonly #resolver: TokenResolver;
  readonly #clock: Clock;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #freshnessMs: number;
  readonly #maxEntries: number;

  constructor(resolver: TokenResolver, clock: Clock, options: { freshnessMs?: number; maxEntries?: number } = {}) {
    this.#resolver = resolver;
    this.#clock = clock;
    this.#freshnessMs = options.freshnessMs ?? 500;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  /** Forget everything: called after any change that can end or narrow a token (revocation, uninstall, role). */
  invalidateAll(): void {
    this.#cache.clear();
  }

  invalidate(digests: readonly string[]): void {
    for (const d of digests) this.#cache.delete(d);
  }

  async authenticate(token: string | undefined, tokenInQuery: boolean, remoteAddress: string): Promise<AuthContext> {
    if (token === undefined) throw new SlackError('not_authed');
    const digest = tokenDigest(token);
    let entry = this.#cache.get(digest);
    if (entry === undefined || performance.now() - entry.fetchedAt >= this.#freshnessMs) {
      // Only strings with a valid checksum ever reach the store (and so the cache).
      if (parseToken(token) === null) throw new SlackError('invalid_auth');
      entry = (await this.#load(digest)) ?? undefined;
      if (entry === undefined) throw new SlackError('invalid_auth');
    }
    const t = entry.auth;
    if (tokenInQuery && queryTokenRefused(t)) throw new SlackError('invalid_auth');
    if (!allowed(entry.ranges, remoteAddress)) throw new SlackError('invalid_auth');
    if (t.revoked) throw new TokenRefused('token_revoked', t);
    if (t.expiresAt !== null && t.expiresAt <= this.#clock.now()) throw new TokenRefused('token_expired', t);
    if (t.teamDeleted) throw new TokenRefused('account_inactive', t);
    if (t.userDeactivated && (t.kind === 'user' || t.kind === 'legacy' || t.kind === 'config' || t.kind === 'config_refresh')) {
      throw new TokenRefused('account_inactive', t);
    }
    return t;
  }

  async #load(digest: string): Promise<CacheEntry | null> {
    const token = await this.#resolver.resolve(digest);
    if (token === null) {
      this.#cache.delete(digest);
      return null;
    }
    const ranges = token.appIpAllowlist.map(parseRange).filter((r): r is Ipv4Range => typeof r !== 'string');
    const auth: AuthContext = Object.freeze({
      ...token,
      tokenClass: tokenClass(token.kind),
      effectiveScopes: token.kind === 'legacy' ? LEGACY_SCOPES : token.scopes,
    });
    const entry: CacheEntry = { auth, ranges, fetchedAt: performance.now() };
    if (!this.#cache.has(digest) && this.#cache.size >= this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(digest, entry);
    return entry;
  }
}

/** Apps created after 2021-02-24 may not send tokens in the URL; config tokens are of that era too. */
function queryTokenRefused(t: ResolvedToken): boolean {
  if (t.kind === 'config' || t.kind === 'config_refresh') return true;
  return t.appCreatedAt !== null && t.appCreatedAt > QUERY_TOKEN_CUTOFF_MS;
}
