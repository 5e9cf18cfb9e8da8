import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/index.ts';
import type { RevocationResult } from '../store/tokens.ts';

/** What Web API method handlers may use: the store's repositories and the few server-wide facts. */
export interface Services {
  store: Store;
  clock: Clock;
  /** The external base URL, without a trailing slash. */
  publicUrl: string;
  /** Revokes a token with everything §9 says goes with it, and makes every cache here forget it at once. */
  revokeToken(digest: string): Promise<RevocationResult>;
  /** Refresh-token rules: the grace window and how many times an answer may be given again within it. */
  rotation: { graceMs: number; maxReplays: number };
  /** Records a security event (installs, consents, revocations, refresh-token reuse) without any secret. */
  audit(event: Record<string, unknown> & { event: string }): void;
  /** Tells the token cache that these tokens (or, with 'all', any token) changed in the store. */
  tokensChanged(digests: readonly string[] | 'all'): void;
}
