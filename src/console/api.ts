import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../log.ts';
import type { AdminAccess } from './access.ts';
import { AdminError, type AdminService } from './admin.ts';
import type { ClockSync } from './clock-sync.ts';
import type { AuditRepository } from '../store/audit.ts';
import type { Store } from '../store/index.ts';
import { OPENAPI } from './openapi.ts';
import type { Faults } from '../webapi/faults.ts';
import type { RequestLog } from '../webapi/request-log.ts';
import { InstallError, type HeadlessInstall, type InstallRedirect, type OAuthAnswer } from '../install/headless.ts';
import { installAnswer, readInstallBody } from '../install/admin-body.ts';

export interface AdminApiDeps {
  clock: Clock;
  clockSync: ClockSync;
  access: AdminAccess;
  admin: AdminService;
  logger: Logger;
  publicUrl(): string;
  requests: RequestLog;
  faults: Faults;
  audit: AuditRepository;
  store: Store;
  /** Writes pending last-used times, so a listing of tokens is current. */
  flushLastUsed(): Promise<void>;
  /** An event_context for an app's event in a workspace, as event deliveries carry (for apps.event.authorizations.list). */
  eventContext(appId: string, teamId: string): Promise<string | null>;
  /** A member's consent without a browser (src/install/headless.ts). */
  install(request: HeadlessInstall): Promise<InstallRedirect | OAuthAnswer>;
}

type Who = { kind: 'token' } | { kind: 'member'; userId: string };

function fail(reply: FastifyReply, status: number, error: string, detail?: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ ok: false, error, ...(detail ? { detail } : {}) });
}

/**
 * The admin JSON API (`/admin/api/...`), for test suites and the console. A bearer admin token, or the session
 * of a workspace owner or admin. Writes take JSON only: a cross-site form cannot send it, so a member's cookie
 * cannot be ridden to move the clock.
 */
export function registerAdminApi(app: FastifyInstance, deps: AdminApiDeps): void {
  async function authorise(request: FastifyRequest, reply: FastifyReply): Promise<Who | null> {
    const { admin, verdict } = await deps.access.who(request, reply);
    if (admin) return admin.kind === 'token' ? { kind: 'token' } : { kind: 'member', userId: admin.userId };
    if (verdict === 'invalid') fail(reply, 401, 'invalid_auth');
    else if (verdict === 'denied') fail(reply, 403, 'not_allowed', 'only a workspace owner or admin may use the admin API');
    else fail(reply, 401, 'not_authed');
    return null;
  }

  const clockAnswer = () => ({ ok: true, now: new Date(deps.clock.now()).toISOString(), offset_seconds: Math.round(deps.clock.offsetMs / 1000) });

  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('invalid_json'), { statusCode: 400 }), undefined);
      }
    });
    scope.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
      if (error instanceof AdminError) return fail(reply, error.status, error.code, error.message);
      if (error.statusCode === 415) return fail(reply, 415, 'invalid_post_type', 'send application/json');
      if (error.statusCode === 413) return fail(reply, 413, 'request_too_large');
      if (error.statusCode !== undefined && error.statusCode < 500) return fail(reply, 400, 'invalid_json');
      deps.logger.error({ err: { message: error.message } }, 'admin api failed');
      return fail(reply, 500, 'internal_error');
    });
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    scope.get('/admin/api/clock', async (request, reply) => {
      if ((await authorise(request, reply)) === null) return reply;
      return clockAnswer();
    });

    const query = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
    const positive = (text: string | undefined, max: number) => (text && /^[0-9]{1,7}$/.test(text) ? Math.min(Number(text), max) : undefined);

    scope.get('/admin/api/requests', async (request, reply) => {
      if ((await authorise(request, reply)) === null) return reply;
      const q = query(request);
      return { ok: true, requests: deps.requests.list({ appId: q['app_id'], method: q['method'], afterId: positive(q['after'], 1e9), limit: positive(q['limit'], 1000) ?? 200 }) };
    });

    scope.delete('/admin/api/requests', async (request, reply) => {
      if ((await authorise(request, reply)) === null) return reply;
      deps.requests.clear();
      return { ok: true };
    });

    scope.get('/admin/api/audit', async (request, reply) => {
      if ((await authorise(request, reply)) === null) return reply;
      const q = query(request);
      return { ok: true, events: await deps.audit.list({ appId: q['app_id'], event: q['event'], limit: positive(q['limit'], 1000) }) };
    });

    scope.get('/admin/api/faults', async (request, reply) => {
      if ((await authorise(request, reply)) === null) return reply;
      return { ok: true, faults: deps.faults.list() };
    });

    scope.post('/admin/api/faults', async (request, reply) => {
      const who = await authorise(request, reply);
      if (who === null) return reply;
      const b = (request.body ?? {}) as Record<string, unknown>;
      const text = (v: unknown) => (typeof v === 'string' && v.length <= 100 ? v : undefined);
      const times = b['times'] === undefined ? 1 : b['times'];
      if (typeof times !== 'number') return fail(reply, 400, 'invalid_arguments', 'times must be a number');
      try {
        const common = { appId: text(b['app_id']) ?? null, method: text(b['method']) ?? null, times };
        const fault =
          b['rate_limit'] !== undefined
            ? deps.faults.rateLimit({ ...common, retryAfter: typeof (b['rate_limit'] as Record<string, unknown> | null)?.['retry_after'] === 'number' ? ((b['rate_limit'] as Record<string, unknown>)['retry_after'] as number) : undefined })
            : deps.faults.add({ ...common, error: text(b['error']) ?? '' });
        deps.logger.info({ event: 'fault_added', by: who.kind === 'token' ? 'admin_token' : who.userId, app: fault.appId, method: fault.method, error: fault.error }, 'fault injected');
        return { ok: true, fault };
      } catch (error) {
        if (error instanceof RangeError) return fail(reply, 400, 'invalid_arguments', error.message);
        throw error;
      }
    });

    scope.delete('/admin/api/faults', async (request, reply) => {
      if ((await authorise(request, reply)) === null) return reply;
      deps.faults.clear();
      return { ok: true };
    });

    // The console's own operations (src/console/admin.ts), each as JSON.
    const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
    const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const params = (request: FastifyRequest) => request.params as Record<string, string>;
    const guarded = <T>(handler: (request: FastifyRequest) => Promise<T>) => async (request: FastifyRequest, reply: FastifyReply) => {
      if ((await authorise(request, reply)) === null) return reply;
      return handler(request);
    };

    scope.get('/admin/api/workspaces', guarded(async () => ({ ok: true, workspaces: await deps.store.console.teams() })));
    scope.get('/admin/api/workspaces/:team/members', guarded(async (r) => ({ ok: true, members: await deps.store.console.members(params(r)['team']!) })));
    scope.post('/admin/api/workspaces/:team/members', guarded(async (r) => {
      const b = body(r);
      return { ok: true, ...(await deps.admin.inviteMember({ team_id: params(r)['team']!, name: str(b['name']), real_name: str(b['real_name']), email: str(b['email']), role: (str(b['role']) || 'member') as 'member' })) };
    }));
    scope.post('/admin/api/members/:user/role', guarded(async (r) => {
      await deps.admin.setRole(params(r)['user']!, str(body(r)['role']));
      return { ok: true };
    }));
    scope.get('/admin/api/apps', guarded(async () => ({ ok: true, apps: await deps.store.console.apps() })));
    scope.post('/admin/api/apps', guarded(async (r) => {
      const b = body(r);
      const credentials = await deps.admin.createApp({ name: str(b['name']), team_id: str(b['team_id']), redirect_urls: strings(b['redirect_urls']) ?? [], bot_scopes: strings(b['bot_scopes']) ?? [], user_scopes: strings(b['user_scopes']) ?? [], token_rotation: b['token_rotation'] === true });
      return { ok: true, ...credentials };
    }));
    scope.get('/admin/api/apps/:app', guarded(async (r) => {
      const app = await deps.store.apps.byId(params(r)['app']!);
      if (!app) throw new AdminError('app_not_found', 'There is no such app.', 404);
      const { client_secret_digest: _c, previous_client_secret_digest: _p, previous_client_secret_expires_at: _e, ...shown } = app;
      return { ok: true, app: shown, installations: await deps.store.console.installations({ appId: app.id }), app_tokens: await deps.store.console.tokens({ appLevelOf: app.id }) };
    }));
    scope.post('/admin/api/apps/:app/settings', guarded(async (r) => {
      const b = body(r);
      await deps.admin.updateApp(params(r)['app']!, { redirect_urls: strings(b['redirect_urls']), bot_scopes: strings(b['bot_scopes']), user_scopes: strings(b['user_scopes']), ip_allowlist: strings(b['ip_allowlist']) });
      return { ok: true };
    }));
    scope.post('/admin/api/apps/:app/regenerate', guarded(async (r) => {
      const which = str(body(r)['secret']);
      if (which !== 'client' && which !== 'signing' && which !== 'verification') throw new AdminError('invalid_arguments', 'secret is client, signing or verification.');
      return { ok: true, secret: which, value: await deps.admin.regenerate(params(r)['app']!, which) };
    }));
    scope.post('/admin/api/apps/:app/request_url', guarded(async (r) => {
      const url = body(r)['url'];
      await deps.admin.setRequestUrl(params(r)['app']!, typeof url === 'string' && url !== '' ? url : null);
      return { ok: true };
    }));
    scope.post('/admin/api/apps/:app/socket_mode', guarded(async (r) => {
      await deps.admin.setSocketMode(params(r)['app']!, body(r)['on'] === true);
      return { ok: true };
    }));
    scope.post('/admin/api/apps/:app/token_rotation', guarded(async (r) => {
      await deps.admin.turnOnRotation(params(r)['app']!);
      return { ok: true, token_rotation: true };
    }));
    scope.post('/admin/api/apps/:app/app_tokens', guarded(async (r) => ({ ok: true, token: await deps.admin.issueAppToken(params(r)['app']!, strings(body(r)['scopes']) ?? []) })));
    scope.get('/admin/api/installations', guarded(async (r) => ({ ok: true, installations: await deps.store.console.installations({ appId: query(r)['app_id'], teamId: query(r)['team_id'] }) })));
    scope.get('/admin/api/installations/:id/tokens', guarded(async (r) => {
      await deps.flushLastUsed();
      return { ok: true, tokens: await deps.store.console.tokens({ installationId: params(r)['id']! }) };
    }));
    scope.post('/admin/api/installations/:id/uninstall', guarded(async (r) => {
      await deps.admin.uninstall(params(r)['id']!);
      return { ok: true };
    }));
    scope.post('/admin/api/tokens/revoke', guarded(async (r) => ({ ok: true, revoked: await deps.admin.revokeToken(str(body(r)['id'])) })));
    scope.post('/admin/api/config_tokens', guarded(async (r) => ({ ok: true, ...(await deps.admin.issueConfigToken(str(body(r)['team_id']), str(body(r)['user_id']))) })));
    scope.post('/admin/api/legacy_tokens', guarded(async (r) => ({ ok: true, token: await deps.admin.issueLegacyToken(str(body(r)['team_id']), str(body(r)['user_id'])) })));
    scope.get('/admin/api/openapi.json', guarded(async () => OPENAPI));

    scope.post('/admin/api/event_context', async (request, reply) => {
      if ((await authorise(request, reply)) === null) return reply;
      const { app_id: appId, team_id: teamId } = (request.body ?? {}) as Record<string, unknown>;
      if (typeof appId !== 'string' || typeof teamId !== 'string') return fail(reply, 400, 'invalid_arguments', 'send {"app_id": "A…", "team_id": "T…"}');
      const context = await deps.eventContext(appId, teamId);
      if (context === null) return fail(reply, 404, 'not_installed', 'the app is not installed in that workspace');
      return { ok: true, event_context: context };
    });

    scope.post('/admin/api/clock', async (request, reply) => {
      const who = await authorise(request, reply);
      if (who === null) return reply;
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(reply, 400, 'invalid_arguments', 'send {"advance_seconds": N} or {"now": "<ISO 8601>"}');
      const { advance_seconds: advance, now } = body as Record<string, unknown>;
      try {
        if (typeof advance === 'number' && now === undefined && Number.isFinite(advance)) await deps.clockSync.advance(advance);
        else if (typeof now === 'string' && advance === undefined && /^\d{4}-\d\d-\d\dT/.test(now) && Number.isFinite(Date.parse(now))) await deps.clockSync.set(Date.parse(now));
        else return fail(reply, 400, 'invalid_arguments', 'send {"advance_seconds": N} or {"now": "<ISO 8601>"}');
      } catch (error) {
        if (error instanceof RangeError) return fail(reply, 400, 'invalid_arguments', error.message);
        throw error;
      }
      deps.logger.info({ event: 'clock_moved', by: who.kind === 'token' ? 'admin_token' : who.userId, now: new Date(deps.clock.now()).toISOString() }, 'clock moved');
      return clockAnswer();
    });

    // The test kit's headless install, for suites in other languages: the redirect with its code, or the exchange's answer.
    scope.post('/admin/api/install', async (request, reply) => {
      const who = await authorise(request, reply);
      if (who === null) return reply;
      const install = readInstallBody(request.body);
      if (typeof install === 'string') return fail(reply, 400, 'invalid_arguments', install);
      try {
        const result = await deps.install(install);
        deps.logger.info({ event: 'headless_install', by: who.kind === 'token' ? 'admin_token' : who.userId, exchange: install.exchange === true }, 'headless install');
        return installAnswer(result);
      } catch (error) {
        if (error instanceof InstallError) return fail(reply, 400, error.code, error.detail);
        throw error;
      }
    });
  });
}
