/**
 * The "missing field permissions" report: fields that exist in the org but the integration user cannot read (so
 * the backup cannot hold them), by object, and objects it can no longer read at all, each with what to grant.
 * It is a database read: the schema scan brings the data up to date (backup/field-history.ts), asking Salesforce
 * only about objects whose describe or access changed, so showing the report costs no API call. `checkedAt` is
 * the scan that last read FieldDefinition; `error` says why the report may be incomplete (no permission to read
 * FieldDefinition, or a failed read retried at the next scan).
 */
import { findRegisteredOrg } from '../backup/engine-factory.js';
import {
  listUnreadableFields,
  listUnreadableObjects,
  readFieldCheckState,
} from '../store/schemas/field-history-store.js';
import { findObjectByName } from '../store/registry/object-registry.js';
import type { AppContext } from './app-context.js';
import { AppError } from './app-error.js';

export interface MissingFieldItem {
  object: string;
  label: string;
  field: string;
  fieldLabel: string;
  /** Salesforce's Setup wording of the field's type (`Text(255)`, `Lookup(Account)`, `Formula (Number)`). */
  type: string;
  grant: string;
}

export interface MissingFieldsReport {
  checkedAt: string | null;
  items: MissingFieldItem[];
  objectsUnreadable: Array<{ object: string; label: string; grant: string }>;
  error: { code: string; message: string } | null;
}

export function fieldGrant(object: string, field: string): string {
  return `Read on ${object}.${field}: field-level security in the permission set assigned to the integration user`;
}

export function objectGrant(object: string): string {
  return `Read on ${object}: object permission in the permission set assigned to the integration user`;
}

export async function missingFields(
  ctx: AppContext,
  orgId: string,
  query: { object?: string | undefined } = {},
): Promise<MissingFieldsReport> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  let object: string | undefined;
  if (query.object !== undefined) {
    const known = await findObjectByName(ctx.store.knex, org.orgId, query.object);
    if (!known) throw new AppError('NOT_FOUND', `object "${query.object}" is not known in org ${org.orgId}`);
    object = known.name;
  }
  const [state, fields, objects] = await Promise.all([
    readFieldCheckState(ctx.store.knex, org.orgId),
    listUnreadableFields(ctx.store.knex, org.orgId, object),
    listUnreadableObjects(ctx.store.knex, org.orgId, object),
  ]);
  return {
    checkedAt: state.checkedAt?.toISOString() ?? null,
    items: fields.map((f) => ({
      object: f.object,
      label: f.objectLabel,
      field: f.field,
      fieldLabel: f.fieldLabel,
      type: f.dataType,
      grant: fieldGrant(f.object, f.field),
    })),
    objectsUnreadable: objects.map((o) => ({
      object: o.object,
      label: o.label,
      grant: objectGrant(o.object),
    })),
    error: state.error,
  };
}
