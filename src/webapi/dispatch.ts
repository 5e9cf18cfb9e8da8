import { SlackError } from '../domain/errors.ts';
import { TokenRefused, type Authenticator, type AuthContext } from './authenticate.ts';
import { parseApiRequest, type RawApiRequest } from './parse.ts';
import type { RateLimits } from './ratelimit.ts';
import { coerceArgs, type MethodContext, type MethodRegistry, type MethodSpec } from './registry.ts';
import type { Services } from './services.ts';
import { withoutSecrets, type RequestLog } from './request-log.ts';
import type { Faults } from './faults.ts';
import type { LastUsed } from './last-used.ts';
import { holdsScope, missingScope } from './scopes.ts';

/** One Web API answer, before it becomes HTTP: the body, and what the adapter turns into headers. */
export interface ApiAnswer {
  status: 200 | 429;
  body: Record<string, unknown>;
  /** The calling token's scopes (X-OAuth-Scopes), once the token is known. */
  scopes: readonly string[] | undefined;
  /** The scopes the method accepts for that token (X-Accepted-OAuth-Scopes). */
  acceptedScopes: readonly string[] | undefined;
  retryAfterSeconds: number | undefined;
  /** For logs and metrics: the method, the token's kind, the outcome. */
  outcome: { method: string; tokenKind: string | null; error: string | null };
}

export interface ApiRequest extends RawApiRequest {
  methodName: string;
  remoteAddress: string;
}

export interface DispatchLogger {
  error(details: Record<string, unknown>, message: string): void;
}

/** parse → authenticate → method, in the order of slack-compat.md §2 and §3; every failure becomes an answer. */
export class WebApi {
  readonly #registry: MethodRegistry;
  readonly #authenticator: Authenticator;
  readonly #rateLimits: RateLimits;
  readonly #services: Services;
  readonly #log: DispatchLogger;
  readonly #requests: RequestLog | undefined;
  readonly #faults: Faults | undefined;
  readonly #lastUsed: LastUsed | undefined;
  /** client_id → app id, for logging and faults of the oauth.* methods (client ids never change). */
  readonly #clientApps = new Map<string, string | null>();

  constructor(registry: MethodRegistry, authenticator: Authenticator, rateLimits: RateLimits, services: Services, log: DispatchLogger, observe: { requests?: RequestLog; faults?: Faults; lastUsed?: LastUsed } = {}) {
    this.#requests = observe.requests;
    this.#faults = observe.faults;
    this.#lastUsed = observe.lastUsed;
    this.#registry = registry;
    this.#authenticator = authenticator;
    this.#rateLimits = rateLimits;
    this.#services = services;
    this.#log = log;
  }

  async handle(request: ApiRequest): Promise<ApiAnswer> {
    const started = performance.now();
    let auth: AuthContext | null = null;
    let refused: AuthContext | null = null;
    let appId: string | null = null;
    let args: Record<string, unknown> = {};
    const answer: ApiAnswer = {
      status: 200,
      body: { ok: true },
      scopes: undefined,
      acceptedScopes: undefined,
      retryAfterSeconds: undefined,
      outcome: { method: request.methodName, tokenKind: null, error: null },
    };
    try {
      const spec = this.#registry.get(request.methodName);
      if (!spec) throw new SlackError('unknown_method');
      const parsed = parseApiRequest(request);
      args = parsed.args;
      if (spec.tokens !== 'none') {
        if (spec.headerOnly && parsed.token !== undefined && !parsed.tokenFromHeader) throw new SlackError('not_authed');
        auth = await this.#authenticator.authenticate(parsed.token, parsed.tokenInQuery, request.remoteAddress);
        answer.outcome.tokenKind = auth.kind;
        answer.scopes = auth.effectiveScopes;
        answer.acceptedScopes = [...(spec.scopes?.[auth.tokenClass] ?? []), ...(spec.anyScopes?.[auth.tokenClass] ?? [])];
        if (!spec.tokens.includes(auth.tokenClass)) throw new SlackError('not_allowed_token_type');
        checkScopes(spec, auth);
        const key = `${spec.name}:${auth.teamId ?? '-'}:${auth.appId ?? auth.userId ?? '-'}`;
        if (spec.rateLimit) {
          const per = parsed.args[spec.rateLimit.perArgument];
          await this.#rateLimits.consume(spec.tier, `${key}:${typeof per === 'string' ? per : '-'}`, { points: spec.rateLimit.points, seconds: spec.rateLimit.seconds });
        } else await this.#rateLimits.consume(spec.tier, key);
        appId = auth.appId;
        this.#lastUsed?.used(auth.digest, this.#services.clock.now());
      } else {
        const client = typeof parsed.args['client_id'] === 'string' ? parsed.args['client_id'] : request.remoteAddress;
        await this.#rateLimits.consume(spec.tier, `${spec.name}:client:${client}`);
        if (typeof parsed.args['client_id'] === 'string') appId = await this.#appOfClient(parsed.args['client_id']);
      }
      this.#faults?.check(appId, spec.name);
      const coerced = coerceArgs(spec.args, parsed.args);
      const result = await spec.handler({
        method: spec.name,
        args: coerced as MethodContext['args'],
        auth,
        services: this.#services,
        basicAuthorization: parsed.basicAuthorization,
        presentedToken: spec.tokens === 'none' ? parsed.token : undefined,
        remoteAddress: request.remoteAddress,
      });
      answer.body = { ok: true, ...result };
      // A method's own warning (conversations.join's `already_in_channel`) comes first, the request's after it.
      const warnings = [...(typeof result['warning'] === 'string' ? result['warning'].split(',') : []), ...parsed.warnings];
      if (warnings.length > 0) {
        answer.body['warning'] = warnings.join(',');
        const metadata = (answer.body['response_metadata'] as Record<string, unknown> | undefined) ?? {};
        answer.body['response_metadata'] = { ...metadata, warnings };
      }
    } catch (error) {
      if (error instanceof TokenRefused) refused = error.auth;
      const failure = error instanceof SlackError ? error : this.#unexpected(error, request.methodName);
      answer.body = { ok: false, error: failure.code, ...failure.fields };
      answer.outcome.error = failure.code;
      if (failure.retryAfterSeconds !== undefined) {
        answer.status = 429;
        answer.retryAfterSeconds = failure.retryAfterSeconds;
      }
    }
    this.#requests?.record({
      at: new Date(this.#services.clock.now()).toISOString(),
      method: request.methodName,
      tokenKind: answer.outcome.tokenKind ?? refused?.kind ?? null,
      appId: appId ?? refused?.appId ?? null,
      teamId: (auth ?? refused)?.teamId ?? null,
      userId: (auth ?? refused)?.userId ?? null,
      scopes: auth?.effectiveScopes ?? [],
      args: withoutSecrets(args),
      ok: answer.outcome.error === null,
      error: answer.outcome.error,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    });
    return answer;
  }

  async #appOfClient(clientId: string): Promise<string | null> {
    if (this.#clientApps.has(clientId)) return this.#clientApps.get(clientId)!;
    const app = clientId.length <= 128 ? await this.#services.store.apps.byClientId(clientId) : null;
    // Unknown clients are not remembered: the map must not grow with whatever strangers send.
    if (app) {
      if (this.#clientApps.size > 10_000) this.#clientApps.clear();
      this.#clientApps.set(clientId, app.id);
    }
    return app?.id ?? null;
  }

  #unexpected(error: unknown, method: string): SlackError {
    const err = error as { name?: string; code?: string; message?: string };
    // A database that is down or timing out is transient; anything else is our bug, logged without arguments.
    const transient = err?.name === 'DatabaseUnavailable' || /ECONNREFUSED|ECONNRESET|timeout|terminat|SQLITE_BUSY|database is locked/i.test(`${err?.code ?? ''} ${err?.message ?? ''}`);
    this.#log.error({ method, error: err?.name, code: err?.code, message: err?.message }, 'web api method failed');
    return new SlackError(transient ? 'service_unavailable' : 'internal_error');
  }
}

function checkScopes(spec: MethodSpec, auth: AuthContext): void {
  const needed = spec.scopes?.[auth.tokenClass] ?? [];
  const missing = needed.filter((s) => !holdsScope(auth, s));
  if (missing.length > 0) throw missingScope(auth, missing);
  const anyOf = spec.anyScopes?.[auth.tokenClass] ?? [];
  if (anyOf.length > 0 && !anyOf.some((s) => holdsScope(auth, s))) throw missingScope(auth, anyOf);
}
