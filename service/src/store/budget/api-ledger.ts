/**
 * The API budget ledger in PostgreSQL, shared by every replica: the service's own calls per org, per minute of
 * the org's clock and per kind (`api_calls`), and one `api_budget` row per org (latest reported usage, grants so
 * far, the org's block). Each grant is one short transaction under the org's `api_budget` row lock, so concurrent
 * workers on several replicas never overshoot: the rules see every grant made before theirs.
 */
import type { Knex } from 'knex';
import { escapeLiteral, type PoolClient, type QueryResult } from 'pg';
import {
  API_CALL_KINDS,
  BLOCK_PROBE_MS,
  agedOutAt,
  type ApiLedger,
  type BudgetFigures,
  type LedgerState,
  type Ruling,
  type SeenUsage,
  ceilingOf,
} from '../../salesforce/api-governor.js';
import type { ApiCallKind } from '../../salesforce/session.js';

const DAY_MS = 24 * 3600_000;
const MINUTE_MS = 60_000;

/** The minute bucket (org time) a call at `now` is counted in. */
function minuteOf(now: Date): Date {
  return new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
}

/** Buckets after this one are inside the rolling day that ends at `now`. */
function windowStart(now: Date): Date {
  return new Date(minuteOf(now).getTime() - DAY_MS);
}

interface BudgetRow {
  share: number;
  granted: string;
  usage_used: number | null;
  usage_max: number | null;
  usage_seq: string | null;
  usage_at: Date | null;
  blocked_until: Date | null;
  window: Record<string, string> | null;
}

export class PgApiLedger implements ApiLedger {
  constructor(private readonly knex: Knex) {}

  /**
   * Every API call goes through here, so it is two round trips to PostgreSQL, not five: `BEGIN`, the lock and the
   * read go as one multi-statement text (values written as SQL literals: parameters allow one statement only),
   * and the grant goes with its `COMMIT`. Each statement still takes its own snapshot (READ COMMITTED), so the read
   * after the lock sees every grant committed before it, as lockAndRead explains.
   *
   * The commit does not wait for its WAL flush (`synchronous_commit = off`, this transaction only): that wait and
   * flush were most of a grant's cost. Other transactions see a grant as soon as it commits, so replicas never
   * overshoot; only a crash of PostgreSQL itself can lose the last grants (a suffix of them, at most
   * 3 × wal_writer_delay, 0.6 s by default). The calls they stood for still count in the usage the org reports
   * (Sforce-Limit-Info), which the rules hold against the org's max, and the next response's report is recorded.
   */
  async take(
    orgId: string,
    kind: ApiCallKind,
    now: Date,
    seen: SeenUsage | undefined,
    decide: (state: LedgerState) => Ruling,
  ): Promise<{ ruling: Ruling; seq: number }> {
    const connection = (await this.knex.client.acquireConnection()) as PoolClient;
    try {
      const [lock, read] = lockAndReadSql(orgId, now, seen);
      const results = (await connection.query(
        `BEGIN; SET LOCAL synchronous_commit = off; ${lock}; ${read}`,
      )) as unknown as QueryResult[];
      let row = budgetRowOf(results[2]!, results[3]!);
      if (!row) {
        await connection.query(
          `INSERT INTO api_budget (org_id) VALUES (${literal(orgId)}) ON CONFLICT (org_id) DO NOTHING`,
        );
        row = budgetRowOf(await connection.query(lock), await connection.query(read));
        if (!row) throw new Error(`org ${orgId} is not registered`);
      }
      const window = Object.fromEntries(
        API_CALL_KINDS.map((k) => [k, Number(row.window?.[k] ?? 0)]),
      ) as Record<ApiCallKind, number>;
      const state: LedgerState = {
        share: row.share,
        granted: Number(row.granted),
        usage:
          row.usage_max === null || row.usage_used === null || row.usage_seq === null || row.usage_at === null
            ? null
            : { used: row.usage_used, max: row.usage_max, seq: Number(row.usage_seq), at: row.usage_at },
        blockedUntil: row.blocked_until,
        window,
      };
      const ruling = decide(state);
      if (!ruling.grant) {
        await connection.query('COMMIT'); // the usage seen is kept
        return { ruling, seq: state.granted };
      }
      const seq = state.granted + 1;
      const statements = [
        `WITH counted AS (
           INSERT INTO api_calls (org_id, minute, kind, calls)
           VALUES (${literal(orgId)}, ${literal(minuteOf(now))}, ${literal(kind)}, 1)
           ON CONFLICT (org_id, minute, kind) DO UPDATE SET calls = api_calls.calls + 1
         )
         UPDATE api_budget
            SET granted = ${literal(seq)},
                blocked_until = ${ruling.probe ? literal(new Date(now.getTime() + BLOCK_PROBE_MS)) : 'blocked_until'},
                updated_at = now()
          WHERE org_id = ${literal(orgId)}`,
      ];
      // Buckets that left the rolling day are of no further use (now and then: one small indexed delete).
      if (seq % 500 === 0)
        statements.push(
          `DELETE FROM api_calls WHERE org_id = ${literal(orgId)}
              AND minute <= ${literal(new Date(windowStart(now).getTime() - DAY_MS))}`,
        );
      statements.push('COMMIT');
      await connection.query(statements.join('; '));
      return { ruling, seq };
    } catch (err) {
      // Outside a transaction (it failed before BEGIN, or at COMMIT) this only warns.
      await connection.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await this.knex.client.releaseConnection(connection);
    }
  }

  async agesOutAt(
    orgId: string,
    now: Date,
    kinds: readonly ApiCallKind[],
    calls: number,
  ): Promise<Date | null> {
    const result = await this.knex.raw<{ rows: Array<{ minute: Date }> }>(
      `SELECT minute FROM (
         SELECT minute, sum(n) OVER (ORDER BY minute) AS total
           FROM (SELECT minute, sum(calls) AS n FROM api_calls
                  WHERE org_id = ? AND minute > ? AND kind = ANY(?) GROUP BY minute) per_minute
       ) running
       WHERE total >= ? ORDER BY minute LIMIT 1`,
      [orgId, windowStart(now), [...kinds], calls],
    );
    const minute = result.rows[0]?.minute;
    return minute ? agedOutAt(minute) : null;
  }

  async block(orgId: string, until: Date): Promise<void> {
    await this.knex.raw(
      `INSERT INTO api_budget (org_id, blocked_until) VALUES (?, ?)
       ON CONFLICT (org_id) DO UPDATE
         SET blocked_until = greatest(api_budget.blocked_until, excluded.blocked_until), updated_at = now()`,
      [orgId, until],
    );
  }

  async unblock(orgId: string, seen: SeenUsage | undefined): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await lockAndRead(trx, orgId, seen?.at ?? new Date(), seen);
      await trx('api_budget')
        .where({ org_id: orgId })
        .update({ blocked_until: null, updated_at: trx.fn.now() });
    });
  }
}

/** A value as an SQL literal, for statements sent as text (see PgApiLedger.take). */
function literal(value: string | number | boolean | Date): string {
  if (value instanceof Date) return `${escapeLiteral(value.toISOString())}::timestamptz`;
  if (typeof value === 'string') return escapeLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

/**
 * The two statements of lockAndRead, as text: the first locks the org's budget row, records `seen` when it is
 * newer than what the row holds and returns the row; the second reads the org's share and its own calls per kind
 * over the rolling day. The calls are read in a statement of their own, after the lock: under READ COMMITTED a
 * statement's snapshot is taken when it starts, so one that waited for the lock would not see the calls its
 * predecessor just committed.
 */
function lockAndReadSql(orgId: string, now: Date, seen: SeenUsage | undefined): [lock: string, read: string] {
  const org = literal(orgId);
  const newer = seen ? `${literal(seen.seq)} > coalesce(usage_seq, -1)` : 'FALSE';
  const lock = `UPDATE api_budget
        SET usage_used = CASE WHEN ${newer} THEN ${literal(seen?.used ?? 0)} ELSE usage_used END,
            usage_max  = CASE WHEN ${newer} THEN ${literal(seen?.max ?? 0)} ELSE usage_max END,
            usage_at   = CASE WHEN ${newer} THEN ${literal(seen?.at ?? now)} ELSE usage_at END,
            usage_seq  = CASE WHEN ${newer} THEN ${literal(seen?.seq ?? 0)} ELSE usage_seq END
      WHERE org_id = ${org}
      RETURNING granted, usage_used, usage_max, usage_seq, usage_at, blocked_until`;
  const read = `SELECT (SELECT api_budget_share FROM orgs WHERE org_id = ${org}) AS share,
            (SELECT json_object_agg(kind, n) FROM (
               SELECT kind, sum(calls) AS n FROM api_calls WHERE org_id = ${org} AND minute > ${literal(windowStart(now))}
                GROUP BY kind
             ) per_kind) AS window`;
  return [lock, read];
}

/** The budget row from the results of lockAndReadSql's statements; undefined when the row does not exist yet. */
function budgetRowOf(
  locked: { rows: Array<Omit<BudgetRow, 'share' | 'window'>> },
  read: { rows: Array<Pick<BudgetRow, 'share' | 'window'>> },
): BudgetRow | undefined {
  const row = locked.rows[0];
  return row ? { ...row, share: read.rows[0]!.share, window: read.rows[0]!.window } : undefined;
}

/**
 * Locks the org's budget row (recording `seen` when it is newer than what the row holds) and reads it with the
 * org's share and its own calls per kind over the rolling day (lockAndReadSql); undefined when the row does not
 * exist yet.
 */
async function lockAndRead(
  trx: Knex.Transaction,
  orgId: string,
  now: Date,
  seen: SeenUsage | undefined,
): Promise<BudgetRow | undefined> {
  const [lock, read] = lockAndReadSql(orgId, now, seen);
  return budgetRowOf(await trx.raw(lock), await trx.raw(read));
}

/**
 * The rolling day's figures for the dashboard: own calls over the 24 hours ending at the org's now (database
 * time + the org's last seen clock offset) and the ceiling from the latest usage any replica reported.
 */
export async function readBudgetFigures(knex: Knex, orgId: string): Promise<BudgetFigures> {
  const result = await knex.raw<{ rows: Array<{ used: string | null; max: number | null; share: number }> }>(
    `WITH o AS (
       SELECT api_budget_share AS share,
              now() + coalesce(clock_offset_ms, 0) * interval '1 millisecond' AS org_now
         FROM orgs WHERE org_id = ?
     )
     SELECT o.share,
            (SELECT usage_max FROM api_budget WHERE org_id = ?) AS max,
            (SELECT sum(calls) FROM api_calls
              WHERE org_id = ? AND minute > date_trunc('minute', o.org_now) - interval '1 day') AS used
       FROM o`,
    [orgId, orgId, orgId],
  );
  const row = result.rows[0];
  if (!row) return { serviceUsed: 0, serviceMax: 0 };
  return {
    serviceUsed: Number(row.used ?? 0),
    serviceMax: row.max === null ? 0 : ceilingOf(row.share, row.max),
  };
}
