import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redirectWith, validateAuthorize, type AuthorizeFlow, type AuthorizeQuery, type ValidRequest } from '../domain/authorize-request.ts';
import { SCOPES } from '../domain/scopes.ts';
import type { AppRecord } from '../store/apps.ts';
import type { SignedInMember } from '../store/sessions.ts';
import { html, page, type SafeHtml } from './html.ts';
import type { PageDeps } from './deps.ts';
import { signedInHeader } from './login.ts';
import type { BrowserSession } from './session.ts';
import { contentSecurityPolicy } from './security.ts';
import { issueCode } from '../install/consent.ts';

export { CODE_TTL_MS } from '../install/consent.ts';
const REQUEST_TTL_MS = 30 * 60 * 1000;

const QUERY_KEYS = ['client_id', 'scope', 'user_scope', 'redirect_uri', 'state', 'team', 'code_challenge', 'code_challenge_method', 'response_type', 'nonce'] as const;

/** The stored form of a pending request: only what the member saw. Everything is checked again on submit. */
interface StoredRequest {
  query: AuthorizeQuery;
}

export function errorPage(reply: FastifyReply, status: number, title: string, message: string | SafeHtml): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(page({ title, body: html`<h1>${title}</h1><p class="error" role="alert">${message}</p>` }));
}

/** The query of an authorize URL; a parameter given twice is refused (RFC 6749 §3.1). */
export function readQuery(request: FastifyRequest): Record<string, string> | null {
  const url = request.raw.url ?? '';
  const q = url.indexOf('?');
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const out: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k in out) return null;
    out[k] = v;
  }
  return out;
}

function toQuery(raw: Record<string, string>): AuthorizeQuery {
  const q: AuthorizeQuery = {};
  for (const key of QUERY_KEYS) if (raw[key] !== undefined) q[key] = raw[key];
  return q;
}

/** Workspaces the member may install into: those they are signed in to, and only the app's own unless distributed. */
function eligible(members: readonly SignedInMember[], app: AppRecord): SignedInMember[] {
  return members.filter((m) => app.distributed || m.team_id === app.team_id);
}

function scopeList(scopes: readonly string[]): SafeHtml {
  return html`<ul class="scopes">${scopes.map((s) => html`<li>${SCOPES.get(s)?.description ?? s} <code>${s}</code></li>`)}</ul>`;
}

interface ConsentView {
  session: BrowserSession;
  app: AppRecord;
  request: ValidRequest;
  requestId: string;
  teams: SignedInMember[];
  preselectedTeam: string | null;
  channels: Map<string, Array<{ id: string; name: string }>>;
  error?: string;
}

function consentPage(v: ConsentView): string {
  const single = v.teams.length === 1 ? v.teams[0]! : null;
  const teamName = single ? single.team_name : null;
  const signIn = v.request.flow === 'oidc';
  // A classic request grants every scope to the user token, but `bot` adds a bot user: show it where a member expects.
  const classicBot = v.request.flow === 'v1' && v.request.userScopes.includes('bot');
  const botScopes = classicBot ? ['bot'] : v.request.botScopes;
  const userScopes = classicBot ? v.request.userScopes.filter((s) => s !== 'bot') : v.request.userScopes;
  const channelGroups = [...v.channels.entries()].filter(([, list]) => list.length > 0);
  return page({
    title: signIn ? `Sign in to ${v.app.name}` : `Install ${v.app.name}`,
    signedIn: signedInHeader(v.session),
    body: html`<h1>${
      signIn
        ? html`Sign in to ${v.app.name} with your ${teamName ? html`<strong>${teamName}</strong> account` : 'workspace account'}`
        : html`${v.app.name} is requesting permission to access ${teamName ? html`the <strong>${teamName}</strong> workspace` : 'a workspace'}`
    }</h1>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<form method="post" action="/oauth/consent">
  <input type="hidden" name="csrf" value="${v.session.csrf}">
  <input type="hidden" name="request" value="${v.requestId}">
  ${
    single
      ? html`<input type="hidden" name="team" value="${single.team_id}"><p class="muted">${signIn ? 'Signing in' : 'Installing'} as ${single.real_name} in ${single.team_name}.</p>`
      : html`<label for="team">Workspace</label>
  <select id="team" name="team" required>${v.teams.map((t) => html`<option value="${t.team_id}"${t.team_id === v.preselectedTeam ? html` selected` : ''}>${t.team_name}</option>`)}</select>`
  }
  ${
    v.request.wantsWebhook
      ? html`<label for="channel">Channel</label>
  <select id="channel" name="channel" required>${
    channelGroups.length === 1
      ? channelGroups[0]![1].map((c) => html`<option value="${c.id}">#${c.name}</option>`)
      : channelGroups.map(([teamId, list]) => html`<optgroup label="${v.teams.find((t) => t.team_id === teamId)?.team_name ?? teamId}">${list.map((c) => html`<option value="${c.id}">#${c.name}</option>`)}</optgroup>`)
  }</select>
  <p class="muted">${v.app.name} will be able to post to the channel you choose.</p>`
      : ''
  }
  ${botScopes.length > 0 ? html`<h2>What ${v.app.name} will be able to do as a bot</h2><div class="card">${scopeList(botScopes)}</div>` : ''}
  ${userScopes.length > 0 ? html`<h2>${signIn ? `What ${v.app.name} will learn about you` : `What ${v.app.name} will be able to do on your behalf`}</h2><div class="card">${scopeList(userScopes)}</div>` : ''}
  <div class="actions">
    <button type="submit" name="decision" value="allow" class="primary">Allow</button>
    <button type="submit" name="decision" value="cancel">Cancel</button>
  </div>
</form>`,
  });
}

/** A member's Allow; Sign in with Slack's code also carries when the member signed in. */
function allow(deps: PageDeps, valid: ValidRequest, member: SignedInMember, channelId: string | null, now: number): Promise<{ redirectUrl: string }> {
  const authTime = valid.flow === 'oidc' ? member.signed_in_at : null;
  return issueCode(deps.store, { request: valid, teamId: member.team_id, userId: member.user_id, channelId, authTime, now });
}

/** Sign in with Slack asks once: a member who already granted these scopes to the app goes straight back to it. */
async function alreadyGranted(deps: PageDeps, valid: ValidRequest, member: SignedInMember): Promise<boolean> {
  if (valid.flow !== 'oidc') return false;
  const granted = await deps.store.openid.grantedScopes(valid.appId, member.team_id, member.user_id);
  return valid.userScopes.every((s) => granted.includes(s));
}

export function registerAuthorize(app: FastifyInstance, deps: PageDeps): void {
  const authorize = (flow: AuthorizeFlow) => async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = readQuery(request);
    if (raw === null) return errorPage(reply, 400, 'Bad request', 'A parameter of this link is given more than once.');
    const query = toQuery(raw);
    const target = query.client_id ? await deps.store.apps.byClientId(query.client_id) : null;
    const outcome = validateAuthorize(flow, query, target);
    if (outcome.kind === 'page_error') return errorPage(reply, outcome.status, 'This link does not work', outcome.message);
    if (outcome.kind === 'redirect_error') return reply.redirect(redirectWith(outcome.redirectTarget, { error: outcome.error, state: outcome.state }), 302);
    const appRecord = target!;

    const session = await deps.sessions.read(request, reply);
    if (session.members.length === 0) {
      return reply.redirect(`/login?next=${encodeURIComponent(request.raw.url ?? '/')}`, 302);
    }
    const teams = eligible(session.members, appRecord);
    if (teams.length === 0) {
      return reply.redirect(redirectWith(outcome.request.redirectTarget, { error: 'invalid_team_for_non_distributed_app', state: outcome.request.state }), 302);
    }
    const preselected = outcome.request.team !== null && teams.some((t) => t.team_id === outcome.request.team) ? outcome.request.team : null;
    // Only the member's team choice is shown when the `team` hint names one they are signed in to.
    const shown = preselected !== null ? teams.filter((t) => t.team_id === preselected) : teams;
    if (shown.length === 1 && (await alreadyGranted(deps, outcome.request, shown[0]!))) {
      const member = shown[0]!;
      deps.audit({ event: 'consent_remembered', app: appRecord.id, team: member.team_id, user: member.user_id, flow });
      return reply.redirect((await allow(deps, outcome.request, member, null, deps.clock.now())).redirectUrl, 302);
    }
    const requestId = randomBytes(18).toString('base64url');
    const stored: StoredRequest = { query };
    await deps.store.sessions.createRequest({ id: requestId, sessionDigest: session.digest, flow, appId: appRecord.id, params: stored, now: deps.clock.now(), ttlMs: REQUEST_TTL_MS });
    const channels = new Map<string, Array<{ id: string; name: string }>>();
    if (outcome.request.wantsWebhook) {
      for (const t of teams) channels.set(t.team_id, await deps.store.sessions.channelsFor(t.user_id, t.team_id));
    }
    reply.header('content-security-policy', contentSecurityPolicy([new URL(outcome.request.redirectTarget).origin]));
    return reply
      .type('text/html; charset=utf-8')
      .send(consentPage({ session, app: appRecord, request: outcome.request, requestId, teams: shown, preselectedTeam: preselected, channels }));
  };

  app.get('/oauth/authorize', authorize('v1'));
  app.get('/oauth/v2/authorize', authorize('v2'));
  app.get('/openid/connect/authorize', authorize('oidc'));

  app.post('/oauth/consent', async (request, reply) => {
    const session = await deps.sessions.read(request, reply);
    const form = request.body as Record<string, string>;
    if (!deps.sessions.csrfValid(session, form['csrf'])) {
      return errorPage(reply, 403, 'This form has expired', 'The form was not sent from this browser’s Tessera page. Start the installation again from the app.');
    }
    const pending = typeof form['request'] === 'string' ? await deps.store.sessions.request(form['request'], session.digest) : null;
    const now = deps.clock.now();
    if (pending === null || pending.expires_at <= now || pending.decided_at !== null || (pending.flow !== 'v1' && pending.flow !== 'v2' && pending.flow !== 'oidc')) {
      return errorPage(reply, 400, 'This request is no longer valid', 'It has expired or was already answered. Start the installation again from the app.');
    }
    // Everything is checked again against the app as it is now; no hidden field is trusted.
    const query = (pending.params as StoredRequest).query;
    const appRecord = await deps.store.apps.byId(pending.app_id);
    const outcome = validateAuthorize(pending.flow, query, appRecord && appRecord.client_id === query.client_id ? appRecord : null);
    if (outcome.kind === 'page_error') return errorPage(reply, outcome.status, 'This link does not work', outcome.message);
    if (outcome.kind === 'redirect_error') return reply.redirect(redirectWith(outcome.redirectTarget, { error: outcome.error, state: outcome.state }), 302);
    const valid = outcome.request;
    const decision = form['decision'];
    if (decision === 'cancel') {
      await deps.store.sessions.decide(pending.id, now);
      deps.logger.info({ event: 'consent_denied', app: appRecord!.id, flow: pending.flow }, valid.flow === 'oidc' ? 'sign-in cancelled' : 'install cancelled');
      return reply.redirect(redirectWith(valid.redirectTarget, { error: 'access_denied', state: valid.state }), 302);
    }
    if (decision !== 'allow') return errorPage(reply, 400, 'Bad request', 'Choose Allow or Cancel.');
    const member = eligible(session.members, appRecord!).find((m) => m.team_id === form['team']);
    if (!member) return errorPage(reply, 400, 'Choose a workspace', 'Choose a workspace you are signed in to.');
    let channelId: string | null = null;
    if (valid.wantsWebhook) {
      const channels = await deps.store.sessions.channelsFor(member.user_id, member.team_id);
      channelId = channels.find((c) => c.id === form['channel'])?.id ?? null;
      if (channelId === null) return errorPage(reply, 400, 'Choose a channel', 'Choose a channel of the workspace you are installing into.');
    }
    if (!(await deps.store.sessions.decide(pending.id, now))) {
      return errorPage(reply, 400, 'This request is no longer valid', 'It was already answered.');
    }
    const { redirectUrl } = await allow(deps, valid, member, channelId, now);
    deps.logger.info({ event: 'consent_given', app: appRecord!.id, team: member.team_id, user: member.user_id, flow: pending.flow }, valid.flow === 'oidc' ? 'sign-in allowed' : 'install allowed');
    return reply.redirect(redirectUrl, 302);
  });
}
