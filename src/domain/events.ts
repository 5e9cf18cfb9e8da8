/**
 * Slack's Events API shapes (slack-compat.md §10), as pure functions: the event_callback body an app receives,
 * its v0 signature, and the retry schedule.
 */
import { createHmac } from 'node:crypto';

export interface EventAuthorizationShape {
  enterprise_id: string | null;
  team_id: string;
  user_id: string;
  is_bot: boolean;
  is_enterprise_install: boolean;
}

export type InnerEvent = { type: 'tokens_revoked'; tokens: { oauth: string[]; bot: string[] } } | { type: 'app_uninstalled' };

export interface EventCallback {
  token: string;
  team_id: string;
  enterprise_id?: string;
  api_app_id: string;
  event: InnerEvent & { event_ts: string };
  type: 'event_callback';
  event_id: string;
  event_time: number;
  authorizations: EventAuthorizationShape[];
  is_ext_shared_channel: false;
  event_context: string;
}

/** The body stored in the outbox: everything but the verification token, which is read at delivery (it may be regenerated). */
export type StoredEvent = Omit<EventCallback, 'token'>;

export function eventCallback(stored: StoredEvent, verificationToken: string): EventCallback {
  return { token: verificationToken, ...stored };
}

/** `X-Slack-Signature`: v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{body}"). */
export function signatureV0(signingSecret: string, timestampSeconds: number, body: string): string {
  return 'v0=' + createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
}

/** After the first attempt, three retries: at once, a minute later, five minutes after that. */
export const RETRY_DELAYS_MS: readonly number[] = [0, 60_000, 300_000];

/** When attempt `attemptsMade + 1` is due after a failure, or null when the retries are spent. */
export function nextAttemptAt(failedAt: number, attemptsMade: number): number | null {
  const delay = RETRY_DELAYS_MS[attemptsMade - 1];
  return delay === undefined ? null : failedAt + delay;
}

/** A URL verification challenge's body, sent when an app's Request URL is set. */
export function urlVerification(challenge: string, verificationToken: string): { token: string; challenge: string; type: 'url_verification' } {
  return { token: verificationToken, challenge, type: 'url_verification' };
}
