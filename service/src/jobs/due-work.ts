/**
 * What is due, decided from the stored state and each org's own clock (database time + the org's last seen
 * offset), so moving an org's clock makes its work due. Pure: the scheduler's tick reads a snapshot, calls this,
 * and queues the result in order, longest-waiting first across every org and object.
 *
 * - Schema scans: when an org was never scanned (its objects are unknown), then every `scanIntervalMs`
 *   (continuous) or once a day (daily).
 * - Objects: a backfilling object is due at once, again after every slice, and so is one whose stored records are
 *   to be read again for fields that became readable (a field refresh); a caught-up one on the continuous
 *   schedule is checked `pollIntervalMs` after it was caught up, and on the daily schedule once per day at a
 *   time of day of its own (a hash of org and name), which spreads an org's objects across the day. A failing
 *   object waits for its backoff.
 * - Bucket maintenance: every `maintenanceIntervalMs` per org, once across the cluster.
 */
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
    }
  | { kind: 'maintenance'; orgId: string; waitingSince: number };

export interface Cadence {
  lagMs: number;
  pollIntervalMs: number;
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

export function dueWork(snapshot: ScheduleSnapshot, cadence: Cadence): DueWork[] {
  const now = snapshot.now.getTime();
  const due: DueWork[] = [];
  for (const org of snapshot.orgs) {
    const scanEvery = org.schedule === 'daily' ? DAY_MS : cadence.scanIntervalMs;
    // An org whose clock is unknown has not been reached yet: its scan connects and learns it.
    if (org.lastScanAt === null || org.clockOffsetMs === null) {
      due.push({ kind: 'scan', orgId: org.orgId, waitingSince: 0 });
    } else {
      const scanDue = org.lastScanAt.getTime() + scanEvery;
      if (scanDue <= now + org.clockOffsetMs)
        due.push({ kind: 'scan', orgId: org.orgId, waitingSince: scanDue - org.clockOffsetMs });
    }
    const maintenanceDue = (org.maintainedAt?.getTime() ?? 0) + cadence.maintenanceIntervalMs;
    if (org.lastScanAt !== null && maintenanceDue <= now)
      due.push({ kind: 'maintenance', orgId: org.orgId, waitingSince: maintenanceDue });
  }
  const orgs = new Map(snapshot.orgs.map((org) => [org.orgId, org]));
  for (const o of snapshot.objects) {
    const org = orgs.get(o.orgId);
    const offset = org?.clockOffsetMs;
    if (org === undefined || offset === undefined || offset === null) continue;
    if (o.retryAfter !== null && o.retryAfter.getTime() > now) continue;
    let dueAt: number; // org time
    if (o.backfillCompletedAt === null || o.caughtUpAt === null || o.refreshPending) {
      // Backfilling or refreshing fields: due again as soon as its last slice ended, behind whoever waited longer.
      dueAt = (o.lastSliceAt?.getTime() ?? 0) + offset;
    } else if (org.schedule === 'daily') {
      const ranAt = o.caughtUpAt.getTime() + cadence.lagMs + DAILY_SLOT_SLACK_MS;
      dueAt = nextDailySlot(ranAt, dailySlotMs(o.orgId, o.name));
    } else {
      dueAt = o.caughtUpAt.getTime() + cadence.lagMs + cadence.pollIntervalMs;
    }
    if (dueAt <= now + offset)
      due.push({
        kind: 'object',
        orgId: o.orgId,
        object: o.name,
        waitingSince: dueAt - offset,
        caughtUpAt: o.caughtUpAt,
      });
  }
  // Longest-waiting first, across orgs and kinds of work.
  return due.sort(
    (a, b) =>
      a.waitingSince - b.waitingSince ||
      a.orgId.localeCompare(b.orgId) ||
      ('object' in a ? a.object : '').localeCompare('object' in b ? b.object : ''),
  );
}
