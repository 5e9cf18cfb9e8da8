import type { FastifyInstance } from 'fastify';
import type { PageDeps } from '../oauth/deps.ts';

/**
 * Incoming webhooks (slack-compat.md §11): POST a JSON message to the URL an install handed out, and it is
 * posted to the chosen channel as the app. Errors are plain text, as Slack's are.
 */
export function webhookUrl(publicUrl: string, teamId: string, hookId: string, secret: string): string {
  return `${publicUrl}/hooks/services/${teamId}/${hookId}/${secret}`;
}

export function registerHooks(app: FastifyInstance, deps: PageDeps): void {
  app.register(async (scope) => {
    // Any body, read as text here: a bad one must answer Slack's `invalid_payload`, not a framework error.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));

    scope.post('/hooks/services/:team/:hook/:secret', async (request, reply) => {
      const { team, hook, secret } = request.params as Record<string, string>;
      const text = (status: number, body: string) => reply.code(status).type('text/plain; charset=utf-8').send(body);
      const target = /^[A-Z0-9]{2,24}$/.test(hook ?? '') && /^[A-Za-z0-9]{1,64}$/.test(secret ?? '') ? await deps.store.messages.webhook(hook!, secret!) : null;
      if (target === null || target.teamId !== team) return text(404, 'no_service');

      const raw = typeof request.body === 'string' ? request.body : '';
      const type = String(request.headers['content-type'] ?? '').toLowerCase();
      let payload: unknown;
      try {
        payload = type.startsWith('application/x-www-form-urlencoded') ? JSON.parse(new URLSearchParams(raw).get('payload') ?? '') : JSON.parse(raw);
      } catch {
        return text(400, 'invalid_payload');
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return text(400, 'invalid_payload');
      const message = payload as Record<string, unknown>;
      if (message['text'] !== undefined && typeof message['text'] !== 'string') return text(400, 'invalid_payload');
      if (message['blocks'] !== undefined && !Array.isArray(message['blocks'])) return text(400, 'invalid_payload');
      const body = typeof message['text'] === 'string' ? message['text'] : '';
      const hasBlocks = Array.isArray(message['blocks']) && message['blocks'].length > 0;
      const hasAttachments = Array.isArray(message['attachments']) && message['attachments'].length > 0;
      if (body.trim() === '' && !hasBlocks && !hasAttachments) return text(400, 'no_text');
      if (body.length > 40_000) return text(400, 'msg_too_long');
      await deps.store.messages.post({
        channelId: target.channelId,
        teamId: target.teamId,
        userId: target.botUserId,
        botId: target.botId,
        appId: target.appId,
        text: body,
        blocks: hasBlocks ? message['blocks'] : undefined,
        now: deps.clock.now(),
      });
      return text(200, 'ok');
    });
  });
}
