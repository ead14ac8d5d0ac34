/**
 * The stored figures the dashboard shows, read from counters (never by counting version or file rows); open errors
 * are counted through their partial index, which holds only open ones.
 */
import type { Knex } from 'knex';
import type { BudgetFigures } from '../../salesforce/api-governor.js';
import { readBudgetFigures } from '../budget/api-ledger.js';

export interface DashboardFigures {
  files: number;
  fileBytes: number;
  progress: Array<{ day: string; versions: number; files: number }>;
  openErrors: number;
  errorsSince: Date | null;
  api: { used: number; max: number } | null;
  /** The service's own calls over the rolling day and its ceiling (store/budget/api-ledger.ts). */
  budget?: BudgetFigures;
}

export async function dashboardFigures(knex: Knex, orgId: string, days = 30): Promise<DashboardFigures> {
  // The objects' counters, kept in the transactions that map files (one row per object, not per file).
  // Four independent reads, sent at once.
  const [files, progress, errors, api, budget] = await Promise.all([
    knex('objects')
      .where({ org_id: orgId })
      .first<{ n: number | null; bytes: number | null }>(
        knex.raw('sum(files)::bigint AS n'),
        knex.raw('sum(file_bytes)::bigint AS bytes'),
      ),
    knex('daily_stats')
      .where({ org_id: orgId })
      .orderBy('day', 'desc')
      .limit(days)
      .select<Array<{ day: Date | string; versions: number; files: number }>>('day', 'versions', 'files'),
    knex('errors')
      .where({ org_id: orgId })
      .whereNull('closed_at')
      .whereNull('dismissed_at')
      .first<{ n: number; since: Date | null }>(knex.raw('count(*)::int AS n'), knex.raw('min(at) AS since')),
    knex('api_usage')
      .where({ org_id: orgId })
      .orderBy('at', 'desc')
      .first<{ used: number; max: number } | undefined>('used', 'max'),
    readBudgetFigures(knex, orgId),
  ]);
  return {
    files: files?.n ?? 0,
    fileBytes: files?.bytes ?? 0,
    progress: progress
      .map((p) => ({
        day: typeof p.day === 'string' ? p.day.slice(0, 10) : isoDay(p.day),
        versions: p.versions,
        files: p.files,
      }))
      .reverse(),
    openErrors: errors?.n ?? 0,
    errorsSince: errors?.since ?? null,
    api: api ?? null,
    budget,
  };
}

/** A DATE column comes back as local midnight; its calendar day is what was stored. */
function isoDay(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

export async function recordApiUsage(
  knex: Knex,
  orgId: string,
  usage: { used: number; max: number },
  at: Date,
): Promise<void> {
  await knex('api_usage')
    .insert({ org_id: orgId, at, used: usage.used, max: usage.max })
    .onConflict(['org_id', 'at'])
    .merge();
}

export async function objectErrorNames(knex: Knex, orgId: string): Promise<Set<string>> {
  const rows = await knex('errors')
    .where({ org_id: orgId })
    .whereNull('closed_at')
    .whereNull('dismissed_at')
    .whereNotNull('object')
    .distinct('object');
  return new Set(rows.map((r: { object: string }) => r.object));
}
