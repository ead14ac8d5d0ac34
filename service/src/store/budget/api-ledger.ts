/**
 * The API budget ledger in PostgreSQL, shared by every replica: the service's own calls per org, per minute of
 * the org's clock and per kind (`api_calls`), and one `api_budget` row per org (latest reported usage, grants so
 * far, the org's block). Each grant is one short transaction under the org's `api_budget` row lock, so concurrent
 * workers on several replicas never overshoot: the rules see every grant made before theirs.
 */
import type { Knex } from 'knex';
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

  async take(
    orgId: string,
    kind: ApiCallKind,
    now: Date,
    seen: SeenUsage | undefined,
    decide: (state: LedgerState) => Ruling,
  ): Promise<{ ruling: Ruling; seq: number }> {
    return this.knex.transaction(async (trx) => {
      let row = await lockAndRead(trx, orgId, now, seen);
      if (!row) {
        await trx('api_budget').insert({ org_id: orgId }).onConflict('org_id').ignore();
        row = await lockAndRead(trx, orgId, now, seen);
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
      if (!ruling.grant) return { ruling, seq: state.granted };
      const seq = state.granted + 1;
      await trx.raw(
        `WITH counted AS (
           INSERT INTO api_calls (org_id, minute, kind, calls) VALUES (?, ?, ?, 1)
           ON CONFLICT (org_id, minute, kind) DO UPDATE SET calls = api_calls.calls + 1
         )
         UPDATE api_budget
            SET granted = ?,
                blocked_until = CASE WHEN ? THEN CAST(? AS timestamptz) ELSE blocked_until END,
                updated_at = now()
          WHERE org_id = ?`,
        [orgId, minuteOf(now), kind, seq, ruling.probe, new Date(now.getTime() + BLOCK_PROBE_MS), orgId],
      );
      // Buckets that left the rolling day are of no further use (now and then: one small indexed delete).
      if (seq % 500 === 0)
        await trx('api_calls')
          .where({ org_id: orgId })
          .andWhere('minute', '<=', new Date(windowStart(now).getTime() - DAY_MS))
          .delete();
      return { ruling, seq };
    });
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

/**
 * Locks the org's budget row (recording `seen` when it is newer than what the row holds) and reads it with the
 * org's share and its own calls per kind over the rolling day; undefined when the row does not exist yet. The
 * calls are read in a statement of their own, after the lock: under READ COMMITTED a statement's snapshot is taken
 * when it starts, so one that waited for the lock would not see the calls its predecessor just committed.
 */
async function lockAndRead(
  trx: Knex.Transaction,
  orgId: string,
  now: Date,
  seen: SeenUsage | undefined,
): Promise<BudgetRow | undefined> {
  const newer = seen !== undefined;
  const cond = 'CASE WHEN ? AND ? > coalesce(usage_seq, -1)';
  const locked = await trx.raw<{ rows: Array<Omit<BudgetRow, 'share' | 'window'>> }>(
    `UPDATE api_budget
        SET usage_used = ${cond} THEN ? ELSE usage_used END,
            usage_max  = ${cond} THEN ? ELSE usage_max END,
            usage_at   = ${cond} THEN CAST(? AS timestamptz) ELSE usage_at END,
            usage_seq  = ${cond} THEN ? ELSE usage_seq END
      WHERE org_id = ?
      RETURNING granted, usage_used, usage_max, usage_seq, usage_at, blocked_until`,
    [
      ...[newer, seen?.seq ?? 0, seen?.used ?? 0],
      ...[newer, seen?.seq ?? 0, seen?.max ?? 0],
      ...[newer, seen?.seq ?? 0, seen?.at ?? now],
      ...[newer, seen?.seq ?? 0, seen?.seq ?? 0],
      orgId,
    ],
  );
  const row = locked.rows[0];
  if (!row) return undefined;
  const calls = await trx.raw<{ rows: Array<{ share: number; window: Record<string, string> | null }> }>(
    `SELECT (SELECT api_budget_share FROM orgs WHERE org_id = ?) AS share,
            (SELECT json_object_agg(kind, n) FROM (
               SELECT kind, sum(calls) AS n FROM api_calls WHERE org_id = ? AND minute > ? GROUP BY kind
             ) per_kind) AS window`,
    [orgId, orgId, windowStart(now)],
  );
  return { ...row, share: calls.rows[0]!.share, window: calls.rows[0]!.window };
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
