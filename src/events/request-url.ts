import { randomBytes } from 'node:crypto';
import { signatureV0, urlVerification } from '../domain/events.ts';

export type VerificationOutcome = { ok: true } | { ok: false; reason: string };

/**
 * Slack's Request URL check: a signed `url_verification` POST whose `challenge` the app must send back, as plain
 * text, JSON `{"challenge": …}` or a form field, within three seconds.
 */
export async function verifyRequestUrl(url: string, signingSecret: string, verificationToken: string): Promise<VerificationOutcome> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, reason: 'not an http(s) URL' };
  const challenge = randomBytes(24).toString('base64url');
  const body = JSON.stringify(urlVerification(challenge, verificationToken));
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(parsed, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signatureV0(signingSecret, timestamp, body), 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)' },
      body,
      signal: AbortSignal.timeout(3_000),
    });
    const text = (await response.text()).slice(0, 4096);
    if (response.status !== 200) return { ok: false, reason: `the URL answered HTTP ${response.status}` };
    if (text.trim() === challenge) return { ok: true };
    try {
      if ((JSON.parse(text) as { challenge?: unknown }).challenge === challenge) return { ok: true };
    } catch {
      if (new URLSearchParams(text).get('challenge') === challenge) return { ok: true };
    }
    return { ok: false, reason: 'the answer did not contain the challenge' };
  } catch (error) {
    return { ok: false, reason: (error as Error).name === 'TimeoutError' ? 'no answer within 3 seconds' : 'the URL could not be reached' };
  }
}
