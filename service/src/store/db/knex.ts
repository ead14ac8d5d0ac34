/** The knex instance for a PostgreSQL URL. Only service/src/store uses it. */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// BIGINT counters and NUMERIC come back as strings by default; the counters here stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type { Knex };

export interface KnexOptions {
  poolMax?: number;
  /**
   * Commit without waiting for the write-ahead log to reach disk (`synchronous_commit = off`): for writes whose
   * loss in a crash is harmless (rate-limit counters), so they do not wait for a disk flush on every request.
   */
  asynchronousCommit?: boolean;
}

export function createKnex(url: string, options: KnexOptions = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: {
      min: 0,
      max: options.poolMax ?? 10,
      ...(options.asynchronousCommit
        ? {
            afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
              conn.query('SET synchronous_commit = off').then(
                () => done(null, conn),
                (err: Error) => done(err, conn),
              );
            },
          }
        : {}),
    },
    acquireConnectionTimeout: 60_000,
  });
}
