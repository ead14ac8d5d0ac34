/**
 * What is due, decided from the stored state and each org's own clock (database time + the org's last seen
 * offset), so moving an org's clock makes its work due. Pure: the scheduler's tick reads a snapshot, calls this,
 * and queues the result in order, longest-waiting first across every org and object.
 *
 * - Schema scans: when an org was never scanned (its objects are unknown), then every `scanIntervalMs`
 *   (continuous) or once a day (daily).
 * - Objects: a backfilling object is due at once, again after every slice, and so is one whose stored records are
 *   to be read again for fields that became readable (a field refresh); a caught-up one on the continuous
 *   schedule is checked at an interval that follows how long it has been idle (`pollIntervalFor`: half the time
 *   since its newest change, between `pollIntervalMs` and `maxPollIntervalMs`), and on the daily schedule once
 *   per day at a time of day of its own (a hash of org and name), which spreads an org's objects across the day.
 *   A failing object waits for its backoff.
 * - A caught-up object's work is a change check (`check: true`): the scheduler batches an org's checks into one
 *   job of few `/composite` calls. When one of an org's continuous checks is due, those due within the next
 *   quarter of their interval come along, so the org's checks stay in step and fill whole calls.
 * - Delete checks (`deletesDue`): busy objects every `deleteCheckIntervalMs`, idle ones at their poll interval;
 *   an object that never held a record needs none.
 * - Bucket maintenance: every `maintenanceIntervalMs` per org, once across the cluster.
 */
import type { BackupSchedule } from '../store/orgs/org-repository.js';
import type { ScheduleSnapshot } from '../store/schedule/schedule-state.js';

export type DueWork =
  | { kind: 'scan'; orgId: string; waitingSince: number }
  | {
      kind: 'object';
      orgId: string;
      object: string;
      waitingSince: number;
      /** The object's caught-up time it is due after: once it is caught up further, the work is done. */
      caughtUpAt: Date | null;
      /** Caught up with nothing else pending: a change check decides whether a slice is needed. */
      check: boolean;
    }
  | { kind: 'maintenance'; orgId: string; waitingSince: number };

export interface Cadence {
  lagMs: number;
  /** Continuous: the shortest interval between checks of a caught-up object (one that just changed). */
  pollIntervalMs: number;
  /** Continuous: the longest interval between checks of an idle object (default an hour, the schedule's promise). */
  maxPollIntervalMs?: number;
  /** Continuous: how often a busy object's deletes are checked (default 15 minutes). */
  deleteCheckIntervalMs?: number;
  scanIntervalMs: number;
  maintenanceIntervalMs: number;
}

export const DAY_MS = 24 * 3600_000;

/**
 * How long before its slot a daily pass may seem to have run and still count as that day's: a pass's caught-up
 * time is its window's end (the org's clock, read from a Date header in whole seconds, minus the lag, cut to the
 * second), so a pass that began right on its slot can look a second or two early, and would be due again at once.
 */
const DAILY_SLOT_SLACK_MS = 60_000;

const MAX_POLL_INTERVAL_MS = 3600_000;
const DELETE_CHECK_INTERVAL_MS = 15 * 60_000;

/**
 * Continuous schedule: how long a caught-up object waits between checks. Half the time since its newest change
 * (org time), between `pollIntervalMs` and `maxPollIntervalMs`: an object that changed minutes ago is asked
 * again in 5 minutes, one idle for two hours or more (or one that never held a record) once an hour; a change
 * resets it. Halving keeps the wait proportional to the idleness, so a long-idle object that wakes up is seen
 * within the hour and then polled often again.
 */
export function pollIntervalFor(newestVersionAt: Date | null, orgNow: number, cadence: Cadence): number {
  const max = Math.max(cadence.pollIntervalMs, cadence.maxPollIntervalMs ?? MAX_POLL_INTERVAL_MS);
  if (newestVersionAt === null) return max;
  const idleFor = orgNow - newestVersionAt.getTime();
  return Math.min(max, Math.max(cadence.pollIntervalMs, Math.floor(idleFor / 2)));
}

/**
 * Whether a caught-up object's deletes are due for a check at org time `orgNow` (`slackMs` earlier when checks are
 * packed ahead of time). Busy objects every `deleteCheckIntervalMs`; idle ones at their poll interval, so each
 * hourly check of a long-idle object looks for deletes too (deletes show within the hour continuous mode
 * promises); an object that never held a record has nothing to lose, so none.
 */
export function deletesDue(
  o: { records: number; deletesCheckedUntil: Date | null; newestVersionAt: Date | null },
  orgNow: number,
  cadence: Cadence,
  slackMs = 0,
): boolean {
  if (o.records === 0) return false;
  if (o.deletesCheckedUntil === null) return true;
  const every = Math.max(
    cadence.deleteCheckIntervalMs ?? DELETE_CHECK_INTERVAL_MS,
    pollIntervalFor(o.newestVersionAt, orgNow, cadence),
  );
  return orgNow - o.deletesCheckedUntil.getTime() + slackMs >= every;
}

/** A stable time of day (ms after UTC midnight) for an object's daily pass: FNV-1a of its org and name. */
export function dailySlotMs(orgId: string, object: string): number {
  let hash = 0x811c9dc5;
  for (const ch of `${orgId}/${object}`) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % DAY_MS;
}

/** The first daily slot strictly after `after` (org time, ms). */
export function nextDailySlot(after: number, slotMs: number): number {
  const slot = Math.floor(after / DAY_MS) * DAY_MS + slotMs;
  return slot > after ? slot : slot + DAY_MS;
}

/**
 * When the org's next schema scan is due (org time, ms; 0 when it never was scanned): `scanIntervalMs` (hourly by
 * default) after the last one, once a day on the daily schedule. The scheduler and a looping foreground pass keep it.
 */
export function scanDueAt(
  lastScanAt: Date | null | undefined,
  schedule: BackupSchedule,
  scanIntervalMs: number,
): number {
  if (!lastScanAt) return 0;
  return lastScanAt.getTime() + (schedule === 'daily' ? DAY_MS : scanIntervalMs);
}

export function dueWork(snapshot: ScheduleSnapshot, cadence: Cadence): DueWork[] {
  const now = snapshot.now.getTime();
  const due: DueWork[] = [];
  for (const org of snapshot.orgs) {
    // An org whose clock is unknown has not been reached yet: its scan connects and learns it.
    if (org.lastScanAt === null || org.clockOffsetMs === null) {
      due.push({ kind: 'scan', orgId: org.orgId, waitingSince: 0 });
    } else {
      const scanDue = scanDueAt(org.lastScanAt, org.schedule, cadence.scanIntervalMs);
      if (scanDue <= now + org.clockOffsetMs)
        due.push({ kind: 'scan', orgId: org.orgId, waitingSince: scanDue - org.clockOffsetMs });
    }
    const maintenanceDue = (org.maintainedAt?.getTime() ?? 0) + cadence.maintenanceIntervalMs;
    if (org.lastScanAt !== null && maintenanceDue <= now)
      due.push({ kind: 'maintenance', orgId: org.orgId, waitingSince: maintenanceDue });
  }
  const orgs = new Map(snapshot.orgs.map((org) => [org.orgId, org]));
  // Continuous checks due within a quarter of their interval, and the orgs with a check due now.
  const early: DueWork[] = [];
  const checkDue = new Set<string>();
  for (const o of snapshot.objects) {
    const org = orgs.get(o.orgId);
    const offset = org?.clockOffsetMs;
    if (org === undefined || offset === undefined || offset === null) continue;
    if (o.retryAfter !== null && o.retryAfter.getTime() > now) continue;
    if (o.budgetWaitUntil && o.budgetWaitUntil.getTime() > now + offset) continue; // API budget (org time)
    const orgNow = now + offset;
    let dueAt: number; // org time
    let check = false;
    let earlyAt = Infinity;
    if (o.backfillCompletedAt === null || o.caughtUpAt === null || o.refreshPending) {
      // Backfilling or refreshing fields: due again as soon as its last slice ended, behind whoever waited longer.
      dueAt = (o.lastSliceAt?.getTime() ?? 0) + offset;
    } else if (org.schedule === 'daily') {
      const ranAt = o.caughtUpAt.getTime() + cadence.lagMs + DAILY_SLOT_SLACK_MS;
      dueAt = nextDailySlot(ranAt, dailySlotMs(o.orgId, o.name));
      check = true;
    } else {
      const interval = pollIntervalFor(o.newestVersionAt, orgNow, cadence);
      dueAt = o.caughtUpAt.getTime() + cadence.lagMs + interval;
      check = true;
      earlyAt = dueAt - interval / 4;
    }
    // Calls refused for the API budget: tried again as soon as it frees, not a whole interval later.
    if (o.budgetWaitUntil) dueAt = Math.min(dueAt, o.budgetWaitUntil.getTime());
    const checkDueAt = dueAt;
    // File bodies pending (or a failed one's retry) in objects_and_files mode (backup/file-backup.ts).
    if (org.mode === 'objects_and_files' && o.filesDueAt)
      dueAt = Math.min(dueAt, o.filesDueAt.getTime() + offset);
    // Other work due first (file bodies) needs a slice.
    if (dueAt !== checkDueAt) check = false;
    const work: DueWork = {
      kind: 'object',
      orgId: o.orgId,
      object: o.name,
      waitingSince: dueAt - offset,
      caughtUpAt: o.caughtUpAt,
      check,
    };
    if (dueAt <= orgNow) {
      due.push(work);
      if (check && org.schedule !== 'daily') checkDue.add(o.orgId);
    } else if (check && earlyAt <= orgNow) early.push(work);
  }
  for (const work of early) if (checkDue.has(work.orgId)) due.push(work);
  // Longest-waiting first, across orgs and kinds of work.
  return due.sort(
    (a, b) =>
      a.waitingSince - b.waitingSince ||
      a.orgId.localeCompare(b.orgId) ||
      ('object' in a ? a.object : '').localeCompare('object' in b ? b.object : ''),
  );
}
