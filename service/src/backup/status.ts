/**
 * Status, computed at read time from the stored state (nothing stores a status):
 * - per object: Excluded > Unavailable > Paused > Error > Backfilling > Running > Waiting;
 * - overall: Paused (records, files or both; pausedScope says which) > Error > Backfilling > Behind >
 *   Running Continuously. Behind = every object was caught up once, but one is not within the schedule's
 *   SLA now (continuous: 1 hour; daily: 24 hours).
 */
import type { OrgRecord } from '../store/orgs/org-repository.js';
import type { DashboardFigures } from '../store/registry/dashboard-data.js';
import type { RegistryObject } from '../store/registry/object-registry.js';

export type ObjectStatus =
  'Waiting' | 'Running' | 'Backfilling' | 'Paused' | 'Excluded' | 'Unavailable' | 'Error';
export type OverallStatus = 'Backfilling' | 'Behind' | 'Running Continuously' | 'Paused' | 'Error';

export const SLA_MS = { continuous: 3600_000, daily: 24 * 3600_000 } as const;

export interface ObjectListItem {
  name: string;
  label: string;
  status: ObjectStatus;
  records: number;
  versions: number;
  lastBackupAt: string | null;
  caughtUpTo: string | null;
  /** Why a Waiting object waits, when it is not its schedule: the API budget allows no calls now. */
  waitingFor?: 'api-budget';
  /** File objects: bodies backed up (mappings) and their bytes. */
  files?: number;
  fileBytes?: number;
}

export interface Dashboard {
  status: OverallStatus;
  pausedScope: 'none' | 'files' | 'all';
  enabled: boolean;
  storage: string;
  mode: OrgRecord['mode'];
  schedule: OrgRecord['schedule'];
  /** The settings' version: a change made from the dashboard (mode, schedule) names it, as a settings PUT does. */
  settingsVersion: number;
  totals: { records: number; versions: number; files: number; bytes: number };
  coverage: { from: string | null; to: string | null };
  progress: Array<{ day: string; versions: number; files: number }>;
  errors: { open: number; since: string | null };
  api: {
    used: number;
    max: number;
    budgetShare: number;
    /** The service's own calls over the rolling 24 hours, and its ceiling (budgetShare × max). */
    serviceUsed: number;
    serviceMax: number;
    /** When the first object waiting for API budget may go again (org time), or null when none waits. */
    waitingForBudgetUntil: string | null;
  };
  lastScanAt: string | null;
}

/** Objects shown in the object list: everything backed up or to be backed up (unsupported ones are listed apart). */
export function listedObjects(objects: RegistryObject[]): RegistryObject[] {
  return objects.filter((o) => o.support === 'supported' || o.versions > 0);
}

export function objectStatus(
  o: RegistryObject,
  org: OrgRecord,
  objectsWithErrors: ReadonlySet<string>,
): ObjectStatus {
  if (o.excludedByUser) return 'Excluded';
  if (o.access === 'unavailable') return 'Unavailable';
  if (!org.enabled || org.mode === 'paused') return 'Paused';
  if (objectsWithErrors.has(o.name)) return 'Error';
  if (o.budgetWaitUntil) return 'Waiting'; // for the API budget (toListItem says so)
  if (!o.backfillCompletedAt) return 'Backfilling';
  if (o.runningSince) return 'Running';
  return 'Waiting';
}

export function toListItem(o: RegistryObject, status: ObjectStatus): ObjectListItem {
  return {
    name: o.name,
    label: o.label ?? o.name,
    status,
    records: o.records,
    versions: o.versions,
    lastBackupAt: o.lastBackupAt?.toISOString() ?? null,
    caughtUpTo: o.caughtUpAt?.toISOString() ?? null,
    ...(status === 'Waiting' && o.budgetWaitUntil ? { waitingFor: 'api-budget' as const } : {}),
  };
}

export function buildDashboard(input: {
  org: OrgRecord;
  objects: RegistryObject[];
  figures: DashboardFigures;
  storage: string;
  objectsWithErrors: ReadonlySet<string>;
  now: Date;
}): Dashboard {
  const { org, objects, figures, now } = input;
  const all = listedObjects(objects);
  const active = all.filter(
    (o) => o.support === 'supported' && !o.excludedByUser && o.access === 'available',
  );
  const pausedScope: Dashboard['pausedScope'] =
    !org.enabled || org.mode === 'paused' ? 'all' : org.mode === 'objects_only' ? 'files' : 'none';
  let status: OverallStatus;
  if (pausedScope !== 'none') status = 'Paused';
  else if (figures.openErrors > 0) status = 'Error';
  else if (active.length === 0 || active.some((o) => !o.backfillCompletedAt)) status = 'Backfilling';
  else if (active.some((o) => !o.caughtUpAt || now.getTime() - o.caughtUpAt.getTime() > SLA_MS[org.schedule]))
    status = 'Behind';
  else status = 'Running Continuously';

  const min = (dates: Array<Date | null>) =>
    dates
      .filter((d): d is Date => d !== null)
      .reduce<Date | null>((a, d) => (a === null || d < a ? d : a), null);
  const caughtUp = active.map((o) => o.caughtUpAt);
  return {
    status,
    pausedScope,
    enabled: org.enabled,
    storage: input.storage,
    mode: org.mode,
    schedule: org.schedule,
    settingsVersion: org.settingsVersion,
    totals: {
      records: all.reduce((n, o) => n + o.records, 0),
      versions: all.reduce((n, o) => n + o.versions, 0),
      files: figures.files,
      bytes: all.reduce((n, o) => n + o.bytes, 0) + figures.fileBytes,
    },
    coverage: {
      from: min(all.map((o) => o.oldestVersionAt))?.toISOString() ?? null,
      // Covered up to the point every active object is caught up to.
      to: caughtUp.length > 0 && caughtUp.every((d) => d !== null) ? min(caughtUp)!.toISOString() : null,
    },
    progress: figures.progress,
    errors: { open: figures.openErrors, since: figures.errorsSince?.toISOString() ?? null },
    api: {
      used: figures.api?.used ?? 0,
      max: figures.api?.max ?? 0,
      budgetShare: org.apiBudgetShare,
      serviceUsed: figures.budget?.serviceUsed ?? 0,
      serviceMax: figures.budget?.serviceMax ?? 0,
      waitingForBudgetUntil:
        pausedScope === 'all'
          ? null
          : (min(active.map((o) => o.budgetWaitUntil ?? null))?.toISOString() ?? null),
    },
    lastScanAt: org.lastScanAt?.toISOString() ?? null,
  };
}
