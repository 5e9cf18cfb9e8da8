import { SlackError } from '../domain/errors.ts';
import type { AuthContext } from './authenticate.ts';

/**
 * Whether the caller may act under a scope. A classic bot's umbrella `bot` scope stands for every scope the bot
 * methods need (slack-compat.md §4); legacy tokens need no rule here, as their effective scopes are already every
 * scope a member can hold.
 */
export function holdsScope(auth: AuthContext, scope: string): boolean {
  if (auth.kind === 'classic_bot' && auth.effectiveScopes.includes('bot')) return true;
  return auth.effectiveScopes.includes(scope);
}

/** Slack's refusal for a scope not held: `needed` and `provided` as comma lists. */
export function missingScope(auth: AuthContext, needed: readonly string[]): SlackError {
  return new SlackError('missing_scope', { needed: needed.join(','), provided: auth.effectiveScopes.join(',') });
}

/** For handlers whose scope depends on what they were asked about (a public or a private channel). */
export function requireScope(auth: AuthContext, ...scopes: string[]): void {
  const missing = scopes.filter((s) => !holdsScope(auth, s));
  if (missing.length > 0) throw missingScope(auth, missing);
}
