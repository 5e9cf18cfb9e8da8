import { createHmac } from 'node:crypto';
import type { TestTessera } from 'tessera';

/** Sends a slash command as Slack does: a signed form POST to the Request URL. Answers the app's reply. */
export async function slashCommand(appUrl: string, signingSecret: string, fields: { command: string; team_id: string; user_id: string; text?: string }): Promise<{ status: number; text: string }> {
  const body = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.team_id,
    team_domain: 'acme',
    channel_id: 'C0GENERAL1',
    channel_name: 'general',
    user_id: fields.user_id,
    user_name: 'alice',
    command: fields.command,
    text: fields.text ?? '',
    api_app_id: 'A0BOLT0001',
    is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/commands/response',
    trigger_id: '1.2.3',
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const response = await fetch(`${appUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}

/**
 * A member installs the app as in a browser: the app's /slack/install sends them to Tessera with a `state` bound
 * to a cookie, Tessera's consent (given headlessly by the kit) sends them back to the app's callback with a code.
 */
export async function installThroughTheApp(appUrl: string, t: TestTessera, member: { user?: string; cancel?: boolean } = {}): Promise<{ status: number; page: string }> {
  const start = await fetch(`${appUrl}/slack/install`, { redirect: 'manual' });
  const authorizeUrl = start.headers.get('location');
  if (start.status !== 302 || authorizeUrl === null) throw new Error(`/slack/install answered ${start.status}`);
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { redirectUrl } = await t.install({ authorizeUrl, ...member });
  const callback = await fetch(redirectUrl, { headers: { cookie }, redirect: 'manual' });
  return { status: callback.status, page: await callback.text() };
}
