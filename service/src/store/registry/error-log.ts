/**
 * The error list users see: what failed, where (object, record), with a remediation hint. An error closes
 * when the same object later backs up successfully, or when an admin dismisses it.
 */
import type { Knex } from 'knex';
import { OPEN_ERROR_KEY, OPEN_ERROR_WHERE } from '../db/migrations/0004_open_error_once.js';

export interface ErrorInput {
  orgId: string;
  code: string;
  message: string;
  stack?: string | null;
  hint?: string | null;
  object?: string | null;
  recordId?: string | null;
  runId?: number | null;
  at: Date;
}

export interface ErrorEntry {
  id: string;
  at: Date;
  object: string | null;
  recordId: string | null;
  code: string;
  message: string;
  hint: string | null;
  stack: string | null;
}

/**
 * Records an error, or refreshes the same one (org, code, object, record) if it is already open — in one
 * statement, so replicas recording the same failure at once still leave one open error.
 */
export async function recordError(knex: Knex, e: ErrorInput): Promise<void> {
  await knex.raw(
    `INSERT INTO errors (org_id, at, code, message, stack, hint, object, record_id, run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT ${OPEN_ERROR_KEY} WHERE ${OPEN_ERROR_WHERE}
     DO UPDATE SET message = EXCLUDED.message, stack = EXCLUDED.stack, at = EXCLUDED.at`,
    [
      e.orgId,
      e.at,
      e.code,
      e.message,
      e.stack ?? null,
      e.hint ?? null,
      e.object ?? null,
      e.recordId ?? null,
      e.runId ?? null,
    ],
  );
}

/** Closes the open object-level errors of an object after it backed up successfully. */
export async function closeObjectErrors(
  knex: Knex,
  orgId: string,
  object: string,
  at: Date,
): Promise<number> {
  return knex('errors')
    .where({ org_id: orgId, object })
    .whereNull('record_id')
    .whereNull('closed_at')
    .whereNull('dismissed_at')
    .update({ closed_at: at });
}

/** Closes the open errors of these records of an object (their file bodies were stored after all). */
export async function closeRecordErrors(
  knex: Knex,
  orgId: string,
  object: string,
  recordIds: readonly string[],
  at: Date,
): Promise<number> {
  if (recordIds.length === 0) return 0;
  return knex('errors')
    .where({ org_id: orgId, object })
    .whereIn('record_id', [...new Set(recordIds)])
    .whereNull('closed_at')
    .whereNull('dismissed_at')
    .update({ closed_at: at });
}

export async function dismissError(knex: Knex, orgId: string, id: string, at: Date): Promise<boolean> {
  if (!/^\d+$/.test(id)) return false;
  const n = await knex('errors')
    .where({ org_id: orgId, error_id: id })
    .whereNull('dismissed_at')
    .update({ dismissed_at: at });
  return n > 0;
}

interface ErrorRow {
  error_id: number;
  at: Date;
  object: string | null;
  record_id: string | null;
  code: string;
  message: string;
  hint: string | null;
  stack: string | null;
}

function fromRow(r: ErrorRow): ErrorEntry {
  return {
    id: String(r.error_id),
    at: r.at,
    object: r.object,
    recordId: r.record_id,
    code: r.code,
    message: r.message,
    hint: r.hint,
    stack: r.stack,
  };
}

/** Where a page of open errors starts: after this entry, in the list's order (newest first). */
export interface ErrorPosition {
  at: Date;
  id: string;
}

/** One page of open errors, newest first (the open-errors index, no scan of closed ones). */
export async function pageOpenErrors(
  knex: Knex,
  orgId: string,
  options: { object?: string; after?: ErrorPosition; limit: number },
): Promise<ErrorEntry[]> {
  const query = knex('errors')
    .where({ org_id: orgId })
    .whereNull('closed_at')
    .whereNull('dismissed_at')
    .orderBy('at', 'desc')
    .orderBy('error_id', 'desc')
    .limit(options.limit);
  if (options.object !== undefined) query.andWhere('object', options.object);
  if (options.after)
    query.andWhereRaw('(at, error_id) < (?, ?)', [options.after.at, Number(options.after.id)]);
  return ((await query) as ErrorRow[]).map(fromRow);
}

/** Every open error, newest first, read a page at a time. */
export async function* allOpenErrors(knex: Knex, orgId: string, pageSize = 500): AsyncGenerator<ErrorEntry> {
  let after: ErrorPosition | undefined;
  for (;;) {
    const page = await pageOpenErrors(knex, orgId, { limit: pageSize, ...(after ? { after } : {}) });
    yield* page;
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!;
    after = { at: last.at, id: last.id };
  }
}
