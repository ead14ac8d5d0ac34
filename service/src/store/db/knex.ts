/** The knex instance for a PostgreSQL URL. Only service/src/store uses it. */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// BIGINT counters and NUMERIC come back as strings by default; the counters here stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type { Knex };

export function createKnex(url: string, options: { poolMax?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 60_000,
  });
}
