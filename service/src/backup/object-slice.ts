/**
 * One object's backup work under its run lease: records from the cursor on, then deletes. Only one run works on
 * an object at a time, across processes and replicas: the lease is taken and renewed in database time, every
 * write checks it (a run whose lease was taken over stops without writing), and a renewal that fails stops the
 * run at its next safe point. A failure is recorded in the error list with a hint and the object backs off; a
 * success closes the object's open errors.
 */
import { randomUUID } from 'node:crypto';
import { BudgetExhaustedError } from '../salesforce/api-governor.js';
import { isProcessAlive, pidNamespaceIdentity, processStartTime } from '../process-identity.js';
import { recordError } from '../store/registry/error-log.js';
import {
  claimObjectRun,
  completeObjectRun,
  LEASE_RENEW_MS,
  LeaseLostError,
  releaseObjectRun,
  renewObjectRun,
  type RegistryObject,
} from '../store/registry/object-registry.js';
import { recordBudgetWait, recordSliceOutcome } from '../store/schedule/schedule-state.js';
import { trackDeletes, type PrefetchedDeletes } from './delete-tracking.js';
import { refreshFields } from './field-refresh.js';
import type { EngineContext } from './engine-context.js';
import { errorCodeOf, hintFor } from './error-hints.js';
import { backupFiles, fileObjectSpec } from './file-backup.js';
import { backupRecords, type PrefetchedSlice } from './record-backup.js';

export interface ObjectOutcome {
  object: string;
  ok: boolean;
  written: number;
  tombstones: number;
  via?: string;
  /** Everything up to the org's now − lag is stored; false when the run stopped early with more to read. */
  complete: boolean;
  error?: { code: string; message: string };
  skipped?: 'running-elsewhere' | 'stopping' | 'lease-lost';
  /** The API budget allows no more calls now: the object waits until then (org time), as no failure. */
  waitingForBudgetUntil?: Date;
}

export interface ObjectSliceOptions {
  onStarted?(): void;
  onProgress?(read: number): void;
  /** Stop at the next safe point after this long (a scheduled slice); the rest waits for the next one. */
  budgetMs?: number;
  /** Delete tracking after the records: on every run (a foreground pass), or when its cadence says so. */
  deletes?: 'always' | 'when-due';
  /** Asked every few seconds: a reason to stop at the next safe point (the org was paused), or undefined. */
  shouldStop?: () => Promise<string | undefined>;
  /** The object's first slice, and its first getDeleted, already read with other objects' (first-slices.ts). */
  prefetched?: PrefetchedSlice;
  prefetchedDeletes?: PrefetchedDeletes;
}

/** How often a running slice asks whether it should stop (mode changes take effect within a scheduler tick). */
const STOP_CHECK_MS = 5_000;

const PID_NAMESPACE = pidNamespaceIdentity();

/**
 * A lease names its holder (pid namespace, pid, process start time) plus a random part, so a holder that died in
 * this same pid namespace is recognised at once, and two runs never share a lease.
 */
function newLease(): string {
  return `${PID_NAMESPACE ?? '?'}|${process.pid}|${processStartTime(process.pid) ?? ''}|${randomUUID()}`;
}

function holderGone(lease: string): boolean {
  const [namespace, pid, start] = lease.split('|');
  return (
    PID_NAMESPACE !== null && namespace === PID_NAMESPACE && !isProcessAlive(Number(pid), start || undefined)
  );
}

export async function backupObject(
  ctx: EngineContext,
  object: RegistryObject,
  options: ObjectSliceOptions = {},
): Promise<ObjectOutcome> {
  const knex = ctx.store.knex;
  const lease = newLease();
  const none = { object: object.name, written: 0, tombstones: 0 };
  if (ctx.signal?.aborted) return { ...none, ok: true, complete: false, skipped: 'stopping' };
  if (!(await claimObjectRun(knex, object.objectKey, lease, { isHolderGone: holderGone })))
    return { ...none, ok: true, complete: false, skipped: 'running-elsewhere' };

  // The run's own stop: the process stopping, its time budget spent, its lease lost, or a mode change.
  const stop = new AbortController();
  const stopFor = (reason: string) => {
    if (!stop.signal.aborted) stop.abort(reason);
  };
  const onOuterAbort = () => stopFor('the process is stopping');
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timers: NodeJS.Timeout[] = [];
  if (options.budgetMs !== undefined)
    timers.push(setTimeout(() => stopFor('the slice used its time budget'), options.budgetMs));
  timers.push(
    setInterval(() => {
      renewObjectRun(knex, object.objectKey, lease).then(
        (held) => held || stopFor('the lease was taken over'),
        () => stopFor('the lease could not be renewed'),
      );
    }, LEASE_RENEW_MS),
  );
  if (options.shouldStop) {
    const ask = options.shouldStop;
    timers.push(
      setInterval(() => {
        ask().then(
          (reason) => reason && stopFor(reason),
          () => undefined,
        );
      }, STOP_CHECK_MS),
    );
  }
  // A caught-up object's calls are checks for the API budget governor (they may use the check reserve).
  const kind = object.backfillCompletedAt && object.caughtUpAt ? 'check' : 'backfill';
  const run: EngineContext = { ...ctx, session: ctx.session.forKind(kind), signal: stop.signal, lease };
  options.onStarted?.();
  // An object this run reads from nothing (no cursor, no record held): when it reads all of it, its Ids need no
  // first comparison with the org's (delete-tracking.ts).
  const readingFromNothingSince =
    object.cursor === null && object.records === 0 ? ctx.session.clock.now() : undefined;
  let outcome: ObjectOutcome;
  /** Released with the run's success (completeObjectRun); otherwise in `finally`. */
  let released = false;
  try {
    const records = await backupRecords(run, object, options.onProgress, options.prefetched);
    const complete = records.caughtUpTo !== null;
    const deletesDue =
      options.deletes !== 'when-due' ||
      !object.deletesCheckedUntil ||
      ctx.session.clock.now().getTime() - object.deletesCheckedUntil.getTime() >=
        ctx.options.deleteCheckIntervalMs;
    // The record backup moves only the cursor and caught-up times, none of which delete tracking reads.
    const deletes =
      complete && deletesDue && !stop.signal.aborted
        ? await trackDeletes(
            run,
            object,
            options.prefetchedDeletes,
            records.caughtUpTo ?? undefined,
            readingFromNothingSince,
          )
        : { tombstones: 0 };
    // Records stored before some fields became readable are read again for them, once the object is caught up.
    const refreshed =
      complete && object.fieldRefresh && !stop.signal.aborted
        ? await refreshFields(run, object)
        : { complete: !object.fieldRefresh, written: 0 };
    // File bodies (objects_and_files mode), once the records they belong to are stored.
    const files =
      complete && fileObjectSpec(object.name) && !stop.signal.aborted
        ? await backupFiles(run, object, records.written + refreshed.written)
        : { complete: true, paused: false };
    // Errors closed, failures cleared and the lease released, in one round trip.
    await completeObjectRun(knex, {
      orgId: ctx.org.orgId,
      object: object.name,
      objectKey: object.objectKey,
      lease,
      at: new Date(),
    });
    released = true;
    outcome = {
      ...none,
      ok: true,
      written: records.written + refreshed.written,
      tombstones: deletes.tombstones,
      via: records.via,
      // Bodies left for a later mode do not keep the object busy.
      complete: complete && refreshed.complete && (files.complete || files.paused === true),
    };
  } catch (err) {
    if (err instanceof LeaseLostError) {
      ctx.logger.warn(
        { type: 'object-backup', orgId: ctx.org.orgId, object: object.name },
        'another run took this object over; stopping without writing',
      );
      return { ...none, ok: true, complete: false, skipped: 'lease-lost' };
    }
    if (err instanceof BudgetExhaustedError) {
      // What was read before the refused call is stored (writes happen batch by batch); the object waits for
      // the budget without an error row, and the scheduler does not queue it before then.
      ctx.logger.info(
        { type: 'api-budget', orgId: ctx.org.orgId, object: object.name, kind: err.kind, until: err.until },
        'the API budget allows no more calls now; the object waits',
      );
      await recordBudgetWait(knex, object.objectKey, err.until);
      return { ...none, ok: true, complete: false, waitingForBudgetUntil: err.until };
    }
    const code = errorCodeOf(err, 'BACKUP_FAILED');
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
    await recordSliceOutcome(knex, object.objectKey, false);
    outcome = { ...none, ok: false, complete: false, error: { code, message } };
  } finally {
    for (const t of timers) clearTimeout(t);
    ctx.signal?.removeEventListener('abort', onOuterAbort);
    if (!released) await releaseObjectRun(knex, object.objectKey, lease);
  }
  return outcome;
}
