import type { FastifyInstance } from 'fastify';
import { html } from '../../oauth/html.ts';
import type { ConsoleDeps, Context, Send } from './index.ts';
import { action, secretField, when } from './layout.ts';

const ROLES = ['owner', 'admin', 'member', 'deactivated'] as const;

/** The overview, each workspace's members, and the tokens an operator issues by hand. */
export function registerWorkspacePages(scope: FastifyInstance, deps: ConsoleDeps, context: Context, send: Send): void {
  scope.get('/admin', async (request, reply) => {
    const teams = await deps.store.console.teams();
    const apps = await deps.store.console.apps();
    const installations = await deps.store.console.installations();
    const live = installations.filter((i) => i.uninstalled_at === null);
    return send(reply, request, 'Overview', html`<h1>Tessera console</h1>
<p class="muted">Server time ${when(deps.clock.now())}${deps.clock.offsetMs !== 0 ? html` (moved ${Math.round(deps.clock.offsetMs / 1000)} s from real time)` : ''}.</p>
<h2>Workspaces</h2>
<div class="table-wrap"><table><thead><tr><th>Workspace</th><th>Domain</th><th>Members</th></tr></thead><tbody>
${teams.map((t) => html`<tr><td><a href="/admin/workspaces/${t.id}">${t.name}</a> <code>${t.id}</code></td><td>${t.domain}</td><td>${t.members}</td></tr>`)}
</tbody></table></div>
<h2>Apps</h2>
<p><a href="/admin/apps/new">Create an app</a></p>
<div class="table-wrap"><table><thead><tr><th>App</th><th>Client ID</th><th>Installations</th><th>Rotation</th><th>Events</th></tr></thead><tbody>
${apps.map((a) => html`<tr><td><a href="/admin/apps/${a.id}">${a.name}</a> <code>${a.id}</code></td><td><code>${a.client_id}</code></td><td>${live.filter((i) => i.app_id === a.id).length}</td><td>${a.token_rotation ? 'on' : 'off'}</td><td>${a.socket_mode ? 'Socket Mode' : a.request_url ? 'Request URL' : 'none'}</td></tr>`)}
</tbody></table></div>`);
  });

  scope.get('/admin/workspaces/:team', async (request, reply) => {
    const { session } = context(request);
    const teamId = (request.params as { team: string }).team;
    const team = (await deps.store.console.teams()).find((t) => t.id === teamId);
    if (!team) return send(reply, request, 'Not found', html`<h1>Not found</h1><p>There is no workspace ${teamId}.</p>`, 404);
    const members = await deps.store.console.members(teamId);
    const installations = await deps.store.console.installations({ teamId });
    return send(reply, request, team.name, html`<h1>${team.name}</h1>
<p class="muted"><code>${team.id}</code> · ${team.domain}</p>
<h2>Members</h2>
<div class="table-wrap"><table><thead><tr><th>Member</th><th>Email</th><th>Role</th><th>Tokens for testing</th></tr></thead><tbody>
${members.map(
  (m) => html`<tr><td>${m.real_name} <code>${m.id}</code></td><td>${m.email ?? ''}</td>
<td>${action(`/admin/members/${m.id}/role`, session.csrf, html`<label class="visually-hidden" for="role-${m.id}">Role of ${m.real_name}</label><select id="role-${m.id}" name="role">${ROLES.map((r) => html`<option value="${r}"${r === m.role ? html` selected` : ''}>${r}</option>`)}</select>`, 'Set role', { inline: true })}</td>
<td>${m.role === 'deactivated' ? '' : html`${action(`/admin/workspaces/${team.id}/config_token`, session.csrf, html`<input type="hidden" name="user_id" value="${m.id}">`, 'Config token', { inline: true })} ${action(`/admin/workspaces/${team.id}/legacy_token`, session.csrf, html`<input type="hidden" name="user_id" value="${m.id}">`, 'Legacy token', { inline: true })}`}</td></tr>`,
)}
</tbody></table></div>
<h2>Invite a member</h2>
${action(
  `/admin/workspaces/${team.id}/members`,
  session.csrf,
  html`<label for="name">Username</label><input id="name" name="name" type="text" required pattern="[a-z0-9._-]{1,80}">
<label for="real_name">Full name</label><input id="real_name" name="real_name" type="text">
<label for="email">Email</label><input id="email" name="email" type="email" required>
<label for="role">Role</label><select id="role" name="role"><option>member</option><option>admin</option><option>owner</option></select>
<div class="actions"></div>`,
  'Invite',
)}
<h2>Installed apps</h2>
<div class="table-wrap"><table><thead><tr><th>App</th><th>Installed</th><th>State</th></tr></thead><tbody>
${installations.map((i) => html`<tr><td><a href="/admin/apps/${i.app_id}#installation-${i.id}">${i.app_name}</a></td><td>${when(i.created_at)}</td><td>${i.uninstalled_at === null ? 'installed' : html`uninstalled ${when(i.uninstalled_at)}`}</td></tr>`)}
</tbody></table></div>`);
  });

  scope.post('/admin/members/:user/role', async (request, reply) => {
    const userId = (request.params as { user: string }).user;
    await deps.admin.setRole(userId, context(request).form['role'] ?? '');
    const member = await deps.store.console.member(userId);
    return reply.redirect(`/admin/workspaces/${member!.team_id}`, 303);
  });

  scope.post('/admin/workspaces/:team/members', async (request, reply) => {
    const teamId = (request.params as { team: string }).team;
    const f = context(request).form;
    const invited = await deps.admin.inviteMember({ team_id: teamId, name: f['name'] ?? '', real_name: f['real_name'] ?? '', email: f['email'] ?? '', role: (f['role'] ?? 'member') as 'member' });
    return send(reply, request, 'Member invited', html`<h1>Member invited</h1>
<p>${f['email']} can sign in at <a href="/login">/login</a> with this password. It is shown this once.</p>
${secretField('Password', invited.password, 'password')}
<p><a href="/admin/workspaces/${teamId}">Back to the workspace</a></p>`);
  });

  scope.post('/admin/workspaces/:team/config_token', async (request, reply) => {
    const teamId = (request.params as { team: string }).team;
    const issued = await deps.admin.issueConfigToken(teamId, context(request).form['user_id'] ?? '');
    return send(reply, request, 'Config token', html`<h1>App configuration token</h1><p>Shown this once. It expires ${when(issued.exp * 1000)}; rotate it with <code>tooling.tokens.rotate</code>.</p>
${secretField('Token', issued.token, 'token')}${secretField('Refresh token', issued.refresh_token, 'refresh_token')}
<p><a href="/admin/workspaces/${teamId}">Back to the workspace</a></p>`);
  });

  scope.post('/admin/workspaces/:team/legacy_token', async (request, reply) => {
    const teamId = (request.params as { team: string }).team;
    const token = await deps.admin.issueLegacyToken(teamId, context(request).form['user_id'] ?? '');
    return send(reply, request, 'Legacy token', html`<h1>Legacy token</h1><p>Shown this once. It holds every scope of its member, for as long as it lives.</p>
${secretField('Token', token, 'token')}
<p><a href="/admin/workspaces/${teamId}">Back to the workspace</a></p>`);
  });
}
