/**
 * One backup pass over an org (`autobackup backup`): a schema scan, then every object that is supported,
 * available and not excluded, each through backupObject (records, then deletes, under the object's lease). A
 * failing object is recorded in the error list and the others go on.
 *
 * What the pass costs in API calls is kept low (issue #15): the runs' first queries, with their getDeleted, are
 * read 5 objects at a time in one `/composite` call (first-slices.ts); an object with nothing new costs no call
 * of its own.
 */
import pLimit from 'p-limit';
import { recordApiUsage } from '../store/registry/dashboard-data.js';
import { listRegistry, type RegistryObject } from '../store/registry/object-registry.js';
import type { EngineContext } from './engine-context.js';
import { FirstSliceReader } from './first-slices.js';
import { backupObject, type ObjectOutcome } from './object-slice.js';
import { scanSchema, type ScanResult } from './schema-scan.js';

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

export async function runBackupPass(
  ctx: EngineContext,
  options: { objects?: string[]; concurrency?: number; progress?: PassProgress } = {},
): Promise<PassResult> {
  const scan = await scanSchema(ctx);
  const targets = objectsToBackUp(await listRegistry(ctx.store.knex, ctx.org.orgId), options.objects);
  // Deletes are tracked on every run of a foreground pass (backupObject's default), so their getDeleted rides along.
  const firstSlices = new FirstSliceReader(ctx, targets);
  const limit = pLimit(options.concurrency ?? 2);
  const outcomes = await Promise.all(
    targets.map((o) =>
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
  const usage = ctx.session.apiUsage;
  if (usage) await recordApiUsage(ctx.store.knex, ctx.org.orgId, usage, new Date(usage.at));
  return { scan, outcomes };
}
