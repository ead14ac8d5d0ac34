/**
 * Requests per minute per service key, counted in PostgreSQL so every replica draws from one allowance
 * (rate-limiter-flexible's Postgres store on the `rate_limits` table the migrations create). Should the
 * database not answer, each replica falls back to counting in memory rather than refusing every request.
 */
import type { Knex } from 'knex';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { createKnex } from '../db/knex.js';
import { RATE_LIMIT_TABLE } from '../db/migrations/0003_service_api.js';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the window resets (also how long a refused caller should wait). */
  resetMs: number;
}

export interface KeyRateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
}

export function postgresRateLimiter(knex: Knex, perMinute: number): KeyRateLimiter {
  const limiter = new RateLimiterPostgres({
    storeClient: knex,
    storeType: 'knex',
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true,
    keyPrefix: 'api',
    points: perMinute,
    duration: 60,
    insuranceLimiter: new RateLimiterMemory({ points: perMinute, duration: 60 }),
  });
  return {
    async consume(key) {
      try {
        const res = await limiter.consume(key);
        return { allowed: true, limit: perMinute, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
      } catch (refused) {
        if (!(refused instanceof RateLimiterRes)) throw refused;
        return { allowed: false, limit: perMinute, remaining: 0, resetMs: refused.msBeforeNext };
      }
    },
  };
}

/**
 * The service's limiter, on a small pool of its own whose commits do not wait for the disk: a count lost in a
 * crash only lets a few requests more through, and every authenticated request writes one.
 */
export function openRateLimiter(
  databaseUrl: string,
  perMinute: number,
): KeyRateLimiter & { close(): Promise<void> } {
  const knex = createKnex(databaseUrl, { poolMax: 4, asynchronousCommit: true });
  const limiter = postgresRateLimiter(knex, perMinute);
  return { consume: (key) => limiter.consume(key), close: () => knex.destroy() };
}
