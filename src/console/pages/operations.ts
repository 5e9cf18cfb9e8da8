import type { FastifyInstance } from 'fastify';
import { html } from '../../oauth/html.ts';
import type { ConsoleDeps, Context, Send } from './index.ts';
import { action, when } from './layout.ts';

/**
 * The live request log's only script: it asks the admin API for calls newer than the last row shown and adds
 * them. The page works without it (reload to refresh).
 */
export const LIVE_LOG_SCRIPT = `
'use strict';
(() => {
  const body = document.querySelector('#requests tbody');
  const status = document.querySelector('#live');
  if (!body || !status) return;
  let after = Number(body.dataset.after || 0);
  const cell = (text) => { const td = document.createElement('td'); td.textContent = text; return td; };
  async function poll() {
    try {
      const response = await fetch('/admin/api/requests?after=' + after + '&limit=200', { credentials: 'same-origin' });
      const answer = await response.json();
      for (const r of answer.requests || []) {
        const tr = document.createElement('tr');
        for (const text of [r.at.replace('T', ' ').replace(/\\.\\d+Z$/, ' UTC'), r.method, r.tokenKind || '—', r.appId || '—', (r.scopes || []).join(', '), r.ok ? 'ok' : r.error, r.latencyMs + ' ms']) tr.appendChild(cell(text));
        body.insertBefore(tr, body.firstChild);
        after = Math.max(after, r.id);
      }
      status.textContent = 'Live: updated ' + new Date().toLocaleTimeString();
    } catch {
      status.textContent = 'Live updates paused; reload the page.';
    }
  }
  setInterval(poll, 2000);
  poll();
})();
`;

/** The clock and fault injection panel, the request log and the audit log. */
export function registerOperationsPages(scope: FastifyInstance, deps: ConsoleDeps, context: Context, send: Send): void {
  scope.get('/admin/clock', async (request, reply) => {
    const { session } = context(request);
    const faults = deps.faults.list();
    return send(reply, request, 'Clock and faults', html`<h1>Clock and faults</h1>
<h2>Clock</h2>
<p>Tessera's time is <strong>${when(deps.clock.now())}</strong>${deps.clock.offsetMs !== 0 ? html`, ${Math.round(deps.clock.offsetMs / 1000)} seconds from real time` : ', real time'}. Every expiry follows it.</p>
${action('/admin/clock', session.csrf, html`<label for="advance_seconds">Move by (seconds; negative moves back)</label><input id="advance_seconds" name="advance_seconds" type="number" step="1" value="3600"><div class="actions"></div>`, 'Move the clock')}
${action('/admin/clock', session.csrf, html`<input type="hidden" name="reset" value="1">`, 'Back to real time')}
<h2>Faults</h2>
<p>Answer an app's next calls of a method with an error, or rate-limit them. Faults live in this process.</p>
${
  faults.length === 0
    ? html`<p class="muted">None pending.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th>App</th><th>Method</th><th>Answer</th><th>Calls left</th></tr></thead><tbody>${faults.map((f) => html`<tr><td>${f.appId ?? 'any'}</td><td>${f.method ?? 'any'}</td><td>${f.error}${f.retryAfter !== null ? ` (Retry-After ${f.retryAfter})` : ''}</td><td>${f.remaining}</td></tr>`)}</tbody></table></div>
${action('/admin/faults/clear', session.csrf, '', 'Remove every fault', { danger: true })}`
}
${action(
  '/admin/faults',
  session.csrf,
  html`<label for="app_id">App ID (empty: every app)</label><input id="app_id" name="app_id" type="text">
<label for="method">Method (empty: every method)</label><input id="method" name="method" type="text" placeholder="chat.postMessage">
<label for="error">Error (or <code>ratelimited</code>)</label><input id="error" name="error" type="text" value="internal_error" required>
<label for="retry_after">Retry-After seconds (for ratelimited)</label><input id="retry_after" name="retry_after" type="number" value="30" min="1">
<label for="times">Calls</label><input id="times" name="times" type="number" value="1" min="1">
<div class="actions"></div>`,
  'Add fault',
)}`);
  });

  scope.post('/admin/clock', async (request, reply) => {
    const f = context(request).form;
    if (f['reset'] === '1') await deps.clockSync.set(Date.now());
    else {
      const seconds = Number(f['advance_seconds']);
      if (!Number.isFinite(seconds)) return reply.code(400).send();
      await deps.clockSync.advance(seconds);
    }
    return reply.redirect('/admin/clock', 303);
  });

  scope.post('/admin/faults', async (request, reply) => {
    const f = context(request).form;
    const common = { appId: f['app_id'] || null, method: f['method'] || null, times: Number(f['times'] || 1) };
    try {
      if (f['error'] === 'ratelimited') deps.faults.rateLimit({ ...common, retryAfter: Number(f['retry_after'] || 30) });
      else deps.faults.add({ ...common, error: f['error'] ?? '' });
    } catch (error) {
      if (error instanceof RangeError) return send(reply, request, 'Not done', html`<h1>That was not done</h1><p class="error" role="alert">${error.message}</p><p><a href="/admin/clock">Back</a></p>`, 400);
      throw error;
    }
    return reply.redirect('/admin/clock', 303);
  });

  scope.post('/admin/faults/clear', async (_request, reply) => {
    deps.faults.clear();
    return reply.redirect('/admin/clock', 303);
  });

  scope.get('/admin/requests', async (request, reply) => {
    const entries = deps.requests.list({ limit: 200 }).reverse();
    return send(
      reply,
      request,
      'Request log',
      html`<h1>Request log</h1>
<p id="live" class="muted" aria-live="polite">The last Web API calls this process answered, newest first.</p>
<div class="table-wrap"><table id="requests"><thead><tr><th>Time</th><th>Method</th><th>Token</th><th>App</th><th>Scopes</th><th>Outcome</th><th>Latency</th></tr></thead><tbody data-after="${entries[0]?.id ?? 0}">
${entries.map((r) => html`<tr><td>${r.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</td><td>${r.method}</td><td>${r.tokenKind ?? '—'}</td><td>${r.appId ?? '—'}</td><td>${r.scopes.join(', ')}</td><td>${r.ok ? 'ok' : r.error}</td><td>${r.latencyMs} ms</td></tr>`)}
</tbody></table></div>`,
      200,
      { scripts: ['/assets/console.js'] },
    );
  });

  scope.get('/admin/audit', async (request, reply) => {
    const events = await deps.store.audit.list({ limit: 300 });
    return send(reply, request, 'Audit log', html`<h1>Audit log</h1>
<p class="muted">Installs, consents, revocations, rotations, refresh-token reuse, failed secret checks and sign-ins; newest first.</p>
<div class="table-wrap"><table><thead><tr><th>Time</th><th>Event</th><th>App</th><th>Workspace</th><th>Details</th></tr></thead><tbody>
${events.map((e) => html`<tr><td>${when(e.at)}</td><td>${e.event}</td><td>${e.appId ?? ''}</td><td>${e.teamId ?? ''}</td><td><code>${JSON.stringify(e.details)}</code></td></tr>`)}
</tbody></table></div>`);
  });
}
