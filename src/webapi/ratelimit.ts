import rateLimiterFlexible from 'rate-limiter-flexible';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { Redis } from 'ioredis';
import { SlackError } from '../domain/errors.ts';
import type { Tier } from './registry.ts';

const { RateLimiterMemory, RateLimiterRedis } = rateLimiterFlexible;

export interface RateLimitConfig {
  enabled: boolean;
  /** Calls per minute for each tier (slack-compat.md §3). */
  perMinute: Record<`${Tier}`, number>;
  /** Shared budgets across processes when set; in memory otherwise. */
  redisUrl: string | undefined;
}

export const DEFAULT_BUDGETS: RateLimitConfig['perMinute'] = { '1': 5, '2': 20, '3': 50, '4': 100, special: 600 };

/**
 * Per method, per workspace, per app budgets, one fixed window of a minute each. With Redis the budget is one
 * counter for every process; if Redis fails, each process falls back to its own memory rather than refusing.
 */
export class RateLimits {
  readonly #config: RateLimitConfig;
  readonly #limiters = new Map<string, RateLimiterAbstract>();
  readonly #redis: Redis | undefined;

  constructor(config: RateLimitConfig) {
    this.#config = config;
    if (config.enabled && config.redisUrl) {
      this.#redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: false });
      this.#redis.on('error', () => {}); // the insurance limiter takes over; reconnects happen by themselves
    }
  }

  /**
   * Waits (a little) for Redis before serving: until it is connected, each process would count in its own memory,
   * and budgets meant to be shared would be spent once per process.
   */
  async ready(timeoutMs = 3_000): Promise<boolean> {
    const redis = this.#redis;
    if (!redis) return true;
    if (redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      redis.on('ready', onReady);
    });
  }

  get enabled(): boolean {
    return this.#config.enabled;
  }

  /** Spends one call of `key`'s budget, or throws `ratelimited` with the seconds to wait. */
  async consume(tier: Tier, key: string, own?: { points: number; seconds: number }): Promise<void> {
    if (!this.#config.enabled) return;
    const points = own?.points ?? this.#config.perMinute[`${tier}`];
    try {
      await this.#limiter(points, own?.seconds ?? 60).consume(key, 1);
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      const ms = (rejection as RateLimiterRes).msBeforeNext;
      throw new SlackError('ratelimited', undefined, Math.max(1, Math.ceil(ms / 1000)));
    }
  }

  #limiter(points: number, seconds: number): RateLimiterAbstract {
    const id = `${points}/${seconds}`;
    let limiter = this.#limiters.get(id);
    if (!limiter) {
      const memory = new RateLimiterMemory({ points, duration: seconds, keyPrefix: `tessera:${id}` });
      limiter = this.#redis
        ? new RateLimiterRedis({ storeClient: this.#redis, points, duration: seconds, keyPrefix: `tessera:rl:${id}`, insuranceLimiter: memory })
        : memory;
      this.#limiters.set(id, limiter);
    }
    return limiter;
  }

  async close(): Promise<void> {
    this.#redis?.disconnect();
  }
}
