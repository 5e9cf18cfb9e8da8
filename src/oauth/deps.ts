import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import type { Sessions } from './session.ts';
import type { LoginThrottle } from './throttle.ts';

/** What the browser-facing routes share. */
export interface PageDeps {
  store: Store;
  clock: Clock;
  sessions: Sessions;
  throttle: LoginThrottle;
  logger: Logger;
  publicUrl(): string;
  /** Records a security event in the audit log (sign-ins, consents). */
  audit(event: Record<string, unknown> & { event: string }): void;
}

/** A `next` target after sign-in: a path on this server only, never another host. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\') || /[\r\n]/.test(next)) return '/';
  return next;
}
