/**
 * What the scheduler reads and writes in the database: the state that decides what is due (per org and per
 * object), each slice's outcome (failures back off), each org's clock as last seen, and the tick coordinator
 * that lets exactly one replica act on each tick slot. Times here are the database's unless named org time.
 */
import type { Knex } from 'knex';
import type { BackupMode, BackupSchedule } from '../orgs/org-repository.js';

export interface OrgScheduleState {
  orgId: string;
  mode: BackupMode;
  schedule: BackupSchedule;
  /** Org time of the last schema scan. */
  lastScanAt: Date | null;
  /** The org's clock − the database's, as last seen (null before any work talked to the org). */
  clockOffsetMs: number | null;
  maintainedAt: Date | null;
}

export interface ObjectScheduleState {
  orgId: string;
  objectKey: number;
  name: string;
  /** Org times. */
  backfillCompletedAt: Date | null;
  caughtUpAt: Date | null;
  deletesCheckedUntil: Date | null;
  failures: number;
  retryAfter: Date | null;
  lastSliceAt: Date | null;
  runningSince: Date | null;
  /** Stored records are to be read again for fields that became readable (field-refresh.ts). */
  refreshPending: boolean;
  /** Org time until which the object waits for the API budget (api-governor.ts), or null. */
  budgetWaitUntil?: Date | null;
  /** Database time when file bodies are due (pending, or a failed one's retry), or null (backup/file-backup.ts). */
  filesDueAt?: Date | null;
  /** Org time: the newest SystemModstamp the backup holds (how long the object has been idle). */
  newestVersionAt: Date | null;
  /** Distinct records ever captured: an object that never held one has nothing to find deleted. */
  records: number;
}

export interface ScheduleSnapshot {
  /** The database's clock when the snapshot was read. */
  now: Date;
  orgs: OrgScheduleState[];
  objects: ObjectScheduleState[];
}

interface OrgRow {
  org_id: string;
  mode: BackupMode;
  schedule: BackupSchedule;
  last_scan_at: Date | null;
  clock_offset_ms: string | null;
  maintained_at: Date | null;
}

interface ObjectRow {
  org_id: string;
  object_key: number;
  name: string;
  backfill_completed_at: Date | null;
  caught_up_at: Date | null;
  deletes_checked_until: Date | null;
  failures: number;
  retry_after: Date | null;
  last_slice_at: Date | null;
  running_since: Date | null;
  refresh_pending: boolean;
  budget_wait_until: Date | null;
  files_due_at: Date | null;
  newest_version_at: Date | null;
  records: string | number;
}

/** Orgs to back up: enabled, not paused, connected. */
function orgsToBackUp(q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.where({ enabled: true }).whereNot({ mode: 'paused' }).whereNotNull('instance_url');
}

/**
 * Why a running slice of `object` should stop at its next safe point (its org was paused, disabled or
 * disconnected, or the object was excluded), or undefined to go on. One small query: slices ask every few seconds.
 */
export async function sliceStopReason(
  knex: Knex,
  orgId: string,
  object: string,
): Promise<string | undefined> {
  const row = await orgsToBackUp(knex('orgs').where({ 'orgs.org_id': orgId }))
    .leftJoin('objects', (j) => j.on('objects.org_id', 'orgs.org_id').andOnVal('objects.name', object))
    .first<{ excluded: boolean | null } | undefined>('objects.excluded_by_user as excluded');
  if (!row) return 'the org was paused or disabled';
  return row.excluded ? 'the object was excluded' : undefined;
}

/** Enabled, unpaused, connected orgs and the objects they back up (supported, available, not excluded). */
export async function readScheduleSnapshot(knex: Knex): Promise<ScheduleSnapshot> {
  return knex.transaction(
    async (trx) => {
      const now = (await trx.raw<{ rows: Array<{ now: Date }> }>('SELECT now() AS now')).rows[0]!.now;
      const orgs = await orgsToBackUp(trx('orgs'))
        .orderBy('org_id')
        .select<OrgRow[]>('org_id', 'mode', 'schedule', 'last_scan_at', 'clock_offset_ms', 'maintained_at');
      const objects = await trx('objects')
        .whereIn(
          'org_id',
          orgs.map((o) => o.org_id),
        )
        .where({ support: 'supported', access: 'available', excluded_by_user: false })
        .whereNotNull('fields')
        .orderBy(['org_id', 'name'])
        .select<ObjectRow[]>(
          'org_id',
          'object_key',
          'name',
          'backfill_completed_at',
          'caught_up_at',
          'deletes_checked_until',
          'failures',
          'retry_after',
          'last_slice_at',
          'running_since',
          trx.raw('cardinality(refresh_fields) > 0 AS refresh_pending'),
          'budget_wait_until',
          'files_due_at',
          'newest_version_at',
          'records',
        );
      return {
        now,
        orgs: orgs.map((o) => ({
          orgId: o.org_id,
          mode: o.mode,
          schedule: o.schedule,
          lastScanAt: o.last_scan_at,
          clockOffsetMs: o.clock_offset_ms === null ? null : Number(o.clock_offset_ms),
          maintainedAt: o.maintained_at,
        })),
        objects: objects.map((o) => ({
          orgId: o.org_id,
          objectKey: o.object_key,
          name: o.name,
          backfillCompletedAt: o.backfill_completed_at,
          caughtUpAt: o.caught_up_at,
          deletesCheckedUntil: o.deletes_checked_until,
          failures: o.failures,
          retryAfter: o.retry_after,
          lastSliceAt: o.last_slice_at,
          runningSince: o.running_since,
          refreshPending: o.refresh_pending,
          budgetWaitUntil: o.budget_wait_until,
          filesDueAt: o.files_due_at,
          newestVersionAt: o.newest_version_at,
          records: Number(o.records),
        })),
      };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

/**
 * Claims the tick slot `slot` (node-cron's key: task name and slot time) for `replica`: true for exactly one of
 * the replicas whose cron fired for it. Slots older than a day are forgotten now and then.
 */
export async function claimTickSlot(knex: Knex, slot: string, replica: string): Promise<boolean> {
  const inserted = await knex('scheduler_ticks')
    .insert({ slot, replica })
    .onConflict('slot')
    .ignore()
    .returning('slot');
  if (inserted.length > 0 && Math.random() < 0.01)
    await knex('scheduler_ticks').where('fired_at', '<', knex.raw("now() - interval '1 day'")).delete();
  return inserted.length > 0;
}

/** Remembers how far the org's clock is from the database's (org time = database time + offset). */
export async function recordOrgClock(knex: Knex, orgId: string, orgNow: Date): Promise<void> {
  await knex('orgs')
    .where({ org_id: orgId })
    .update({
      clock_offset_ms: knex.raw('round(? - extract(epoch FROM clock_timestamp()) * 1000)', [
        orgNow.getTime(),
      ]),
      clock_seen_at: knex.fn.now(),
    });
}

/**
 * What a job saw of its org (its clock, and the API usage Salesforce reported), recorded unless another job of
 * any replica recorded it within `everyMs`: a busy backfill ends slices every few seconds, and the dashboard and
 * the due-work clock need it about once a minute. The clock is skipped when measured recently (also by the
 * tick's probe); the usage when a row of the last `everyMs` (by the usage's own time) exists.
 */
export async function recordOrgContact(
  knex: Knex,
  orgId: string,
  seen: { orgNow: Date; usage?: { used: number; max: number; at: Date } },
  everyMs: number,
): Promise<void> {
  await knex.transaction(async (trx) => {
    // The org's row lock serializes replicas recording at the same moment, so each check below sees the other.
    await trx('orgs').where({ org_id: orgId }).forUpdate().first('org_id');
    await trx('orgs')
      .where({ org_id: orgId })
      .andWhere((q) =>
        q
          .whereNull('clock_seen_at')
          .orWhere('clock_seen_at', '<', trx.raw("now() - ? * interval '1 millisecond'", [everyMs])),
      )
      .update({
        clock_offset_ms: trx.raw('round(? - extract(epoch FROM clock_timestamp()) * 1000)', [
          seen.orgNow.getTime(),
        ]),
        clock_seen_at: trx.fn.now(),
      });
    const usage = seen.usage;
    if (!usage) return;
    await trx.raw(
      `INSERT INTO api_usage (org_id, at, used, max)
       SELECT ?, ?, ?, ?
        WHERE NOT EXISTS (SELECT 1 FROM api_usage
                           WHERE org_id = ? AND at > CAST(? AS timestamptz) - ? * interval '1 millisecond')
       ON CONFLICT (org_id, at) DO UPDATE SET used = excluded.used, max = excluded.max`,
      [orgId, usage.at, usage.used, usage.max, orgId, usage.at, everyMs],
    );
  });
}

/** Orgs to back up whose clock was last measured more than `maxAgeMs` ago (or never). */
export async function orgsWithStaleClock(
  knex: Knex,
  maxAgeMs: number,
): Promise<Array<{ orgId: string; instanceUrl: string }>> {
  const rows = await orgsToBackUp(knex('orgs'))
    .andWhere((q) =>
      q
        .whereNull('clock_seen_at')
        .orWhere('clock_seen_at', '<', knex.raw("now() - ? * interval '1 millisecond'", [maxAgeMs])),
    )
    .select<Array<{ org_id: string; instance_url: string }>>('org_id', 'instance_url');
  return rows.map((r) => ({ orgId: r.org_id, instanceUrl: r.instance_url }));
}

/** A slice ended: failures reset (ok) or count up, and the object waits 1, 2, 4 … at most 60 minutes. */
export async function recordSliceOutcome(knex: Knex, objectKey: number, ok: boolean): Promise<void> {
  if (ok) {
    await knex('objects')
      .where({ object_key: objectKey })
      .update({ failures: 0, retry_after: null, budget_wait_until: null, last_slice_at: knex.fn.now() });
    return;
  }
  await knex('objects')
    .where({ object_key: objectKey })
    .update({
      failures: knex.raw('failures + 1'),
      retry_after: knex.raw(
        "now() + least(3600000, 60000 * power(2, least(failures, 10))) * interval '1 millisecond'",
      ),
      budget_wait_until: null,
      last_slice_at: knex.fn.now(),
    });
}

/**
 * A slice stopped because the API budget allows no more calls now: the object waits, without counting as a
 * failure, until org time `until`, when enough of the rolling day's calls have aged out.
 */
export async function recordBudgetWait(knex: Knex, objectKey: number, until: Date): Promise<void> {
  await knex('objects')
    .where({ object_key: objectKey })
    .update({ budget_wait_until: until, last_slice_at: knex.fn.now() });
}

export async function markMaintained(knex: Knex, orgId: string): Promise<void> {
  await knex('orgs').where({ org_id: orgId }).update({ maintained_at: knex.fn.now() });
}

/**
 * A change check found nothing new for an object: its caught-up time (and, when the check looked for deletes or
 * there was nothing to look for, its deletes-checked time) moves forward. A compare-and-set instead of the run
 * lease: it applies only while no run holds the object's lease and its caught-up time is still the one the check
 * started from, so a slice that ran meanwhile (and may have seen more) always wins; times only move forward.
 * `noRecordsHeld` adds the condition that the object still holds no record (deletes skipped for that reason).
 * False when refused.
 */
export async function advanceIdleObject(
  knex: Knex,
  objectKey: number,
  change: { expectedCaughtUpAt: Date; caughtUpTo: Date; deletesCheckedUntil?: Date; noRecordsHeld?: boolean },
): Promise<boolean> {
  const q = knex('objects')
    .where({ object_key: objectKey, caught_up_at: change.expectedCaughtUpAt })
    .whereNull('running_lease')
    .where('caught_up_at', '<', change.caughtUpTo);
  if (change.noRecordsHeld) q.where({ records: 0 });
  const updated = await q.update({
    caught_up_at: change.caughtUpTo,
    budget_wait_until: null, // checked: no longer waiting for the API budget
    ...(change.deletesCheckedUntil
      ? {
          deletes_checked_until: knex.raw('greatest(deletes_checked_until, ?)', [change.deletesCheckedUntil]),
        }
      : {}),
  });
  return updated > 0;
}
