import type { FastifyInstance } from 'fastify';
import { verifyPassword } from '../crypto/passwords.ts';
import { html, page } from './html.ts';
import { safeNext, type PageDeps } from './deps.ts';
import type { BrowserSession } from './session.ts';

function signedInHeader(session: BrowserSession) {
  return session.members.length > 0 ? { names: session.members.map((m) => `${m.real_name} (${m.team_name})`), csrf: session.csrf } : undefined;
}

function loginPage(session: BrowserSession, next: string, options: { error?: string; email?: string } = {}): string {
  return page({
    title: 'Sign in',
    signedIn: signedInHeader(session),
    body: html`<h1>Sign in to your workspace</h1>
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="${session.csrf}">
  <input type="hidden" name="next" value="${next}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ''}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>`,
  });
}

export function registerLogin(app: FastifyInstance, deps: PageDeps): void {
  app.get('/login', async (request, reply) => {
    const session = await deps.sessions.read(request, reply);
    const next = safeNext((request.query as Record<string, unknown>)['next']);
    return reply.type('text/html; charset=utf-8').send(loginPage(session, next));
  });

  app.post('/login', async (request, reply) => {
    const session = await deps.sessions.read(request, reply);
    const form = request.body as Record<string, string>;
    const next = safeNext(form['next']);
    if (!deps.sessions.csrfValid(session, form['csrf'])) {
      return reply.code(403).type('text/html; charset=utf-8').send(loginPage(session, next, { error: 'This form has expired. Please sign in again.' }));
    }
    const email = (form['email'] ?? '').trim().slice(0, 320);
    const password = (form['password'] ?? '').slice(0, 1024);
    const account = email.toLowerCase();
    const wait = deps.throttle.waitSeconds(account, request.ip);
    if (wait > 0) {
      return reply.code(429).header('retry-after', String(wait)).type('text/html; charset=utf-8').send(loginPage(session, next, { error: `Too many attempts. Try again in ${wait} seconds.`, email }));
    }
    const candidates = email ? await deps.store.sessions.credentialsByEmail(email) : [];
    const matched = [];
    for (const c of candidates) if (await verifyPassword(password, c.password_hash)) matched.push(c);
    if (candidates.length === 0) await verifyPassword(password, null); // same time for an unknown email
    const active = matched.filter((m) => m.role !== 'deactivated');
    if (active.length === 0) {
      deps.throttle.fail(account, request.ip);
      const error = matched.length > 0 ? 'This account has been deactivated.' : 'That email and password do not match a member of any workspace.';
      deps.audit({ event: 'sign_in_failed', deactivated: matched.length > 0 });
      return reply.code(401).type('text/html; charset=utf-8').send(loginPage(session, next, { error, email }));
    }
    deps.throttle.succeed(account);
    await deps.sessions.signIn(reply, session, active.map((m) => m.id));
    deps.audit({ event: 'signed_in', users: active.map((m) => m.id) });
    return reply.code(303).header('location', next).send();
  });

  app.get('/logout', async (request, reply) => {
    const session = await deps.sessions.read(request, reply);
    const body =
      session.members.length === 0
        ? html`<h1>Signed out</h1><p>You are not signed in. <a href="/login">Sign in</a></p>`
        : html`<h1>Sign out</h1><p>Signed in as ${session.members.map((m) => `${m.real_name} (${m.team_name})`).join(', ')}.</p>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${session.csrf}"><div class="actions"><button type="submit" class="primary">Sign out</button></div></form>`;
    return reply.type('text/html; charset=utf-8').send(page({ title: 'Sign out', body }));
  });

  app.post('/logout', async (request, reply) => {
    const session = await deps.sessions.read(request, reply);
    const form = request.body as Record<string, string>;
    if (!deps.sessions.csrfValid(session, form['csrf'])) {
      return reply.code(403).type('text/html; charset=utf-8').send(page({ title: 'Sign out', body: html`<h1>Sign out</h1><p class="error" role="alert">This form has expired.</p><p><a href="/logout">Try again</a></p>` }));
    }
    await deps.sessions.signOut(reply, session);
    return reply.code(303).header('location', '/login').send();
  });

  app.get('/', async (request, reply) => {
    const session = await deps.sessions.read(request, reply);
    const body =
      session.members.length === 0
        ? html`<h1>Tessera</h1><p>A Slack-compatible OAuth server. <a href="/login">Sign in</a> to install apps into your workspaces.</p><p class="muted">Web API: <code>${deps.publicUrl()}/api/</code></p>`
        : html`<h1>Tessera</h1><p>Signed in to:</p><ul>${session.members.map((m) => html`<li>${m.team_name} as ${m.real_name} (${m.role})</li>`)}</ul><p class="muted">Web API: <code>${deps.publicUrl()}/api/</code></p><p><a href="/login">Sign in to another workspace</a></p>`;
    return reply.type('text/html; charset=utf-8').send(page({ title: 'Home', body, signedIn: signedInHeader(session) }));
  });
}

export { signedInHeader };
