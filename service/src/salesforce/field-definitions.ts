/**
 * The fields of objects as the org defines them, whatever the integration user's field-level security: the
 * `FieldDefinition` object through the data API's query resource (Object Reference, "FieldDefinition",
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_fielddefinition.htm).
 * A describe lists only the fields the user can read, so this is what tells a field hidden from the user from one
 * deleted. FieldDefinition must be filtered by object (`a filter on a reified column is required
 * [EntityDefinitionId,DurableId]`), and reading it takes the "View Setup and Configuration" permission.
 */
import { SalesforceError } from './errors.js';
import type { SalesforceSession } from './session.js';

export interface FieldDefinitionRow {
  object: string;
  field: string;
  label: string;
  /** Setup wording: `Text(255)`, `Lookup(Account)`, `Formula (Number)`. */
  dataType: string;
}

/** Objects per query: keeps the query URL far below Salesforce's 16,384-character limit for a GET URI. */
const OBJECTS_PER_QUERY = 100;

interface Page {
  records: Array<{
    QualifiedApiName: string;
    Label: string | null;
    DataType: string | null;
    EntityDefinition: { QualifiedApiName: string } | null;
  }>;
  done: boolean;
  nextRecordsUrl?: string;
}

const quote = (name: string): string => `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The integration user may not read FieldDefinition (no "View Setup and Configuration"). */
export function isFieldDefinitionDenied(err: unknown): boolean {
  return (
    err instanceof SalesforceError &&
    (err.errorCode === 'INVALID_TYPE' || err.errorCode.startsWith('INSUFFICIENT_ACCESS'))
  );
}

/** Every field of the objects named, by object; an object absent from the answer has no field (not in the org). */
export async function readFieldDefinitions(
  session: SalesforceSession,
  objects: readonly string[],
): Promise<Map<string, FieldDefinitionRow[]>> {
  const byObject = new Map<string, FieldDefinitionRow[]>();
  const canonical = new Map(objects.map((o) => [o.toLowerCase(), o]));
  for (let i = 0; i < objects.length; i += OBJECTS_PER_QUERY) {
    const batch = objects.slice(i, i + OBJECTS_PER_QUERY);
    const soql =
      'SELECT QualifiedApiName, Label, DataType, EntityDefinition.QualifiedApiName FROM FieldDefinition ' +
      `WHERE EntityDefinition.QualifiedApiName IN (${batch.map(quote).join(', ')})`;
    let path: string | undefined = `/query/?q=${encodeURIComponent(soql)}`;
    while (path) {
      const res: { body: Page } = await session.request<Page>({ path, kind: 'schema' });
      for (const r of res.body.records) {
        const owner = r.EntityDefinition?.QualifiedApiName;
        if (!owner) continue;
        const object = canonical.get(owner.toLowerCase()) ?? owner;
        const list = byObject.get(object) ?? [];
        list.push({
          object,
          field: r.QualifiedApiName,
          label: r.Label ?? r.QualifiedApiName,
          dataType: r.DataType ?? '',
        });
        byObject.set(object, list);
      }
      path = res.body.done ? undefined : res.body.nextRecordsUrl;
    }
  }
  return byObject;
}
