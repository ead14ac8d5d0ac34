/**
 * Field metadata history and the data of the missing-field-permissions report, brought up to date at the end of
 * each schema scan. An object is compared only when its describe snapshot or its access changed since it was last
 * compared, so a scan that found nothing new costs no API call here; the objects that did change are listed
 * through FieldDefinition (one query per 100 objects), which names every field of the org whatever the
 * integration user's field-level security. Comparing the last compared snapshot with the current one, and the
 * stored FieldDefinition listing with the fresh one, gives what changed:
 *
 * - a field in the describe now and not before: `added`, or `access-regained` when the org had it already;
 * - a field gone from the describe: `access-lost` when FieldDefinition still lists it, `removed` when it does not,
 *   `removed-or-hidden` when FieldDefinition could not be read;
 * - a field the user never could read that the org added or deleted: `added` / `removed` (FieldDefinition only);
 * - on a field readable before and after: `type` (type or length), `formula`, `picklist` (the active values),
 *   `label`;
 * - on the object (`field` null): `access-lost`, `access-regained`, `removed`, `queryable`.
 *
 * The first comparison of an object is its baseline and records nothing. The history is kept in PostgreSQL only:
 * the bucket's snapshots do not say in which order describes were seen (one that comes back is the same object)
 * and the FieldDefinition listings are not snapshotted, so it cannot be rebuilt from the bucket.
 */
import type { DescribeField, ObjectDescribe } from '../salesforce/describe.js';
import {
  isFieldDefinitionDenied,
  readFieldDefinitions,
  type FieldDefinitionRow,
} from '../salesforce/field-definitions.js';
import {
  listFieldCheckCandidates,
  loadFieldDefinitions,
  readFieldCheckState,
  recordFieldCheck,
  saveFieldCheckState,
  type ObjectAccess,
  type StoredFieldChange,
} from '../store/schemas/field-history-store.js';
import { readSchemaSnapshot } from '../store/schemas/schema-snapshots.js';
import type { EngineContext } from './engine-context.js';

export const FIELD_CHANGE_KINDS = [
  'added',
  'removed',
  'removed-or-hidden',
  'access-lost',
  'access-regained',
  'type',
  'formula',
  'picklist',
  'label',
  'queryable',
] as const;
export type FieldChangeKind = (typeof FIELD_CHANGE_KINDS)[number];

export interface FieldChange extends StoredFieldChange {
  change: FieldChangeKind;
}

/** What one side of a comparison knows about an object. */
export interface ObjectSide {
  access: ObjectAccess;
  /** The describe snapshot (null when none). */
  describe: ObjectDescribe | null;
  /** Field name → definition from FieldDefinition; null when it could not be read. */
  definitions: ReadonlyMap<string, { label: string; dataType: string }> | null;
}

/** The error the report carries while FieldDefinition cannot be read. */
export const FIELD_DEFINITION_DENIED = {
  code: 'FIELD_DEFINITION_DENIED',
  message:
    'The integration user cannot read FieldDefinition, so the fields it cannot read are not listed and a removed ' +
    'field cannot be told from a hidden one. Grant "View Setup and Configuration" in a permission set assigned to ' +
    'the integration user; the report fills at the next schema scan.',
} as const;

function fieldSummary(f: DescribeField): Record<string, unknown> {
  return {
    label: f.label,
    type: f.type,
    ...(typeof f.length === 'number' && f.length > 0 ? { length: f.length } : {}),
    ...(f.calculated ? { formula: f.calculatedFormula ?? null } : {}),
    readable: true,
  };
}

function picklistValues(f: DescribeField): string[] | null {
  const values = f.picklistValues;
  if (!Array.isArray(values)) return null;
  return (values as Array<{ value?: unknown; active?: unknown }>)
    .filter((p) => p.active !== false)
    .map((p) => String(p.value));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return a.length === b.length && b.every((v) => set.has(v));
}

/** What changed on one readable field. */
function fieldChanges(name: string, before: DescribeField, after: DescribeField): FieldChange[] {
  const out: FieldChange[] = [];
  if (before.type !== after.type || (before.length ?? 0) !== (after.length ?? 0))
    out.push({
      field: name,
      change: 'type',
      before: { type: before.type, length: before.length ?? 0 },
      after: { type: after.type, length: after.length ?? 0 },
    });
  const formulaBefore = before.calculated ? (before.calculatedFormula ?? null) : null;
  const formulaAfter = after.calculated ? (after.calculatedFormula ?? null) : null;
  if (formulaBefore !== formulaAfter)
    out.push({ field: name, change: 'formula', before: formulaBefore, after: formulaAfter });
  const valuesBefore = picklistValues(before);
  const valuesAfter = picklistValues(after);
  if (
    (valuesBefore ?? []).length + (valuesAfter ?? []).length > 0 &&
    !sameSet(valuesBefore ?? [], valuesAfter ?? [])
  )
    out.push({ field: name, change: 'picklist', before: valuesBefore ?? [], after: valuesAfter ?? [] });
  if (before.label !== after.label)
    out.push({ field: name, change: 'label', before: before.label, after: after.label });
  return out;
}

/** What changed between two sides of one object (see the module comment). */
export function diffObject(before: ObjectSide, after: ObjectSide): FieldChange[] {
  const out: FieldChange[] = [];
  const wasReadable = before.access === 'available';
  const isReadable = after.access === 'available';
  if (wasReadable && !isReadable) {
    const inOrg = after.definitions === null ? null : after.definitions.size > 0;
    out.push({
      field: null,
      change: inOrg === null ? 'removed-or-hidden' : inOrg ? 'access-lost' : 'removed',
      before: { readable: true },
      after: inOrg ? { readable: false } : null,
    });
  }
  if (!wasReadable && isReadable)
    out.push({
      field: null,
      change: 'access-regained',
      before: { readable: false },
      after: { readable: true },
    });
  if (!isReadable || !before.describe || !after.describe) return out;
  if (before.describe.queryable !== after.describe.queryable)
    out.push({
      field: null,
      change: 'queryable',
      before: before.describe.queryable,
      after: after.describe.queryable,
    });
  const previous = new Map(before.describe.fields.map((f) => [f.name, f]));
  const current = new Map(after.describe.fields.map((f) => [f.name, f]));
  const names = [...new Set([...previous.keys(), ...current.keys()])].sort();
  for (const name of names) {
    const p = previous.get(name);
    const c = current.get(name);
    if (p && c) out.push(...fieldChanges(name, p, c));
    else if (c) {
      if (before.definitions?.has(name))
        out.push({
          field: name,
          change: 'access-regained',
          before: { readable: false },
          after: { readable: true },
        });
      else out.push({ field: name, change: 'added', before: null, after: fieldSummary(c) });
    } else if (p) {
      const change: FieldChangeKind =
        after.definitions === null
          ? 'removed-or-hidden'
          : after.definitions.has(name)
            ? 'access-lost'
            : 'removed';
      out.push({
        field: name,
        change,
        before: change === 'access-lost' ? { readable: true } : fieldSummary(p),
        after: change === 'access-lost' ? { readable: false } : null,
      });
    }
  }
  // Fields the user could not read on either side: only FieldDefinition sees them come and go.
  if (before.definitions && after.definitions) {
    for (const [name, d] of after.definitions)
      if (!before.definitions.has(name) && !current.has(name))
        out.push({
          field: name,
          change: 'added',
          before: null,
          after: { label: d.label, type: d.dataType, readable: false },
        });
    for (const [name, d] of before.definitions)
      if (!after.definitions.has(name) && !previous.has(name))
        out.push({
          field: name,
          change: 'removed',
          before: { label: d.label, type: d.dataType, readable: false },
          after: null,
        });
  }
  return out;
}

export interface FieldHistoryResult {
  /** Objects compared. */
  compared: number;
  changes: number;
  /** Whether FieldDefinition was read (one API call per 100 objects compared, plus one per further page). */
  definitionsRead: boolean;
}

async function snapshotOf(
  ctx: EngineContext,
  object: string,
  hash: string | null,
): Promise<ObjectDescribe | null> {
  if (!hash) return null;
  try {
    return (await readSchemaSnapshot(ctx.store, ctx.org.orgId, object, hash)) as ObjectDescribe;
  } catch (err) {
    ctx.logger.warn(
      { type: 'field-history', object, hash, err },
      'describe snapshot unreadable; compared as absent',
    );
    return null;
  }
}

/**
 * Compares every object whose describe or access changed since its last comparison and records the changes and
 * the field definitions. Runs after the schema scan recorded its describes. A failure reading FieldDefinition
 * other than a denied permission leaves the objects to the next scan and says so in the report.
 */
export async function trackFieldDefinitions(ctx: EngineContext, scanTime: Date): Promise<FieldHistoryResult> {
  const { org, store, session, logger } = ctx;
  const knex = store.knex;
  const candidates = await listFieldCheckCandidates(knex, org.orgId);
  if (candidates.length === 0) return { compared: 0, changes: 0, definitionsRead: false };
  const names = candidates.map((c) => c.object);
  let fresh: Map<string, FieldDefinitionRow[]> | null = null;
  try {
    fresh = await readFieldDefinitions(session, names);
  } catch (err) {
    if (!isFieldDefinitionDenied(err)) {
      const state = await readFieldCheckState(knex, org.orgId);
      await saveFieldCheckState(knex, org.orgId, {
        checkedAt: state.checkedAt,
        error: {
          code: 'FIELD_CHECK_FAILED',
          message: `FieldDefinition could not be read: ${(err as Error).message}`,
        },
      });
      logger.warn(
        { type: 'field-history', orgId: org.orgId, err },
        'field definitions not read; retried at the next scan',
      );
      return { compared: 0, changes: 0, definitionsRead: false };
    }
  }
  const stored = await loadFieldDefinitions(knex, org.orgId, names);
  let changes = 0;
  for (const candidate of candidates) {
    const prev = candidate.previous;
    const listed = fresh ? (fresh.get(candidate.object) ?? []) : null;
    const current = await snapshotOf(ctx, candidate.object, candidate.describeHash);
    const readableNow = new Set(
      candidate.access === 'available' && current ? current.fields.map((f) => f.name) : [],
    );
    const storedDefs = stored.get(candidate.object);
    const found: FieldChange[] = prev
      ? diffObject(
          {
            access: prev.access,
            describe: await snapshotOf(ctx, candidate.object, prev.describeHash),
            definitions:
              prev.definitionsKnown && storedDefs ? storedDefs : prev.definitionsKnown ? new Map() : null,
          },
          {
            access: candidate.access,
            describe: current,
            definitions: listed ? new Map(listed.map((d) => [d.field, d])) : null,
          },
        )
      : [];
    await recordFieldCheck(knex, org.orgId, candidate.object, {
      check: {
        describeHash: candidate.describeHash,
        access: candidate.access,
        definitionsKnown: listed !== null,
        inOrg: listed ? listed.length > 0 : (prev?.inOrg ?? true),
      },
      at: scanTime,
      definitions: listed ? listed.map((d) => ({ ...d, readable: readableNow.has(d.field) })) : null,
      changes: found,
    });
    changes += found.length;
  }
  await saveFieldCheckState(
    knex,
    org.orgId,
    fresh
      ? { checkedAt: scanTime, error: null }
      : {
          checkedAt: (await readFieldCheckState(knex, org.orgId)).checkedAt,
          error: { ...FIELD_DEFINITION_DENIED },
        },
  );
  logger.info(
    {
      type: 'field-history',
      orgId: org.orgId,
      compared: candidates.length,
      changes,
      definitionsRead: fresh !== null,
    },
    'field definitions compared',
  );
  return { compared: candidates.length, changes, definitionsRead: fresh !== null };
}
