import type { FastifyInstance } from 'fastify';
import { html } from '../../oauth/html.ts';
import { APP_LEVEL_SCOPES } from '../../domain/scopes.ts';
import type { ConsoleDeps, Context, Send } from './index.ts';
import { action, secretField, when } from './layout.ts';

const words = (text: string | undefined): string[] => (text ?? '').split(/[\s,]+/).map((w) => w.trim()).filter(Boolean);

/** Apps: create one, see and change its settings, its secrets (shown once), its installations and tokens. */
export function registerAppPages(scope: FastifyInstance, deps: ConsoleDeps, context: Context, send: Send): void {
  scope.get('/admin/apps/new', async (request, reply) => {
    const { session } = context(request);
    const teams = await deps.store.console.teams();
    return send(reply, request, 'Create an app', html`<h1>Create an app</h1>
${action(
  '/admin/apps',
  session.csrf,
  html`<label for="name">App name</label><input id="name" name="name" type="text" required maxlength="35">
<label for="team_id">Development workspace</label><select id="team_id" name="team_id">${teams.map((t) => html`<option value="${t.id}">${t.name}</option>`)}</select>
<label for="redirect_urls">Redirect URLs (one per line)</label><textarea id="redirect_urls" name="redirect_urls">http://localhost:3000/slack/oauth_redirect</textarea>
<label for="bot_scopes">Bot scopes (comma-separated)</label><input id="bot_scopes" name="bot_scopes" type="text" value="chat:write,channels:read,team:read">
<label for="user_scopes">User scopes (comma-separated)</label><input id="user_scopes" name="user_scopes" type="text" value="">
<label><input type="checkbox" name="token_rotation" value="on"> Token rotation (cannot be turned off later)</label>
<div class="actions"></div>`,
  'Create app',
)}`);
  });

  scope.post('/admin/apps', async (request, reply) => {
    const f = context(request).form;
    const c = await deps.admin.createApp({ name: (f['name'] ?? '').trim(), team_id: f['team_id'] ?? '', redirect_urls: words(f['redirect_urls']), bot_scopes: words(f['bot_scopes']), user_scopes: words(f['user_scopes']), token_rotation: f['token_rotation'] === 'on' });
    return send(reply, request, 'App created', html`<h1>${f['name']} is created</h1>
<p>Copy these now: the secrets are shown this once (you can regenerate them later).</p>
${secretField('App ID', c.app_id, 'app_id')}${secretField('Client ID', c.client_id, 'client_id')}${secretField('Client secret', c.client_secret, 'client_secret')}${secretField('Signing secret', c.signing_secret, 'signing_secret')}${secretField('Verification token', c.verification_token, 'verification_token')}
<p><a href="/admin/apps/${c.app_id}">Go to the app's settings</a></p>`);
  });

  scope.get('/admin/apps/:app', async (request, reply) => {
    const { session } = context(request);
    const app = await deps.store.apps.byId((request.params as { app: string }).app);
    if (!app) return send(reply, request, 'Not found', html`<h1>Not found</h1><p>There is no such app.</p>`, 404);
    const installations = await deps.store.console.installations({ appId: app.id });
    await deps.flushLastUsed();
    const tokensByInstallation = await Promise.all(installations.map((i) => deps.store.console.tokens({ installationId: i.id })));
    const appTokens = await deps.store.console.tokens({ appLevelOf: app.id });
    const base = `/admin/apps/${app.id}`;
    return send(reply, request, app.name, html`<h1>${app.name}</h1>
<p class="muted"><code>${app.id}</code> · Client ID <code>${app.client_id}</code></p>
<h2>Settings</h2>
${action(
  `${base}/settings`,
  session.csrf,
  html`<label for="redirect_urls">Redirect URLs (one per line)</label><textarea id="redirect_urls" name="redirect_urls">${app.redirect_urls.join('\n')}</textarea>
<label for="bot_scopes">Bot scopes</label><input id="bot_scopes" name="bot_scopes" type="text" value="${app.bot_scopes.join(',')}">
<label for="user_scopes">User scopes</label><input id="user_scopes" name="user_scopes" type="text" value="${app.user_scopes.join(',')}">
<label for="ip_allowlist">IP allowlist (IPv4 CIDR ranges, up to 10; empty allows all)</label><input id="ip_allowlist" name="ip_allowlist" type="text" value="${app.ip_allowlist.join(',')}">
<div class="actions"></div>`,
  'Save settings',
)}
<h2>Token rotation</h2>
${app.token_rotation ? html`<p class="ok">On. Tokens expire after ${app.token_lifetime_seconds} seconds and are refreshed with refresh tokens. Rotation cannot be turned off.</p>` : action(`${base}/token_rotation`, session.csrf, html`<p>Off. Turning it on cannot be undone: new installs get expiring tokens, and existing long-lived tokens can be exchanged with <code>oauth.v2.exchange</code>.</p>`, 'Turn on token rotation')}
<h2>Events</h2>
${action(`${base}/request_url`, session.csrf, html`<label for="request_url">Request URL (Slack's url_verification challenge is sent before it is saved; empty clears it)</label><input id="request_url" name="request_url" type="url" value="${app.request_url ?? ''}"><div class="actions"></div>`, 'Save Request URL')}
${action(`${base}/socket_mode`, session.csrf, html`<input type="hidden" name="on" value="${app.socket_mode ? 'off' : 'on'}"><p>Socket Mode is ${app.socket_mode ? 'on' : 'off'}.</p>`, app.socket_mode ? 'Turn Socket Mode off' : 'Turn Socket Mode on')}
<h2>Secrets</h2>
<p>Regenerated values are shown once. A new client secret leaves the old one working for 24 hours; a new signing secret is in force at once.</p>
<div class="actions">${action(`${base}/regenerate`, session.csrf, html`<input type="hidden" name="secret" value="client">`, 'Regenerate client secret', { inline: true, danger: true })}${action(`${base}/regenerate`, session.csrf, html`<input type="hidden" name="secret" value="signing">`, 'Regenerate signing secret', { inline: true, danger: true })}${action(`${base}/regenerate`, session.csrf, html`<input type="hidden" name="secret" value="verification">`, 'Regenerate verification token', { inline: true, danger: true })}</div>
<h2>App-level tokens</h2>
${tokenTable(appTokens, session.csrf, base)}
${action(`${base}/app_tokens`, session.csrf, html`<label for="scopes">Scopes (${APP_LEVEL_SCOPES.join(', ')})</label><input id="scopes" name="scopes" type="text" value="connections:write"><div class="actions"></div>`, 'Generate app-level token')}
<h2>Installations</h2>
${installations.length === 0 ? html`<p class="muted">Not installed anywhere yet.</p>` : ''}
${installations.map(
  (i, n) => html`<section id="installation-${i.id}"><h3>${i.team_name ?? i.team_id} <span class="muted">${i.uninstalled_at === null ? `installed ${when(i.created_at)}` : `uninstalled ${when(i.uninstalled_at)}`}</span></h3>
${tokenTable(tokensByInstallation[n]!, session.csrf, base)}
${i.uninstalled_at === null ? action(`${base}/installations/${i.id}/uninstall`, session.csrf, '', 'Uninstall from this workspace', { danger: true }) : ''}</section>`,
)}`);
  });

  scope.post('/admin/apps/:app/settings', async (request, reply) => {
    const appId = (request.params as { app: string }).app;
    const f = context(request).form;
    await deps.admin.updateApp(appId, { redirect_urls: words(f['redirect_urls']), bot_scopes: words(f['bot_scopes']), user_scopes: words(f['user_scopes']), ip_allowlist: words(f['ip_allowlist']) });
    return reply.redirect(`/admin/apps/${appId}`, 303);
  });

  scope.post('/admin/apps/:app/token_rotation', async (request, reply) => {
    const appId = (request.params as { app: string }).app;
    await deps.admin.turnOnRotation(appId);
    return reply.redirect(`/admin/apps/${appId}`, 303);
  });

  scope.post('/admin/apps/:app/request_url', async (request, reply) => {
    const appId = (request.params as { app: string }).app;
    const url = (context(request).form['request_url'] ?? '').trim();
    await deps.admin.setRequestUrl(appId, url === '' ? null : url);
    return reply.redirect(`/admin/apps/${appId}`, 303);
  });

  scope.post('/admin/apps/:app/socket_mode', async (request, reply) => {
    const appId = (request.params as { app: string }).app;
    await deps.admin.setSocketMode(appId, context(request).form['on'] === 'on');
    return reply.redirect(`/admin/apps/${appId}`, 303);
  });

  scope.post('/admin/apps/:app/regenerate', async (request, reply) => {
    const appId = (request.params as { app: string }).app;
    const which = context(request).form['secret'];
    if (which !== 'client' && which !== 'signing' && which !== 'verification') return reply.code(400).send();
    const value = await deps.admin.regenerate(appId, which);
    const label = which === 'verification' ? 'Verification token' : which === 'client' ? 'Client secret' : 'Signing secret';
    return send(reply, request, label, html`<h1>New ${label.toLowerCase()}</h1><p>Shown this once.</p>${secretField(label, value, 'secret')}<p><a href="/admin/apps/${appId}">Back to the app</a></p>`);
  });

  scope.post('/admin/apps/:app/app_tokens', async (request, reply) => {
    const appId = (request.params as { app: string }).app;
    const token = await deps.admin.issueAppToken(appId, words(context(request).form['scopes']));
    return send(reply, request, 'App-level token', html`<h1>App-level token</h1><p>Shown this once.</p>${secretField('Token', token, 'token')}<p><a href="/admin/apps/${appId}">Back to the app</a></p>`);
  });

  scope.post('/admin/apps/:app/installations/:installation/uninstall', async (request, reply) => {
    const { app, installation } = request.params as { app: string; installation: string };
    await deps.admin.uninstall(installation);
    return reply.redirect(`/admin/apps/${app}`, 303);
  });

  scope.post('/admin/apps/:app/tokens/revoke', async (request, reply) => {
    const appId = (request.params as { app: string }).app;
    await deps.admin.revokeToken(context(request).form['id'] ?? '');
    return reply.redirect(`/admin/apps/${appId}`, 303);
  });
}

function tokenTable(tokens: Awaited<ReturnType<ConsoleDeps['store']['console']['tokens']>>, csrf: string, base: string) {
  if (tokens.length === 0) return html`<p class="muted">No tokens.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th>Token</th><th>Kind</th><th>Scopes</th><th>Issued</th><th>Expires</th><th>Last used</th><th>State</th></tr></thead><tbody>
${tokens.map(
  (t) => html`<tr><td><code>${t.hint}</code></td><td>${t.kind}${t.user_id ? html` <code>${t.user_id}</code>` : ''}</td><td>${t.scopes.join(', ')}</td><td>${when(t.created_at)}</td><td>${when(t.expires_at)}</td><td>${when(t.last_used_at)}</td>
<td>${t.revoked_at !== null ? html`revoked ${when(t.revoked_at)}` : action(`${base}/tokens/revoke`, csrf, html`<input type="hidden" name="id" value="${t.id}">`, 'Revoke', { inline: true, danger: true })}</td></tr>`,
)}
</tbody></table></div>`;
}
