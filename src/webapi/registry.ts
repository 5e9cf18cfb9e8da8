import { SlackError } from '../domain/errors.ts';
import type { TokenClass } from '../domain/token-kinds.ts';
import type { ArgValue } from './parse.ts';
import type { AuthContext } from './authenticate.ts';
import type { Services } from './services.ts';

/** Slack's rate-limit tiers; budgets per minute come from configuration (slack-compat.md §3). */
export type Tier = 1 | 2 | 3 | 4 | 'special';

export type ArgType = 'string' | 'boolean' | 'integer' | 'json';

export interface ArgSpec {
  type: ArgType;
  required?: boolean;
  /** For strings: the longest accepted value. For integers: the range. */
  maxLength?: number;
  min?: number;
  max?: number;
  /** The error a bad value answers instead of `invalid_arguments` (chat.postMessage's `invalid_blocks_format`). */
  error?: string;
}

export type ArgValues<A extends Record<string, ArgSpec>> = {
  [K in keyof A]: A[K]['type'] extends 'boolean' ? boolean | undefined : A[K]['type'] extends 'integer' ? number | undefined : A[K]['type'] extends 'json' ? unknown : string | undefined;
};

export interface MethodContext<A extends Record<string, ArgSpec> = Record<string, ArgSpec>> {
  method: string;
  args: ArgValues<A>;
  /** Null only for methods that take no token (client credentials instead). */
  auth: AuthContext | null;
  services: Services;
  /** The Authorization header when it carried HTTP Basic credentials (oauth.* exchanges). */
  basicAuthorization: string | undefined;
  /**
   * For methods that take no token: a token the request carried anyway (Bearer header or `token` argument), as
   * oauth.v2.exchange's input arrives from WebClient. Null where the method authenticated it.
   */
  presentedToken: string | undefined;
  remoteAddress: string;
}

/**
 * One Web API method: what it accepts (token classes, scopes per class, tier, arguments) and its handler. The
 * dispatcher turns these declarations into the checks of §3 and the X-Accepted-OAuth-Scopes header, so a
 * handler only ever runs for a caller that passed them.
 */
export interface MethodSpec<A extends Record<string, ArgSpec> = Record<string, ArgSpec>> {
  name: string;
  /** Token classes accepted, or 'none' for methods authenticated by client credentials. */
  tokens: readonly TokenClass[] | 'none';
  /** Scopes required, all of them, for each token class; a class missing here needs none. */
  scopes?: Partial<Record<TokenClass, readonly string[]>>;
  /**
   * Scopes of which a call needs one, which one depending on its arguments (the conversations.* methods need
   * `channels:` or `groups:` scopes by channel type): a token holding none of them is refused before the handler
   * runs, and the handler checks the one it needs with requireScope.
   */
  anyScopes?: Partial<Record<TokenClass, readonly string[]>>;
  tier: Tier;
  args: A;
  /** The token must come in the Authorization header (Slack's app-level methods); elsewhere it is not_authed. */
  headerOnly?: boolean;
  /**
   * A budget of the method's own instead of its tier's, counted per value of an argument as well: chat.postMessage
   * allows about one message per second per channel, with short bursts.
   */
  rateLimit?: { points: number; seconds: number; perArgument: string };
  handler(ctx: MethodContext<A>): Promise<Record<string, unknown>>;
}

export function defineMethod<A extends Record<string, ArgSpec>>(spec: MethodSpec<A>): MethodSpec {
  return spec as unknown as MethodSpec;
}

export class MethodRegistry {
  readonly #methods = new Map<string, MethodSpec>();

  constructor(methods: readonly MethodSpec[]) {
    for (const m of methods) {
      if (this.#methods.has(m.name)) throw new Error(`method ${m.name} registered twice`);
      this.#methods.set(m.name, m);
    }
  }

  get(name: string): MethodSpec | undefined {
    return this.#methods.get(name);
  }

  names(): string[] {
    return [...this.#methods.keys()].sort();
  }
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** Arguments of a request, coerced to the types a method declares; a bad one answers `invalid_arguments`. */
export function coerceArgs(spec: Record<string, ArgSpec>, raw: Record<string, ArgValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, arg] of Object.entries(spec)) {
    const value = raw[name];
    if (value === undefined) {
      if (arg.required) throw new SlackError('invalid_arguments');
      continue;
    }
    try {
      out[name] = coerce(arg, value);
    } catch (error) {
      throw arg.error !== undefined && error instanceof SlackError ? new SlackError(arg.error) : error;
    }
  }
  return out;
}

function coerce(arg: ArgSpec, value: ArgValue): unknown {
  switch (arg.type) {
    case 'json':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        throw new SlackError('invalid_arguments');
      }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const text = String(value).toLowerCase();
      if (TRUE.has(text)) return true;
      if (FALSE.has(text)) return false;
      throw new SlackError('invalid_arguments');
    }
    case 'integer': {
      const n = typeof value === 'number' ? value : /^-?[0-9]{1,15}$/.test(String(value)) ? Number(value) : Number.NaN;
      if (!Number.isInteger(n)) throw new SlackError('invalid_arguments');
      if ((arg.min !== undefined && n < arg.min) || (arg.max !== undefined && n > arg.max)) throw new SlackError('invalid_arguments');
      return n;
    }
    case 'string': {
      if (typeof value === 'object') throw new SlackError('invalid_arguments');
      const text = String(value);
      if (arg.maxLength !== undefined && text.length > arg.maxLength) throw new SlackError('invalid_arguments');
      return text;
    }
  }
}
