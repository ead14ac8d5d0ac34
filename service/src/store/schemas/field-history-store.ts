/**
 * The rows behind field metadata history and the missing-field-permissions report (migration 0011): the org's
 * field definitions per object with what the integration user can read, the state each object was last compared
 * in, the report's freshness, and the changes seen.
 */
import type { Knex } from 'knex';

export type ObjectAccess = 'available' | 'unavailable';

export interface StoredDefinition {
  label: string;
  dataType: string;
  readable: boolean;
}

export interface FieldCheck {
  describeHash: string | null;
  access: ObjectAccess;
  definitionsKnown: boolean;
  inOrg: boolean;
}

/** An object whose describe or access changed since it was last compared (or that never was). */
export interface FieldCheckCandidate {
  object: string;
  access: ObjectAccess;
  describeHash: string;
  previous: FieldCheck | null;
}

export interface StoredFieldChange {
  field: string | null;
  change: string;
  before: unknown;
  after: unknown;
}

export interface FieldChangeEntry extends StoredFieldChange {
  id: string;
  at: Date;
}

export interface FieldCheckState {
  checkedAt: Date | null;
  error: { code: string; message: string } | null;
}

interface CandidateRow {
  name: string;
  access: ObjectAccess;
  describe_hash: string;
  checked_hash: string | null;
  checked_access: ObjectAccess | null;
  definitions_known: boolean | null;
  in_org: boolean | null;
}

/**
 * Objects to compare: described ones whose current snapshot or access differs from the last comparison, or that
 * were described afresh since it, and those compared while FieldDefinition could not be read (so a granted
 * permission fills the report at the next scan).
 */
export async function listFieldCheckCandidates(knex: Knex, orgId: string): Promise<FieldCheckCandidate[]> {
  const rows = await knex('objects as o')
    .leftJoin('field_checks as c', function join() {
      this.on('c.org_id', 'o.org_id').andOn('c.object', 'o.name');
    })
    .where('o.org_id', orgId)
    .whereNotNull('o.describe_hash')
    .where((q) =>
      q
        .whereNull('c.object')
        .orWhereRaw('c.describe_hash IS DISTINCT FROM o.describe_hash')
        .orWhereRaw('c.access <> o.access')
        // Described afresh (Salesforce said its metadata changed) even if the user's describe reads the same: a
        // field added or removed out of the user's sight shows only in FieldDefinition.
        .orWhereRaw('o.describe_seen_at > c.checked_at')
        .orWhere('c.definitions_known', false),
    )
    .orderBy('o.name')
    .select<CandidateRow[]>(
      'o.name',
      'o.access',
      'o.describe_hash',
      'c.describe_hash as checked_hash',
      'c.access as checked_access',
      'c.definitions_known',
      'c.in_org',
    );
  return rows.map((r) => ({
    object: r.name,
    access: r.access,
    describeHash: r.describe_hash,
    previous:
      r.checked_access === null
        ? null
        : {
            describeHash: r.checked_hash,
            access: r.checked_access,
            definitionsKnown: r.definitions_known === true,
            inOrg: r.in_org !== false,
          },
  }));
}

/** The stored definitions of the objects named, by object then field. */
export async function loadFieldDefinitions(
  knex: Knex,
  orgId: string,
  objects: readonly string[],
): Promise<Map<string, Map<string, StoredDefinition>>> {
  const out = new Map<string, Map<string, StoredDefinition>>();
  if (objects.length === 0) return out;
  const rows = await knex('field_definitions')
    .where({ org_id: orgId })
    .whereIn('object', objects)
    .select<Array<{ object: string; field: string; label: string; data_type: string; readable: boolean }>>(
      'object',
      'field',
      'label',
      'data_type',
      'readable',
    );
  for (const r of rows) {
    const fields = out.get(r.object) ?? new Map<string, StoredDefinition>();
    fields.set(r.field, { label: r.label, dataType: r.data_type, readable: r.readable });
    out.set(r.object, fields);
  }
  return out;
}

/**
 * Records one object's comparison in one transaction: the changes it found, its field definitions (when
 * FieldDefinition was read; otherwise the stored ones stay) and the state compared.
 */
export async function recordFieldCheck(
  knex: Knex,
  orgId: string,
  object: string,
  input: {
    check: FieldCheck;
    at: Date;
    definitions: Array<{ field: string; label: string; dataType: string; readable: boolean }> | null;
    changes: StoredFieldChange[];
  },
): Promise<void> {
  await knex.transaction(async (trx) => {
    if (input.changes.length > 0)
      await trx('field_changes').insert(
        input.changes.map((c) => ({
          org_id: orgId,
          object,
          field: c.field,
          change: c.change,
          before: c.before === null || c.before === undefined ? null : JSON.stringify(c.before),
          after: c.after === null || c.after === undefined ? null : JSON.stringify(c.after),
          at: input.at,
        })),
      );
    if (input.definitions) {
      await trx('field_definitions').where({ org_id: orgId, object }).delete();
      if (input.definitions.length > 0)
        await trx('field_definitions').insert(
          input.definitions.map((d) => ({
            org_id: orgId,
            object,
            field: d.field,
            label: d.label,
            data_type: d.dataType,
            readable: d.readable,
          })),
        );
    }
    await trx('field_checks')
      .insert({
        org_id: orgId,
        object,
        describe_hash: input.check.describeHash,
        access: input.check.access,
        definitions_known: input.check.definitionsKnown,
        in_org: input.check.inOrg,
        checked_at: input.at,
      })
      .onConflict(['org_id', 'object'])
      .merge();
  });
}

export async function saveFieldCheckState(knex: Knex, orgId: string, state: FieldCheckState): Promise<void> {
  await knex('field_check_state')
    .insert({
      org_id: orgId,
      checked_at: state.checkedAt,
      error_code: state.error?.code ?? null,
      error_message: state.error?.message ?? null,
    })
    .onConflict('org_id')
    .merge();
}

export async function readFieldCheckState(knex: Knex, orgId: string): Promise<FieldCheckState> {
  const row = await knex('field_check_state')
    .where({ org_id: orgId })
    .first<{ checked_at: Date | null; error_code: string | null; error_message: string | null } | undefined>(
      'checked_at',
      'error_code',
      'error_message',
    );
  return {
    checkedAt: row?.checked_at ?? null,
    error: row?.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
  };
}

export interface MissingFieldRow {
  object: string;
  objectLabel: string;
  field: string;
  fieldLabel: string;
  dataType: string;
}

/** Fields of readable, backed-up objects that the integration user cannot read, by object then field. */
export async function listUnreadableFields(
  knex: Knex,
  orgId: string,
  object?: string,
): Promise<MissingFieldRow[]> {
  const rows = await knex('field_definitions as d')
    .join('field_checks as c', function join() {
      this.on('c.org_id', 'd.org_id').andOn('c.object', 'd.object');
    })
    .join('objects as o', function join() {
      this.on('o.org_id', 'd.org_id').andOn('o.name', 'd.object');
    })
    .where({ 'd.org_id': orgId, 'd.readable': false, 'c.access': 'available', 'o.support': 'supported' })
    .modify((q) => {
      if (object !== undefined) void q.where('d.object', object);
    })
    .orderBy([{ column: 'd.object' }, { column: 'd.field' }])
    .select<
      Array<{ object: string; object_label: string | null; field: string; label: string; data_type: string }>
    >('d.object', 'o.label as object_label', 'd.field', 'd.label', 'd.data_type');
  return rows.map((r) => ({
    object: r.object,
    objectLabel: r.object_label ?? r.object,
    field: r.field,
    fieldLabel: r.label,
    dataType: r.data_type,
  }));
}

/** Objects that exist in the org (as far as last known) but the integration user can no longer read. */
export async function listUnreadableObjects(
  knex: Knex,
  orgId: string,
  object?: string,
): Promise<Array<{ object: string; label: string }>> {
  const rows = await knex('field_checks as c')
    .join('objects as o', function join() {
      this.on('o.org_id', 'c.org_id').andOn('o.name', 'c.object');
    })
    .where({ 'c.org_id': orgId, 'c.access': 'unavailable', 'c.in_org': true })
    .modify((q) => {
      if (object !== undefined) void q.where('c.object', object);
    })
    .orderBy('c.object')
    .select<Array<{ object: string; label: string | null }>>('c.object', 'o.label');
  return rows.map((r) => ({ object: r.object, label: r.label ?? r.object }));
}

/** One object's changes, newest first, after a position of an earlier page. */
export async function pageFieldChanges(
  knex: Knex,
  orgId: string,
  object: string,
  page: { limit: number; after?: { at: Date; id: string } },
): Promise<FieldChangeEntry[]> {
  const rows = await knex('field_changes')
    .where({ org_id: orgId, object })
    .modify((q) => {
      if (page.after) void q.whereRaw('(at, change_id) < (?, ?)', [page.after.at, page.after.id]);
    })
    .orderBy([
      { column: 'at', order: 'desc' },
      { column: 'change_id', order: 'desc' },
    ])
    .limit(page.limit)
    .select<
      Array<{
        change_id: string;
        at: Date;
        field: string | null;
        change: string;
        before: unknown;
        after: unknown;
      }>
    >('change_id', 'at', 'field', 'change', 'before', 'after');
  return rows.map((r) => ({
    id: String(r.change_id),
    at: r.at,
    field: r.field,
    change: r.change,
    before: r.before ?? null,
    after: r.after ?? null,
  }));
}
