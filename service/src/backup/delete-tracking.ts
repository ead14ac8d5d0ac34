/**
 * Deletes the record queries cannot see. Soft deletes arrive through queryAll as versions with IsDeleted = true;
 * records removed for good (hard delete, emptied recycle bin) are found here and stored as tombstones:
 * - replicateable objects: getDeleted over the time since the last check (windows split while Salesforce
 *   answers EXCEEDED_ID_LIMIT), keeping only ids queryAll no longer returns;
 * - every object, periodically, and whenever the last check is older than getDeleted's 30-day reach: an Id
 *   reconciliation comparing every record the backup holds as existing with the org.
 */
import { SalesforceError } from '../salesforce/errors.js';
import { getDeleted, holdsWholeMinute, type DeletedRecords } from '../salesforce/replication.js';
import { canonicalDatetime } from '../store/packs/canonical-record.js';
import { liveRecordIds, newestDeletedFlags } from '../store/registry/live-records.js';
import { markDeletesChecked, type RegistryObject } from '../store/registry/object-registry.js';
import { tombstone, type VersionInput } from '../store/versions/version-entry.js';
import { writeVersions } from '../store/versions/version-writer.js';
import { leaseOf, windowUpperBound, type EngineContext } from './engine-context.js';
import type { ObjectSupport } from './object-support.js';
import { idsFoundInOrg, idsInOrg } from './org-ids.js';

type Supported = Extract<ObjectSupport, { supported: true }>;

/** getDeleted reaches 30 days back (REST API developer guide); stay a little inside it. */
export const GET_DELETED_REACH_MS = 29 * 24 * 3600_000;

/**
 * Objects whose records Salesforce never deletes, so their deletes cost no getDeleted and no Id reconciliation:
 * delete() is not among their supported calls (Object Reference, "User" and "Organization":
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm,
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_organization.htm):
 * a user is deactivated instead, and an org keeps its one Organization record.
 */
export const RECORDS_NEVER_DELETED: ReadonlySet<string> = new Set(['User', 'Organization']);

/** Whether an object's deletes are found through getDeleted (else by Id reconciliation). */
export function tracksDeletesByGetDeleted(support: Supported): boolean {
  return (
    support.deletes === 'get-deleted' &&
    support.cursorField === 'SystemModstamp' &&
    support.access.kind === 'query'
  );
}

/** An object's getDeleted from `start`, already asked with other objects' (first-slices.ts). */
export interface PrefetchedDeletes {
  start: Date;
  page: DeletedRecords;
}

/** How the object's deletes are tracked at org time `now` up to `upTo`. */
type DeleteCheck =
  | { method: 'get-deleted'; start: Date }
  | { method: 'id-reconciliation' }
  /** Nothing to ask now: less than a whole minute since the last getDeleted (Salesforce refuses shorter windows),
   * or a reconciliation not due yet. */
  | { method: 'none' }
  /** Nothing ever to ask: Salesforce never deletes the object's records. */
  | { method: 'never' };

function deleteCheckFor(ctx: EngineContext, object: RegistryObject, now: Date, upTo: Date): DeleteCheck {
  const support = object.supportDetail as Supported;
  if (!support?.supported) return { method: 'none' };
  if (RECORDS_NEVER_DELETED.has(object.name)) return { method: 'never' };
  const reachStart = new Date(now.getTime() - GET_DELETED_REACH_MS);
  const checkedUntil = object.deletesCheckedUntil;
  // Beyond getDeleted's reach (a gap), or when a reconciliation is due, every Id is compared instead.
  const gap = checkedUntil !== null && checkedUntil < reachStart;
  const due = reconcileDue(ctx, object, now);
  if (tracksDeletesByGetDeleted(support) && !gap && !(due && object.reconciledAt)) {
    // A first check starts at getDeleted's reach.
    const start = checkedUntil ?? reachStart;
    return holdsWholeMinute(start, upTo) ? { method: 'get-deleted', start } : { method: 'none' };
  }
  if (!tracksDeletesByGetDeleted(support) && object.reconciledAt && !due) return { method: 'none' };
  return { method: 'id-reconciliation' };
}

/** Where the object's getDeleted starts when its deletes are asked through getDeleted now, else undefined. */
export function getDeletedStart(
  ctx: EngineContext,
  object: RegistryObject,
  now: Date,
  upTo: Date,
): Date | undefined {
  const check = deleteCheckFor(ctx, object, now, upTo);
  return check.method === 'get-deleted' ? check.start : undefined;
}

function reconcileDue(ctx: EngineContext, object: RegistryObject, now: Date): boolean {
  return !object.reconciledAt || now.getTime() - object.reconciledAt.getTime() > ctx.options.reconcileEveryMs;
}

export interface DeleteTrackingResult {
  tombstones: number;
  method: 'get-deleted' | 'id-reconciliation' | 'none';
}

/**
 * `recordsUpTo`: how far the object's records were read just before (its caught-up bound): a record deleted by
 * then that the backup holds nothing of was not in the recycle bin when read. `readWholeSince`: the org time
 * this run began reading an object it held nothing of, when it read all of it.
 */
export async function trackDeletes(
  ctx: EngineContext,
  object: RegistryObject,
  prefetched?: PrefetchedDeletes,
  recordsUpTo?: Date,
  readWholeSince?: Date,
): Promise<DeleteTrackingResult> {
  const support = object.supportDetail as Supported;
  const now = ctx.session.clock.now();
  const upTo = windowUpperBound(ctx);
  const checkedUntil = object.deletesCheckedUntil;
  // Immutable objects (CreatedDate cursor, e.g. field history) lose rows only with their parent: reconciliation covers them.
  const check = deleteCheckFor(ctx, object, now, upTo);
  if (check.method === 'none') return { tombstones: 0, method: 'none' };
  if (check.method === 'never') {
    // Checked by definition: the deletes-checked time moves with the records.
    await markDeletesChecked(
      ctx.store.knex,
      object.objectKey,
      { deletesCheckedUntil: recordsUpTo ?? upTo, ...(object.reconciledAt ? {} : { reconciledAt: now }) },
      ctx.lease,
    );
    return { tombstones: 0, method: 'none' };
  }
  if (check.method === 'get-deleted') {
    const start = check.start;
    // The answer may be at hand already, asked from the same start up to an earlier bound (the next check goes on
    // from where it covered); a first check's start (getDeleted's reach) moved with the clock meanwhile.
    const usable = prefetched && (checkedUntil === null || prefetched.start.getTime() === start.getTime());
    const { deleted, coveredUntil } = usable
      ? {
          deleted: prefetched.page.deletedRecords,
          coveredUntil: new Date(canonicalDatetime('latestDateCovered', prefetched.page.latestDateCovered)),
        }
      : await deletedInWindow(ctx, object.name, start, upTo);
    const stones = await purgedOf(ctx, object, deleted, recordsUpTo);
    const result = await writeVersions(ctx.store, ctx.org.orgId, object.name, stones, leaseOf(ctx));
    // Salesforce vouches only up to latestDateCovered (whole minutes, before in-flight commits): resume there.
    // Nothing was held before the first check: it counts as reconciled then.
    await markDeletesChecked(
      ctx.store.knex,
      object.objectKey,
      { deletesCheckedUntil: coveredUntil, ...(object.reconciledAt ? {} : { reconciledAt: now }) },
      ctx.lease,
    );
    return { tombstones: result.written, method: 'get-deleted' };
  }
  // A first reconciliation just after reading the whole object would compare it with itself, at the cost of a
  // read of every Id: the object counts as reconciled when its reading began, and deletes since then are found by
  // the next reconciliation, when it is due.
  if (!object.reconciledAt && readWholeSince) {
    await markDeletesChecked(
      ctx.store.knex,
      object.objectKey,
      { deletesCheckedUntil: upTo, reconciledAt: readWholeSince },
      ctx.lease,
    );
    return { tombstones: 0, method: 'none' };
  }
  return reconcileIds(ctx, object, support, now, upTo);
}

/**
 * The tombstones for getDeleted's ids that are gone from the org for good (hard deleted, recycle bin emptied).
 * Ids still in the recycle bin are left to the record backup, which reads them through queryAll as IsDeleted
 * versions. What the backup holds settles most ids without a call: newest version a delete — already recorded;
 * nothing held though deleted before the records' bound — queryAll did not return it, so it was purged. Only ids
 * held as live are asked of the org (a query per 200), as every id was before.
 */
async function purgedOf(
  ctx: EngineContext,
  object: RegistryObject,
  deleted: ReadonlyArray<{ id: string; deletedDate: string }>,
  recordsUpTo: Date | undefined,
): Promise<VersionInput[]> {
  const held = await newestDeletedFlags(
    ctx.store.knex,
    ctx.org.orgId,
    object.name,
    deleted.map((d) => d.id),
  );
  const readBefore = (d: { deletedDate: string }) =>
    recordsUpTo !== undefined &&
    Date.parse(canonicalDatetime('deletedDate', d.deletedDate)) <= recordsUpTo.getTime();
  const toAsk = deleted.filter((d) => held.get(d.id) === false || (!held.has(d.id) && !readBefore(d)));
  // Ids queryAll still returns are in the recycle bin.
  const inBin =
    toAsk.length > 0
      ? await idsFoundInOrg(
          ctx,
          object.name,
          toAsk.map((d) => d.id),
        )
      : new Set<string>();
  return deleted
    .filter((d) => held.get(d.id) !== true && !inBin.has(d.id))
    .map((d) => tombstone(d.id, canonicalDatetime('deletedDate', d.deletedDate)));
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
  await markDeletesChecked(
    ctx.store.knex,
    object.objectKey,
    { deletesCheckedUntil: upTo, reconciledAt: now },
    ctx.lease,
  );
  return { tombstones: result.written, method: 'id-reconciliation' };
}
