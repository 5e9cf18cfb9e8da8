import { parseToken } from '../domain/token-strings.ts';

/** One Web API call as the console and the test kit show it: never a secret. */
export interface LoggedRequest {
  id: number;
  at: string;
  method: string;
  tokenKind: string | null;
  appId: string | null;
  teamId: string | null;
  userId: string | null;
  scopes: readonly string[];
  args: Record<string, unknown>;
  ok: boolean;
  error: string | null;
  latencyMs: number;
}

/** Arguments that carry secrets, whatever their value looks like. */
const SECRET_ARGS = new Set(['token', 'client_secret', 'code', 'refresh_token', 'code_verifier', 'password']);

/** An argument list fit to show: secret arguments and anything shaped like a token are replaced. */
export function withoutSecrets(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (SECRET_ARGS.has(k)) out[k] = '[redacted]';
    else if (typeof v === 'string' && (parseToken(v) !== null || /\bxox[a-z.]*-|\bxapp-/.test(v))) out[k] = '[redacted]';
    else if (typeof v === 'string' && v.length > 200) out[k] = `${v.slice(0, 200)}…`;
    else out[k] = v;
  }
  return out;
}

/**
 * The last calls this process answered, newest last, in a fixed-size ring so memory stays flat under load.
 * Listeners (the console's live view) hear each call as it is recorded.
 */
export class RequestLog {
  readonly #entries: LoggedRequest[] = [];
  readonly #size: number;
  readonly #listeners = new Set<(entry: LoggedRequest) => void>();
  #next = 1;

  constructor(size = 1000) {
    this.#size = size;
  }

  record(entry: Omit<LoggedRequest, 'id'>): void {
    const full = { id: this.#next++, ...entry };
    this.#entries.push(full);
    if (this.#entries.length > this.#size) this.#entries.shift();
    for (const listener of this.#listeners) listener(full);
  }

  /** Calls after `afterId`, optionally for one app or method. */
  list(filter: { afterId?: number; appId?: string; method?: string; limit?: number } = {}): LoggedRequest[] {
    const out = this.#entries.filter((e) => e.id > (filter.afterId ?? 0) && (!filter.appId || e.appId === filter.appId) && (!filter.method || e.method === filter.method));
    return filter.limit ? out.slice(-filter.limit) : out;
  }

  subscribe(listener: (entry: LoggedRequest) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
