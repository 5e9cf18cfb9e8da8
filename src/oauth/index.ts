import type { FastifyInstance } from 'fastify';
import { registerAuthorize } from './authorize.ts';
import type { PageDeps } from './deps.ts';
import { STYLESHEET } from './html.ts';
import { registerLogin } from './login.ts';
import { registerSecurityHeaders } from './security.ts';

/** The browser-facing install flows: sign-in, the authorize endpoints and consent. */
export async function registerPages(app: FastifyInstance, deps: PageDeps): Promise<void> {
  registerSecurityHeaders(app);
  app.register(async (scope) => {
    // Forms only, each field once: a repeated field is a tampered form.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      const out: Record<string, string> = Object.create(null);
      for (const [k, v] of new URLSearchParams(body as string)) {
        if (k in out) {
          done(Object.assign(new Error('repeated form field'), { statusCode: 400 }), undefined);
          return;
        }
        out[k] = v;
      }
      done(null, out);
    });
    registerLogin(scope, deps);
    registerAuthorize(scope, deps);
  });
  app.get('/assets/tessera.css', async (_request, reply) => reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(STYLESHEET));
}
