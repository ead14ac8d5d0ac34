/**
 * The engine's view of the `objects` rows: what the schema scan found (support, access, readable fields) and
 * where each object's backup stands (cursor, backfill, caught-up time, deletes checked, running).
 */
import type { Knex } from 'knex';
import type { PackCursor } from '../packs/pack-format.js';

export interface ObjectField {
  name: string;
  type: string;
}

export interface RegistryObject {
  objectKey: number;
  name: string;
  label: string | null;
  support: 'supported' | 'unsupported' | 'unknown';
  supportReason: string | null;
  /** The engine's support decision (JSON), opaque to the store. */
  supportDetail: unknown;
  excludedByUser: boolean;
  access: 'available' | 'unavailable';
  cursor: PackCursor | null;
  backfillCompletedAt: Date | null;
  caughtUpAt: Date | null;
  records: number;
  versions: number;
  bytes: number;
  lastBackupAt: Date | null;
  oldestVersionAt: Date | null;
  newestVersionAt: Date | null;
  describeHash: string | null;
  fields: ObjectField[] | null;
  describeSeenAt: Date | null;
  deletesCheckedUntil: Date | null;
  reconciledAt: Date | null;
  runningSince: Date | null;
  /** Fields the backup holds for every record; null: every field in `fields`. */
  coveredFields: string[] | null;
  /** A re-read of stored records for fields that became readable, if one is pending. */
  fieldRefresh: FieldRefresh | null;
  /** Org time until which the object waits for the API budget (the last slice was refused calls), or null. */
  budgetWaitUntil?: Date | null;
}

/**
 * Records stored before `fields` became readable, re-read from `cursor` (exclusive) up to the object's own cursor
 * (records after it are read with the new fields anyway).
 */
export interface FieldRefresh {
  fields: string[];
  cursor: PackCursor | null;
}

interface Row {
  org_id: string;
  object_key: number;
  name: string;
  label: string | null;
  support: RegistryObject['support'];
  support_reason: string | null;
  support_detail: unknown;
  excluded_by_user: boolean;
  access: RegistryObject['access'];
  cursor_system_modstamp: Date | null;
  cursor_id: string | null;
  backfill_completed_at: Date | null;
  caught_up_at: Date | null;
  records: number;
  versions: number;
  bytes: number;
  last_backup_at: Date | null;
  oldest_version_at: Date | null;
  newest_version_at: Date | null;
  describe_hash: string | null;
  fields: ObjectField[] | null;
  describe_seen_at: Date | null;
  deletes_checked_until: Date | null;
  reconciled_at: Date | null;
  running_since: Date | null;
  covered_fields: string[] | null;
  refresh_fields: string[];
  refresh_cursor_system_modstamp: Date | null;
  refresh_cursor_id: string | null;
  budget_wait_until?: Date | null;
}

function fromRow(r: Row): RegistryObject {
  return {
    objectKey: r.object_key,
    name: r.name,
    label: r.label,
    support: r.support,
    supportReason: r.support_reason,
    supportDetail: r.support_detail,
    excludedByUser: r.excluded_by_user,
    access: r.access,
    cursor:
      r.cursor_system_modstamp && r.cursor_id
        ? { systemModstamp: r.cursor_system_modstamp.toISOString(), id: r.cursor_id }
        : null,
    backfillCompletedAt: r.backfill_completed_at,
    caughtUpAt: r.caught_up_at,
    records: r.records,
    versions: r.versions,
    bytes: r.bytes,
    lastBackupAt: r.last_backup_at,
    oldestVersionAt: r.oldest_version_at,
    newestVersionAt: r.newest_version_at,
    describeHash: r.describe_hash,
    fields: r.fields,
    describeSeenAt: r.describe_seen_at,
    deletesCheckedUntil: r.deletes_checked_until,
    reconciledAt: r.reconciled_at,
    runningSince: r.running_since,
    budgetWaitUntil: r.budget_wait_until ?? null,
    coveredFields: r.covered_fields,
    fieldRefresh: r.refresh_fields?.length
      ? {
          fields: r.refresh_fields,
          cursor:
            r.refresh_cursor_system_modstamp && r.refresh_cursor_id
              ? { systemModstamp: r.refresh_cursor_system_modstamp.toISOString(), id: r.refresh_cursor_id }
              : null,
        }
      : null,
  };
}

export async function listRegistry(knex: Knex, orgId: string): Promise<RegistryObject[]> {
  return (await knex<Row>('objects').where({ org_id: orgId }).orderBy('name')).map(fromRow);
}

/** What status screens read: every column but the field lists and support details (most of a row's bytes). */
const STATUS_COLUMNS = [
  'object_key',
  'name',
  'label',
  'support',
  'support_reason',
  'excluded_by_user',
  'access',
  'cursor_system_modstamp',
  'cursor_id',
  'backfill_completed_at',
  'caught_up_at',
  'records',
  'versions',
  'bytes',
  'last_backup_at',
  'oldest_version_at',
  'newest_version_at',
  'describe_hash',
  'describe_seen_at',
  'deletes_checked_until',
  'reconciled_at',
  'running_since',
  'covered_fields',
  'refresh_fields',
  'refresh_cursor_system_modstamp',
  'refresh_cursor_id',
  'budget_wait_until',
];

/**
 * The registry as the dashboard and object lists need it: `fields` and `supportDetail` are left out (null),
 * which keeps a status read of hundreds of objects to a few milliseconds.
 */
export async function listRegistryForStatus(knex: Knex, orgId: string): Promise<RegistryObject[]> {
  const rows = await knex('objects').where({ org_id: orgId }).orderBy('name').select(STATUS_COLUMNS);
  return (rows as Row[]).map((r) => fromRow({ ...r, fields: null, support_detail: null }));
}

export async function getRegistryObject(
  knex: Knex,
  orgId: string,
  name: string,
): Promise<RegistryObject | undefined> {
  const row = await knex<Row>('objects').where({ org_id: orgId, name }).first();
  return row ? fromRow(row) : undefined;
}

/** The API name and key of an org's object named `name` in any case, or undefined. */
export async function findObjectByName(
  knex: Knex,
  orgId: string,
  name: string,
): Promise<{ name: string; objectKey: number } | undefined> {
  // API names are unique whatever their case, so at most one row matches.
  const row = await knex('objects')
    .where({ org_id: orgId })
    .andWhereRaw('lower(name) = lower(?)', [name])
    .first<{ name: string; object_key: number } | undefined>('name', 'object_key');
  return row ? { name: row.name, objectKey: row.object_key } : undefined;
}

/** Records what a scan decided about one object the integration user can see. */
export async function upsertScannedObject(
  knex: Knex,
  orgId: string,
  o: {
    name: string;
    label: string;
    support: 'supported' | 'unsupported';
    supportReason: string | null;
    supportDetail: unknown;
  },
): Promise<void> {
  await knex('objects')
    .insert({
      org_id: orgId,
      name: o.name,
      label: o.label,
      support: o.support,
      support_reason: o.supportReason,
      support_detail: JSON.stringify(o.supportDetail),
      access: 'available',
    })
    .onConflict(['org_id', 'name'])
    .merge(['label', 'support', 'support_reason', 'support_detail', 'access']);
}

export async function setObjectFields(
  knex: Knex,
  orgId: string,
  name: string,
  fields: ObjectField[],
  describeHash: string,
  seenAt: Date,
): Promise<void> {
  await knex('objects')
    .where({ org_id: orgId, name })
    .update({ fields: JSON.stringify(fields), describe_hash: describeHash, describe_seen_at: seenAt });
}

export async function setObjectAccess(
  knex: Knex,
  orgId: string,
  names: string[],
  access: 'available' | 'unavailable',
): Promise<void> {
  if (names.length === 0) return;
  await knex('objects').where({ org_id: orgId }).whereIn('name', names).update({ access });
}

/** Applies the user's exclusion list (case-insensitive names) to every object of the org. */
export async function applyExclusions(knex: Knex, orgId: string, exclusions: string[]): Promise<void> {
  const lower = exclusions.map((e) => e.toLowerCase());
  await knex('objects')
    .where({ org_id: orgId })
    .update({ excluded_by_user: lower.length === 0 ? false : knex.raw('lower(name) = ANY(?)', [lower]) });
}

export async function recordSchemaChanges(
  knex: Knex,
  orgId: string,
  changes: Array<{ object: string; field?: string; change: string }>,
  at: Date,
): Promise<void> {
  if (changes.length === 0) return;
  await knex('schema_changes').insert(
    changes.map((c) => ({ org_id: orgId, object: c.object, field: c.field ?? null, change: c.change, at })),
  );
}

export async function listSchemaChanges(
  knex: Knex,
  orgId: string,
): Promise<Array<{ object: string; field: string | null; change: string; at: Date }>> {
  return knex('schema_changes')
    .where({ org_id: orgId })
    .orderBy('change_id')
    .select('object', 'field', 'change', 'at');
}

/**
 * A write made under an object's run lease found the lease held by another run (or by none): the run was
 * taken over after its lease went stale, so it must stop without writing anything more.
 */
export class LeaseLostError extends Error {
  constructor(readonly objectKey: number) {
    super(`the run lease of object ${objectKey} was taken over by another run; this run stops`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Checks, inside `trx`, that `lease` still holds the object, and locks its row until `trx` ends, so a run whose
 * lease was taken over cannot write after the new holder started (the lease is the fencing token).
 */
export async function assertLeaseHeld(trx: Knex, objectKey: number, lease: string): Promise<void> {
  const row = await trx('objects')
    .where({ object_key: objectKey })
    .forUpdate()
    .first<{ running_lease: string | null } | undefined>('running_lease');
  if (row?.running_lease !== lease) throw new LeaseLostError(objectKey);
}

export function markBackfillComplete(knex: Knex, objectKey: number, at: Date, lease?: string): Promise<void> {
  return setUnderLease(
    knex,
    objectKey,
    'backfill_completed_at',
    'coalesce(backfill_completed_at, ?)',
    at,
    lease,
  );
}

/**
 * Moves a point in time forward, never back: two runs that overlap (a replica whose lease was taken over, a slow
 * one finishing late) must not undo the later one's progress. (GREATEST skips a null: a first time is set.)
 */
function advance(knex: Knex, objectKey: number, column: string, to: Date, lease?: string): Promise<void> {
  return setUnderLease(knex, objectKey, column, `greatest(${column}, ?)`, to, lease);
}

/**
 * Sets `column` of the object's row to `expression` (one `?`, bound to `value`), in ONE statement that also checks
 * the lease when there is one: the UPDATE locks the row and matches it only while `lease` still holds it, so no
 * other run can take the object over in between (LeaseLostError when the lease has gone). These marks end every
 * object slice: one round trip rather than a transaction of four.
 */
async function setUnderLease(
  knex: Knex,
  objectKey: number,
  column: string,
  expression: string,
  value: Date,
  lease: string | undefined,
): Promise<void> {
  const updated = await knex('objects')
    .where({ object_key: objectKey, ...(lease === undefined ? {} : { running_lease: lease }) })
    .update({ [column]: knex.raw(expression, [value]) });
  if (lease !== undefined && updated === 0) throw new LeaseLostError(objectKey);
}

export function markCaughtUp(knex: Knex, objectKey: number, at: Date, lease?: string): Promise<void> {
  return advance(knex, objectKey, 'caught_up_at', at, lease);
}

export function setDeletesCheckedUntil(
  knex: Knex,
  objectKey: number,
  until: Date,
  lease?: string,
): Promise<void> {
  return markDeletesChecked(knex, objectKey, { deletesCheckedUntil: until }, lease);
}

/**
 * A delete check's marks in one statement: `deletes_checked_until` and, when given, `reconciled_at` move forward,
 * never back (as `advance`), under the lease when there is one (LeaseLostError otherwise).
 */
export async function markDeletesChecked(
  knex: Knex,
  objectKey: number,
  marks: { deletesCheckedUntil: Date; reconciledAt?: Date },
  lease?: string,
): Promise<void> {
  const updated = await knex('objects')
    .where({ object_key: objectKey, ...(lease === undefined ? {} : { running_lease: lease }) })
    .update({
      deletes_checked_until: knex.raw('greatest(deletes_checked_until, ?)', [marks.deletesCheckedUntil]),
      ...(marks.reconciledAt
        ? { reconciled_at: knex.raw('greatest(reconciled_at, ?)', [marks.reconciledAt]) }
        : {}),
    });
  if (lease !== undefined && updated === 0) throw new LeaseLostError(objectKey);
}

/** How long a lease lives without renewal; holders renew it every LEASE_RENEW_MS. */
export const LEASE_STALE_MS = 90_000;
export const LEASE_RENEW_MS = 20_000;

/**
 * Takes the object's run lease: false when another run holds it. Lease times are the database's, never a
 * host's, so replicas with skewed clocks agree on when a lease went stale. A lease not renewed for `staleMs`,
 * or one whose holder `isHolderGone` says is dead, is taken over.
 */
export async function claimObjectRun(
  knex: Knex,
  objectKey: number,
  lease: string,
  options: { staleMs?: number; isHolderGone?: (lease: string) => boolean } = {},
): Promise<boolean> {
  const staleMs = options.staleMs ?? LEASE_STALE_MS;
  // Free or stale (the usual case): taken in one UPDATE, which re-checks its condition on the row it locks.
  const taken = await knex('objects')
    .where({ object_key: objectKey })
    .where((free) =>
      free
        .whereNull('running_lease')
        .orWhereNull('running_since')
        .orWhereRaw(`running_since < now() - ? * interval '1 millisecond'`, [staleMs]),
    )
    .update({ running_since: knex.fn.now(), running_lease: lease });
  if (taken > 0) return true;
  // Held: taken over only when its holder is gone (asked outside the database), under the row's lock.
  return knex.transaction(async (trx) => {
    const row = await trx('objects')
      .where({ object_key: objectKey })
      .forUpdate()
      .first<{ running_lease: string | null; stale: boolean } | undefined>(
        'running_lease',
        trx.raw(`running_since IS NULL OR running_since < now() - ? * interval '1 millisecond' AS stale`, [
          staleMs,
        ]),
      );
    if (!row) return false;
    const free =
      row.running_lease === null || row.stale || options.isHolderGone?.(row.running_lease) === true;
    if (!free) return false;
    await trx('objects')
      .where({ object_key: objectKey })
      .update({ running_since: trx.fn.now(), running_lease: lease });
    return true;
  });
}

/** Renews a held lease (database time); false when it was taken over meanwhile. */
export async function renewObjectRun(knex: Knex, objectKey: number, lease: string): Promise<boolean> {
  return (
    (await knex('objects')
      .where({ object_key: objectKey, running_lease: lease })
      .update({ running_since: knex.fn.now() })) > 0
  );
}

export async function releaseObjectRun(knex: Knex, objectKey: number, lease: string): Promise<void> {
  await knex('objects')
    .where({ object_key: objectKey, running_lease: lease })
    .update({ running_since: null, running_lease: null });
}

/**
 * The end of a run that succeeded, in one statement: the object's open errors close (closeObjectErrors), its
 * failures and waits are cleared (recordSliceOutcome), and `lease` is released if it still holds the object
 * (releaseObjectRun). Every run ends this way unless it failed.
 */
export async function completeObjectRun(
  knex: Knex,
  run: { orgId: string; object: string; objectKey: number; lease: string; at: Date },
): Promise<void> {
  await knex.raw(
    `WITH closed AS (
       UPDATE errors SET closed_at = ?
        WHERE org_id = ? AND object = ? AND record_id IS NULL AND closed_at IS NULL AND dismissed_at IS NULL
     )
     UPDATE objects SET failures = 0, retry_after = NULL, budget_wait_until = NULL, last_slice_at = CURRENT_TIMESTAMP,
            running_since = CASE WHEN running_lease = ? THEN NULL ELSE running_since END,
            running_lease = CASE WHEN running_lease = ? THEN NULL ELSE running_lease END
      WHERE object_key = ?`,
    [run.at, run.orgId, run.object, run.lease, run.lease, run.objectKey],
  );
}

/**
 * Fields that became readable after records of the object were stored: those records are to be read again for
 * them. A refresh already pending starts over with the union, since its records so far were not read for the new
 * fields. Nothing to do for an object with nothing stored yet: its backfill reads the new fields.
 */
export async function queueFieldRefresh(
  knex: Knex,
  orgId: string,
  object: string,
  fields: readonly string[],
  coveredBefore: readonly string[],
): Promise<void> {
  await knex.raw(
    `UPDATE objects SET
       covered_fields = coalesce(covered_fields, ?::text[]),
       refresh_fields = ARRAY(SELECT DISTINCT f FROM unnest(refresh_fields || ?::text[]) AS f ORDER BY f),
       refresh_cursor_system_modstamp = NULL, refresh_cursor_id = NULL
     WHERE org_id = ? AND name = ? AND cursor_system_modstamp IS NOT NULL`,
    [[...coveredBefore], [...fields], orgId, object],
  );
}

/** How far a field refresh has read (fenced by the run's lease when one is given). */
export async function advanceFieldRefresh(
  knex: Knex,
  objectKey: number,
  cursor: PackCursor,
  lease?: string,
): Promise<void> {
  await knex.transaction(async (trx) => {
    if (lease !== undefined) await assertLeaseHeld(trx, objectKey, lease);
    await trx('objects')
      .where({ object_key: objectKey })
      .update({ refresh_cursor_system_modstamp: cursor.systemModstamp, refresh_cursor_id: cursor.id });
  });
}

/**
 * A refresh read every record it had to: `held` are now held for every record, and the refresh of `finished`
 * (which may name fields that became unreadable again) is over. Fields queued meanwhile (the refresh started over
 * for them) stay pending.
 */
export async function completeFieldRefresh(
  knex: Knex,
  objectKey: number,
  held: readonly string[],
  finished: readonly string[],
  lease?: string,
): Promise<void> {
  await knex.transaction(async (trx) => {
    if (lease !== undefined) await assertLeaseHeld(trx, objectKey, lease);
    await trx.raw(
      `UPDATE objects SET
         covered_fields = ARRAY(SELECT DISTINCT f FROM unnest(coalesce(covered_fields, '{}') || ?::text[]) AS f ORDER BY f),
         refresh_fields = ARRAY(SELECT f FROM unnest(refresh_fields) AS f WHERE f <> ALL(?::text[])),
         refresh_cursor_system_modstamp = NULL, refresh_cursor_id = NULL
       WHERE object_key = ?`,
      [[...held], [...finished], objectKey],
    );
  });
}
