/**
 * Deletes the record queries cannot see. Soft deletes arrive through queryAll as versions with IsDeleted = true;
 * records removed for good (hard delete, emptied recycle bin) are found here and stored as tombstones:
 * - replicateable objects: getDeleted over the time since the last check (windows split while Salesforce
 *   answers EXCEEDED_ID_LIMIT), keeping only ids queryAll no longer returns;
 * - every object, periodically, and whenever the last check is older than getDeleted's 30-day reach: an Id
 *   reconciliation comparing every record the backup holds as existing with the org.
 */
import { SalesforceError } from '../salesforce/errors.js';
import { getDeleted, holdsWholeMinute } from '../salesforce/replication.js';
import { canonicalDatetime } from '../store/packs/canonical-record.js';
import { liveRecordIds } from '../store/registry/live-records.js';
import {
  setDeletesCheckedUntil,
  setReconciledAt,
  type RegistryObject,
} from '../store/registry/object-registry.js';
import { tombstone } from '../store/versions/version-entry.js';
import { writeVersions } from '../store/versions/version-writer.js';
import { leaseOf, windowUpperBound, type EngineContext } from './engine-context.js';
import type { ObjectSupport } from './object-support.js';
import { idsFoundInOrg, idsInOrg } from './org-ids.js';

type Supported = Extract<ObjectSupport, { supported: true }>;

/** getDeleted reaches 30 days back (REST API developer guide); stay a little inside it. */
const GET_DELETED_REACH_MS = 29 * 24 * 3600_000;

export interface DeleteTrackingResult {
  tombstones: number;
  method: 'get-deleted' | 'id-reconciliation' | 'none';
}

export async function trackDeletes(
  ctx: EngineContext,
  object: RegistryObject,
): Promise<DeleteTrackingResult> {
  const support = object.supportDetail as Supported;
  const now = ctx.session.clock.now();
  const upTo = windowUpperBound(ctx);
  const reachStart = new Date(now.getTime() - GET_DELETED_REACH_MS);
  const checkedUntil = object.deletesCheckedUntil;
  const gap = checkedUntil !== null && checkedUntil < reachStart;
  const reconcileDue =
    !object.reconciledAt || now.getTime() - object.reconciledAt.getTime() > ctx.options.reconcileEveryMs;

  // Immutable objects (CreatedDate cursor, e.g. field history) lose rows only with their parent: reconciliation covers them.
  const useGetDeleted =
    support.deletes === 'get-deleted' &&
    support.cursorField === 'SystemModstamp' &&
    support.access.kind === 'query';
  if (useGetDeleted && !gap && !(reconcileDue && object.reconciledAt)) {
    const start = checkedUntil ?? reachStart;
    // Wait until a whole minute has passed since the last check: Salesforce refuses shorter windows.
    if (!holdsWholeMinute(start, upTo)) return { tombstones: 0, method: 'none' };
    const { deleted, coveredUntil } = await deletedInWindow(ctx, object.name, start, upTo);
    // Ids queryAll still returns are in the recycle bin: the record backup captures them as IsDeleted versions.
    const inBin = await idsFoundInOrg(
      ctx,
      object.name,
      deleted.map((d) => d.id),
    );
    const stones = deleted
      .filter((d) => !inBin.has(d.id))
      .map((d) => tombstone(d.id, canonicalDatetime('deletedDate', d.deletedDate)));
    const result = await writeVersions(ctx.store, ctx.org.orgId, object.name, stones, leaseOf(ctx));
    // Salesforce vouches only up to latestDateCovered (whole minutes, before in-flight commits): resume there.
    await setDeletesCheckedUntil(ctx.store.knex, object.objectKey, coveredUntil, ctx.lease);
    // Nothing was held before the first check.
    if (!object.reconciledAt) await setReconciledAt(ctx.store.knex, object.objectKey, now, ctx.lease);
    return { tombstones: result.written, method: 'get-deleted' };
  }
  if (!useGetDeleted && object.reconciledAt && !reconcileDue) return { tombstones: 0, method: 'none' };
  return reconcileIds(ctx, object, support, now, upTo);
}

interface DeletedWindow {
  deleted: Array<{ id: string; deletedDate: string }>;
  coveredUntil: Date;
}

async function deletedInWindow(
  ctx: EngineContext,
  object: string,
  start: Date,
  end: Date,
): Promise<DeletedWindow> {
  try {
    const page = await getDeleted(ctx.session, object, start, end);
    return {
      deleted: page.deletedRecords,
      coveredUntil: new Date(canonicalDatetime('latestDateCovered', page.latestDateCovered)),
    };
  } catch (err) {
    // Windows are whole minutes to Salesforce; split while one holds more than 600,000 ids.
    if (
      err instanceof SalesforceError &&
      err.errorCode === 'EXCEEDED_ID_LIMIT' &&
      end.getTime() - start.getTime() >= 120_000
    ) {
      const mid = new Date(Math.floor((start.getTime() + end.getTime()) / 120_000) * 60_000);
      const first = await deletedInWindow(ctx, object, start, mid);
      if (first.coveredUntil < mid) return first;
      const second = await deletedInWindow(ctx, object, mid, end);
      return { deleted: [...first.deleted, ...second.deleted], coveredUntil: second.coveredUntil };
    }
    throw err;
  }
}

/** Every record the backup holds as existing but the org no longer has gets a tombstone at `now`. */
async function reconcileIds(
  ctx: EngineContext,
  object: RegistryObject,
  support: Supported,
  now: Date,
  upTo: Date,
): Promise<DeleteTrackingResult> {
  const held = await liveRecordIds(ctx.store.knex, ctx.org.orgId, object.name);
  if (held.size > 0) {
    for await (const ids of idsInOrg(ctx, object.name, support)) for (const id of ids) held.delete(id);
  }
  const at = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
  const result = await writeVersions(
    ctx.store,
    ctx.org.orgId,
    object.name,
    [...held].map((id) => tombstone(id, at)),
    leaseOf(ctx),
  );
  await setReconciledAt(ctx.store.knex, object.objectKey, now, ctx.lease);
  await setDeletesCheckedUntil(ctx.store.knex, object.objectKey, upTo, ctx.lease);
  return { tombstones: result.written, method: 'id-reconciliation' };
}
