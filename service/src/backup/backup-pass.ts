/**
 * One backup pass over an org: a schema scan, then every object that is supported, available and not excluded —
 * records first, then deletes. A failing object is recorded in the error list (with a hint) and the others go on;
 * an object that succeeds closes its earlier errors. Only one run works on an object at a time (a lease).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pLimit from 'p-limit';
import { SalesforceError } from '../salesforce/errors.js';
import { recordApiUsage } from '../store/registry/dashboard-data.js';
import { closeObjectErrors, recordError } from '../store/registry/error-log.js';
import {
  claimObjectRun,
  listRegistry,
  releaseObjectRun,
  renewObjectRun,
  type RegistryObject,
} from '../store/registry/object-registry.js';
import { isProcessAlive, processStartTime } from '../process-identity.js';
import { trackDeletes } from './delete-tracking.js';
import type { EngineContext } from './engine-context.js';
import { hintFor } from './error-hints.js';
import { backupRecords } from './record-backup.js';
import { scanSchema, type ScanResult } from './schema-scan.js';

export interface PassProgress {
  objectStarted?(name: string): void;
  objectProgress?(name: string, read: number): void;
  objectFinished?(name: string, outcome: ObjectOutcome): void;
}

export interface ObjectOutcome {
  object: string;
  ok: boolean;
  written: number;
  tombstones: number;
  via?: string;
  error?: { code: string; message: string };
  skipped?: 'running-elsewhere' | 'stopping';
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
  const limit = pLimit(options.concurrency ?? 2);
  const outcomes = await Promise.all(
    targets.map((o) =>
      limit(() =>
        ctx.signal?.aborted
          ? Promise.resolve<ObjectOutcome>({
              object: o.name,
              ok: true,
              written: 0,
              tombstones: 0,
              skipped: 'stopping',
            })
          : backupObject(ctx, o, options.progress),
      ),
    ),
  );
  const usage = ctx.session.apiUsage;
  if (usage) await recordApiUsage(ctx.store.knex, ctx.org.orgId, usage, new Date(usage.at));
  return { scan, outcomes };
}

/** A lease names its holder (host, pid, process start time), so a holder that died on this host is recognised at once. */
function newLease(): string {
  return `${hostname()}|${process.pid}|${processStartTime(process.pid) ?? ''}|${randomUUID()}`;
}

function holderGone(lease: string): boolean {
  const [host, pid, start] = lease.split('|');
  return host === hostname() && !isProcessAlive(Number(pid), start || undefined);
}

const LEASE_RENEW_MS = 60_000;

async function backupObject(
  ctx: EngineContext,
  object: RegistryObject,
  progress?: PassProgress,
): Promise<ObjectOutcome> {
  const lease = newLease();
  const knex = ctx.store.knex;
  if (!(await claimObjectRun(knex, object.objectKey, lease, new Date(), { isHolderGone: holderGone }))) {
    return { object: object.name, ok: true, written: 0, tombstones: 0, skipped: 'running-elsewhere' };
  }
  const renew = setInterval(
    () => void renewObjectRun(knex, object.objectKey, lease, new Date()).catch(() => undefined),
    LEASE_RENEW_MS,
  );
  progress?.objectStarted?.(object.name);
  let outcome: ObjectOutcome;
  try {
    const records = await backupRecords(ctx, object, (read) => progress?.objectProgress?.(object.name, read));
    // The record backup moves only the cursor and caught-up times, none of which delete tracking reads.
    const deletes = ctx.signal?.aborted ? { tombstones: 0 } : await trackDeletes(ctx, object);
    await closeObjectErrors(knex, ctx.org.orgId, object.name, new Date());
    outcome = {
      object: object.name,
      ok: true,
      written: records.written,
      tombstones: deletes.tombstones,
      via: records.via,
    };
  } catch (err) {
    const code =
      err instanceof SalesforceError ? err.errorCode : ((err as { code?: string }).code ?? 'BACKUP_FAILED');
    const message = err instanceof Error ? err.message : String(err);
    ctx.logger.error(
      { type: 'object-backup', orgId: ctx.org.orgId, object: object.name, code, err },
      'object backup failed',
    );
    await recordError(knex, {
      orgId: ctx.org.orgId,
      code,
      message,
      stack: err instanceof Error ? (err.stack ?? null) : null,
      hint: hintFor(code),
      object: object.name,
      at: new Date(),
    });
    outcome = { object: object.name, ok: false, written: 0, tombstones: 0, error: { code, message } };
  } finally {
    clearInterval(renew);
    await releaseObjectRun(knex, object.objectKey, lease);
  }
  progress?.objectFinished?.(object.name, outcome);
  return outcome;
}
