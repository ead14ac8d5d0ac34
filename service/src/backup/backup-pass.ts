/**
 * One backup pass over an org (`autobackup backup`): a schema scan (or, when asked, only when one is due), then
 * every object that is supported, available and not excluded, each through backupObject (records, then deletes,
 * under the object's lease). A failing object is recorded in the error list and the others go on.
 *
 * What the pass costs in API calls is kept low (issue #15): caught-up objects are first asked together whether
 * anything changed or was deleted (change-check.ts: up to 25 objects a `/composite` call), and those with nothing
 * new are done without a run; the other runs' first queries, with their getDeleted, are read 5 objects at a time
 * in one `/composite` call (first-slices.ts).
 */
import pLimit from 'p-limit';
import { findOrg } from '../store/orgs/org-repository.js';
import { recordApiUsage } from '../store/registry/dashboard-data.js';
import { listRegistry, type RegistryObject } from '../store/registry/object-registry.js';
import { fileObjectSpec } from './file-backup.js';
import { refreshOrgClock, type EngineContext } from './engine-context.js';
import { FirstSliceReader } from './first-slices.js';
import { openPass } from './pass-opening.js';
import { backupObject, type ObjectOutcome } from './object-slice.js';
import { scanSchema, scanSchemaWhenDue, type ScanResult } from './schema-scan.js';

export type { ObjectOutcome } from './object-slice.js';

export interface PassProgress {
  objectStarted?(name: string): void;
  objectProgress?(name: string, read: number): void;
  objectFinished?(name: string, outcome: ObjectOutcome): void;
}

export interface PassResult {
  scan: ScanResult;
  outcomes: ObjectOutcome[];
}

export class UnknownObjectsError extends Error {
  constructor(readonly names: string[]) {
    super(`not backed up in this org (unknown, unsupported or not readable): ${names.join(', ')}`);
    this.name = 'UnknownObjectsError';
  }
}

/** The objects a pass works on; `only` (case-insensitive names) narrows them, naming any it cannot find. */
export function objectsToBackUp(registry: RegistryObject[], only?: string[]): RegistryObject[] {
  const active = registry.filter(
    (o) => o.support === 'supported' && o.access === 'available' && !o.excludedByUser,
  );
  if (!only || only.length === 0) return active;
  const byLower = new Map(active.map((o) => [o.name.toLowerCase(), o]));
  const missing = only.filter((n) => !byLower.has(n.toLowerCase()));
  if (missing.length > 0) throw new UnknownObjectsError(missing);
  return only.map((n) => byLower.get(n.toLowerCase())!);
}

/** An object the change check found with nothing new: everything up to now − lag is stored. */
const idleOutcome = (object: string): ObjectOutcome => ({
  object,
  ok: true,
  written: 0,
  tombstones: 0,
  via: 'change check',
  complete: true,
});

export async function runBackupPass(
  ctx: EngineContext,
  options: {
    objects?: string[];
    concurrency?: number;
    progress?: PassProgress;
    /** 'when-due': scan the schema only when its cadence says (a looping foreground run after its first pass). */
    scan?: 'always' | 'when-due';
  } = {},
): Promise<PassResult> {
  // The org's time now: a scan may not be due.
  await refreshOrgClock(ctx, 'backup-pass');
  const scan = options.scan === 'when-due' ? await scanSchemaWhenDue(ctx) : await scanSchema(ctx);
  const targets = objectsToBackUp(await listRegistry(ctx.store.knex, ctx.org.orgId), options.objects);
  // A foreground pass promises every change and delete up to now − lag (so do the runs: backupObject's default).
  // In mode Objects and Files, file objects always run: their bodies may be pending (or due for a retry) when no
  // record changed. The mode as stored now (a context kept across passes holds an older copy).
  const mode = (await findOrg(ctx.store.knex, ctx.org.orgId))?.mode ?? ctx.org.mode;
  const checkable = targets.filter((o) => mode !== 'objects_and_files' || !fileObjectSpec(o.name));
  // Their getDeleted rides along with their first queries; some ride in the checks' calls (pass-opening.ts).
  const firstSlices = new FirstSliceReader(ctx, targets);
  const idle = new Set(ctx.signal?.aborted ? [] : await openPass(ctx, targets, checkable, firstSlices));
  for (const name of idle) {
    options.progress?.objectStarted?.(name);
    options.progress?.objectFinished?.(name, idleOutcome(name));
  }
  const runs = targets.filter((o) => !idle.has(o.name));
  const limit = pLimit(options.concurrency ?? 2);
  const ran = await Promise.all(
    runs.map((o) =>
      limit(async () => {
        // Only an object whose run started is reported finished (not one skipped as stopping or held elsewhere).
        let started = false;
        const prefetched = ctx.signal?.aborted ? {} : await firstSlices.take(o.name);
        const outcome = await backupObject(ctx, o, {
          onStarted: () => {
            started = true;
            options.progress?.objectStarted?.(o.name);
          },
          onProgress: (read) => options.progress?.objectProgress?.(o.name, read),
          ...(prefetched.slice ? { prefetched: prefetched.slice } : {}),
          ...(prefetched.deletes ? { prefetchedDeletes: prefetched.deletes } : {}),
        });
        if (started) options.progress?.objectFinished?.(o.name, outcome);
        return outcome;
      }),
    ),
  );
  const ranBy = new Map(ran.map((o) => [o.object, o]));
  const outcomes = targets.map((o) => ranBy.get(o.name) ?? idleOutcome(o.name));
  const usage = ctx.session.apiUsage;
  if (usage) await recordApiUsage(ctx.store.knex, ctx.org.orgId, usage, new Date(usage.at));
  return { scan, outcomes };
}
