import type { FastifyInstance } from 'fastify';
import { registerAuthorize } from './authorize.ts';
import type { PageDeps } from './deps.ts';
import { STYLESHEET } from './html.ts';
import { registerLogin } from './login.ts';
import { registerOpenId } from './openid.ts';
import { registerSecurityHeaders } from './security.ts';
import { acceptFormsOnly } from './forms.ts';

/** The browser-facing flows: sign-in, the authorize endpoints and consent, and Sign in with Slack's documents. */
export async function registerPages(app: FastifyInstance, deps: PageDeps): Promise<void> {
  registerSecurityHeaders(app);
  app.register(async (scope) => {
    acceptFormsOnly(scope);
    registerLogin(scope, deps);
    registerAuthorize(scope, deps);
  });
  registerOpenId(app, deps);
  app.get('/assets/tessera.css', async (_request, reply) => reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(STYLESHEET));
}
