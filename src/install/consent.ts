import { randomBytes } from 'node:crypto';
import { randomBase62 } from '../domain/base62.ts';
import { redirectWith, type ValidRequest } from '../domain/authorize-request.ts';
import { tokenDigest } from '../domain/token-strings.ts';
import type { Store } from '../store/index.ts';

/** How long a code may wait for its exchange (slack-compat.md §5). Equal to the consent page's CODE_TTL_MS. */
export const CODE_TTL_MS = 10 * 60 * 1000;

export interface Consent {
  request: ValidRequest;
  teamId: string;
  userId: string;
  /** The channel chosen for `incoming-webhook`, when it was requested. */
  channelId: string | null;
  /** Sign in with Slack: when the member signed in (the ID token's `auth_time`). */
  authTime?: number | null;
  now: number;
}

/**
 * A member's Allow, once every rule has passed: a single-use code, and the redirect that carries it back to the
 * app with `state` unchanged. The step the consent page ends with; the test kit's headless install calls it too,
 * so a code made without a browser is made exactly as one made with one.
 */
export async function issueCode(store: Store, consent: Consent): Promise<{ code: string; redirectUrl: string }> {
  const { request } = consent;
  const code = randomBase62(40, randomBytes);
  await store.installs.createCode({
    digest: tokenDigest(code),
    flow: request.flow,
    appId: request.appId,
    teamId: consent.teamId,
    userId: consent.userId,
    redirectUri: request.redirectUri,
    botScopes: request.botScopes,
    userScopes: request.userScopes,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    webhookChannelId: consent.channelId,
    authTime: consent.authTime ?? null,
    now: consent.now,
    ttlMs: CODE_TTL_MS,
  });
  return { code, redirectUrl: redirectWith(request.redirectTarget, { code, state: request.state }) };
}
