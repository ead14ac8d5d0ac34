/**
 * An object's fields as the package's Backup History formats values (label, type, decimal places, picklist
 * labels), from the describe the last schema scan stored. The package itself reads them from Apex's Schema
 * describe in the user's language (AutoBackupHistoryController.getFieldDescriptions); this is the same shape
 * for the preview and API clients, in the integration user's view: only the fields it can read.
 */
import { findRegisteredOrg } from '../backup/engine-factory.js';
import type { DescribeField, ObjectDescribe } from '../salesforce/describe.js';
import { getRegistryObject, findObjectByName } from '../store/registry/object-registry.js';
import { readSchemaSnapshot } from '../store/schemas/schema-snapshots.js';
import type { AppContext } from './app-context.js';
import { AppError } from './app-error.js';

export interface FieldDescription {
  name: string;
  label: string;
  /** The describe's type name: currency, datetime, picklist, … */
  type: string;
  /** Decimal places of number, currency and percent fields only. */
  scale?: number;
  /** Picklist, multi-select picklist and combobox fields only. */
  picklistValues?: Array<{ value: string; label: string }>;
}

export interface ObjectFields {
  name: string;
  label: string;
  fields: FieldDescription[];
}

const SCALED_TYPES = new Set(['double', 'currency', 'percent']);
const PICKLIST_TYPES = new Set(['picklist', 'multipicklist', 'combobox']);

interface PicklistEntry {
  value?: unknown;
  label?: unknown;
}

function describeField(field: DescribeField): FieldDescription {
  const description: FieldDescription = { name: field.name, label: field.label, type: field.type };
  if (SCALED_TYPES.has(field.type) && typeof field.scale === 'number') description.scale = field.scale;
  if (PICKLIST_TYPES.has(field.type)) {
    const entries = Array.isArray(field.picklistValues) ? (field.picklistValues as PicklistEntry[]) : [];
    description.picklistValues = entries
      .filter((entry) => typeof entry.value === 'string')
      .map((entry) => ({
        value: entry.value as string,
        label: typeof entry.label === 'string' ? entry.label : (entry.value as string),
      }));
  }
  return description;
}

export async function objectFields(ctx: AppContext, orgId: string, object: string): Promise<ObjectFields> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  const known = await findObjectByName(ctx.store.knex, org.orgId, object);
  const registered = known && (await getRegistryObject(ctx.store.knex, org.orgId, known.name));
  if (!registered) throw new AppError('NOT_FOUND', `object "${object}" is not known in org ${org.orgId}`);
  if (!registered.describeHash)
    throw new AppError(
      'NOT_FOUND',
      `object "${registered.name}" has not been described yet in org ${org.orgId}; its fields are known after the next schema scan`,
    );
  const describe = (await readSchemaSnapshot(
    ctx.store,
    org.orgId,
    registered.name,
    registered.describeHash,
  )) as ObjectDescribe;
  return {
    name: registered.name,
    label: registered.label ?? describe.label,
    fields: describe.fields.map(describeField),
  };
}
