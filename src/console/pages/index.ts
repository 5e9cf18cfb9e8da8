import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, page } from '../../oauth/html.ts';
import { acceptFormsOnly } from '../../oauth/forms.ts';
import type { BrowserSession, Sessions } from '../../oauth/session.ts';
import { contentSecurityPolicy } from '../../oauth/security.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Store } from '../../store/index.ts';
import type { Faults } from '../../webapi/faults.ts';
import type { RequestLog } from '../../webapi/request-log.ts';
import type { Admin, AdminAccess } from '../access.ts';
import { AdminError, type AdminService } from '../admin.ts';
import type { ClockSync } from '../clock-sync.ts';
import { registerAppPages } from './apps.ts';
import { consolePage } from './layout.ts';
import { registerOperationsPages, LIVE_LOG_SCRIPT } from './operations.ts';
import { registerWorkspacePages } from './workspaces.ts';

export interface ConsoleDeps {
  store: Store;
  admin: AdminService;
  access: AdminAccess;
  sessions: Sessions;
  clock: Clock;
  clockSync: ClockSync;
  faults: Faults;
  requests: RequestLog;
  secureCookies: boolean;
  flushLastUsed(): Promise<void>;
}

export interface ConsoleRequest {
  admin: Admin;
  session: BrowserSession;
  form: Record<string, string>;
}

/** Renders a console page for an admin, or answers what a non-admin gets. */
export type Render = (title: string, body: ReturnType<typeof html>, options?: { scripts?: string[] }) => string;

/**
 * The console (`/admin`): server-rendered pages for workspace owners and admins and holders of the admin token.
 * Every page checks who is asking; every form carries the session's CSRF token and is checked again here; changes
 * go through AdminService, the same code the JSON admin API runs.
 */
export function registerConsole(app: FastifyInstance, deps: ConsoleDeps): void {
  app.register(async (scope) => {
    acceptFormsOnly(scope);
    const contexts = new WeakMap<FastifyRequest, ConsoleRequest>();

    scope.addHook('preHandler', async (request, reply) => {
      const path = (request.raw.url ?? '').split('?')[0]!;
      if (!path.startsWith('/admin') || path.startsWith('/admin/api/') || path === '/admin/token') return;
      const { admin, session, verdict } = await deps.access.who(request, reply);
      if (!admin) {
        if (verdict === 'denied') {
          return reply.code(403).type('text/html; charset=utf-8').send(page({ title: 'Not allowed', body: html`<h1>Not allowed</h1><p class="error" role="alert">Only workspace owners and admins may use the console.</p><p><a href="/">Home</a></p>` }));
        }
        return reply.redirect(`/login?next=${encodeURIComponent(request.raw.url ?? '/admin')}`, 302);
      }
      const form = (request.body ?? {}) as Record<string, string>;
      if (request.method === 'POST' && !deps.sessions.csrfValid(session, form['csrf'])) {
        return reply.code(403).type('text/html; charset=utf-8').send(consolePage('Form expired', admin, session, html`<h1>This form has expired</h1><p class="error" role="alert">It was not sent from this browser's console page. Go back, reload and try again.</p>`));
      }
      contexts.set(request, { admin, session, form });
    });

    const context = (request: FastifyRequest): ConsoleRequest => contexts.get(request)!;
    const send = (reply: FastifyReply, request: FastifyRequest, title: string, body: ReturnType<typeof html>, status = 200, options: { scripts?: string[] } = {}) => {
      const { admin, session } = context(request);
      if (options.scripts) reply.header('content-security-policy', `${contentSecurityPolicy()}; script-src 'self'; connect-src 'self'`);
      return reply.code(status).type('text/html; charset=utf-8').send(consolePage(title, admin, session, body, options));
    };
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const ctx = contexts.get(request);
      if (error instanceof AdminError && ctx) {
        return send(reply, request, 'Not done', html`<h1>That was not done</h1><p class="error" role="alert">${error.message}</p><p><a href="/admin">Back to the console</a></p>`, error.status);
      }
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
      return reply.code(status).type('text/html; charset=utf-8').send(page({ title: 'Error', body: html`<h1>Something went wrong</h1><p class="error" role="alert">${status === 500 ? 'The console could not do that. Try again.' : 'This request could not be understood.'}</p>` }));
    });

    // The admin token, pasted once in a browser, marks that browser's session (never stored in a cookie).
    scope.get('/admin/token', async (request, reply) => {
      const session = await deps.sessions.read(request, reply);
      return reply.type('text/html; charset=utf-8').send(page({ title: 'Admin token', body: html`<h1>Use the admin token</h1><p>Paste the value of <code>TESSERA_ADMIN_TOKEN</code> to open the console in this browser.</p>
<form method="post" action="/admin/token"><input type="hidden" name="csrf" value="${session.csrf}"><label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="off" required><div class="actions"><button type="submit" class="primary">Open the console</button></div></form>` }));
    });
    scope.post('/admin/token', async (request, reply) => {
      const session = await deps.sessions.read(request, reply);
      const form = (request.body ?? {}) as Record<string, string>;
      if (!deps.sessions.csrfValid(session, form['csrf']) || !deps.access.tokenMatches(form['token'] ?? '')) {
        return reply.code(403).type('text/html; charset=utf-8').send(page({ title: 'Admin token', body: html`<h1>Use the admin token</h1><p class="error" role="alert">That is not the admin token.</p><p><a href="/admin/token">Try again</a></p>` }));
      }
      deps.access.markSession(reply, session, deps.secureCookies);
      return reply.redirect('/admin', 303);
    });

    registerWorkspacePages(scope, deps, context, send);
    registerAppPages(scope, deps, context, send);
    registerOperationsPages(scope, deps, context, send);
    scope.get('/assets/console.js', async (_request, reply) => reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(LIVE_LOG_SCRIPT));
  });
}

export type Send = (reply: FastifyReply, request: FastifyRequest, title: string, body: ReturnType<typeof html>, status?: number, options?: { scripts?: string[] }) => FastifyReply;
export type Context = (request: FastifyRequest) => ConsoleRequest;
