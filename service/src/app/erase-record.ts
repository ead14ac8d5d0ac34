/**
 * Erasing records from the backup (GDPR right to erasure): each record's versions leave the index and the bucket,
 * and a tombstone says who erased what, when and why (store/versions/erase-record.ts). The object's run lease is
 * held meanwhile, so no backup of the object writes while its packs are rewritten.
 *
 * The backup only follows the org: a record that still exists in Salesforce is backed up again at its next change.
 * Erasure in the backup must be paired with deletion in the org (every answer says so in `note`).
 */
import { randomUUID } from 'node:crypto';
import { findRegisteredOrg } from '../backup/engine-factory.js';
import { isProcessAlive, pidNamespaceIdentity, processStartTime } from '../process-identity.js';
import { canonicalId } from '../salesforce/record-id.js';
import {
  claimObjectRun,
  findObjectByName,
  LEASE_RENEW_MS,
  LeaseLostError,
  releaseObjectRun,
  renewObjectRun,
} from '../store/registry/object-registry.js';
import { eraseRecord, type EraseTarget, type RecordErasure } from '../store/versions/erase-record.js';
import type { AppContext } from './app-context.js';
import { AppError } from './app-error.js';

export interface EraseRequest {
  orgId: string;
  object: string;
  /** Record Ids, 15 or 18 characters. */
  ids: readonly string[];
  reason?: string | undefined;
  /** Who asks (kept with the tombstone). */
  by?: string | undefined;
  dryRun?: boolean | undefined;
}

export interface EraseReport {
  orgId: string;
  object: string;
  dryRun: boolean;
  records: RecordErasure[];
  note: string;
}

export const ERASE_NOTE =
  'Erasure removes the record from the backup only. Delete it in Salesforce too: while it exists there, ' +
  'its next change is backed up again.';

/** How long an erasure waits for a running backup of the object to finish its slice (slices last ~2 minutes). */
const LEASE_WAIT_MS = 180_000;
const LEASE_POLL_MS = 1_000;

const PID_NAMESPACE = pidNamespaceIdentity();

/** A lease in the shape backup slices use (object-slice.ts), so a crashed erasure's lease is taken over at once. */
function erasureLease(): string {
  return `${PID_NAMESPACE ?? '?'}|${process.pid}|${processStartTime(process.pid) ?? ''}|erase-${randomUUID()}`;
}

function holderGone(lease: string): boolean {
  const [namespace, pid, start] = lease.split('|');
  return (
    PID_NAMESPACE !== null && namespace === PID_NAMESPACE && !isProcessAlive(Number(pid), start || undefined)
  );
}

function recordIds(ids: readonly string[]): string[] {
  if (ids.length === 0) throw new AppError('INVALID_REQUEST', 'no record Id given to erase');
  const out: string[] = [];
  for (const raw of ids) {
    const id = canonicalId(raw.trim());
    if (id === null)
      throw new AppError(
        'INVALID_REQUEST',
        `"${raw}" is not a Salesforce record Id (15 or 18 letters and digits)`,
      );
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** Runs `work` holding the object's run lease (waiting for a running backup slice), renewed until it ends. */
async function underObjectLease<T>(
  ctx: AppContext,
  target: EraseTarget,
  work: (lease: string) => Promise<T>,
  waitMs: number,
): Promise<T> {
  const { knex } = ctx.store;
  const lease = erasureLease();
  const deadline = Date.now() + waitMs;
  while (!(await claimObjectRun(knex, target.objectKey, lease, { isHolderGone: holderGone }))) {
    if (Date.now() >= deadline)
      throw new AppError(
        'UNAVAILABLE',
        `${target.object} is being backed up and its run did not end within ${Math.round(waitMs / 1000)} s; run erase again (or pause the org first)`,
      );
    await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
  }
  const renewal = setInterval(() => {
    renewObjectRun(knex, target.objectKey, lease).catch(() => undefined); // a lost lease fails the next rewrite
  }, LEASE_RENEW_MS);
  try {
    return await work(lease);
  } catch (err) {
    if (err instanceof LeaseLostError)
      throw new AppError(
        'UNAVAILABLE',
        `the erasure lost ${target.object}'s run lease; run erase again to finish`,
      );
    throw err;
  } finally {
    clearInterval(renewal);
    await releaseObjectRun(knex, target.objectKey, lease);
  }
}

export async function eraseRecords(
  ctx: AppContext,
  request: EraseRequest,
  options: { leaseWaitMs?: number } = {},
): Promise<EraseReport> {
  const org = await findRegisteredOrg(ctx.store.knex, request.orgId);
  const ids = recordIds(request.ids);
  const known = await findObjectByName(ctx.store.knex, org.orgId, request.object);
  if (known === undefined)
    throw new AppError('UNKNOWN_OBJECT', `object "${request.object}" is not known in org ${org.orgId}`);
  const target: EraseTarget = { orgId: org.orgId, object: known.name, objectKey: known.objectKey };
  const dryRun = request.dryRun === true;
  const eraseAll = async (lease?: string) => {
    const records: RecordErasure[] = [];
    for (const id of ids)
      records.push(
        await eraseRecord(ctx.store, target, id, {
          reason: request.reason ?? null,
          by: request.by ?? null,
          dryRun,
          ...(lease !== undefined ? { lease } : {}),
        }),
      );
    return records;
  };
  const records = dryRun
    ? await eraseAll()
    : await underObjectLease(ctx, target, eraseAll, options.leaseWaitMs ?? LEASE_WAIT_MS);
  for (const r of records)
    if (r.outcome === 'erased')
      ctx.logger.info(
        {
          type: 'erasure',
          orgId: org.orgId,
          object: target.object,
          versions: r.versions,
          erasedAt: r.erasedAt,
        },
        'record erased from the backup',
      );
  return { orgId: org.orgId, object: target.object, dryRun, records, note: ERASE_NOTE };
}
