/**
 * `FieldDefinition` through the data API's query resource: one row per field of an object, whatever the
 * integration user's field-level security (the object reference's FieldDefinition, "Represents a standard or
 * custom field, providing row-based access to field metadata"):
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_fielddefinition.htm
 *
 * What Salesforce documents and this follows:
 * - A query must filter on a "reified column", else MALFORMED_QUERY `FieldDefinition: a filter on a reified
 *   column is required [EntityDefinitionId,DurableId]`; filtering on `EntityDefinition.QualifiedApiName` (the
 *   documented example, `WHERE EntityDefinition.QualifiedApiName = 'Account'`) counts as a filter on
 *   EntityDefinitionId.
 * - Reading it takes the "View Setup and Configuration" permission (the Tooling API reference: "FieldDefinition
 *   is still exposed … to User Profiles with the ViewSetup permission",
 *   https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_fielddefinition.htm);
 *   a user without it gets INVALID_TYPE, as for any sObject type the user cannot see.
 * - `DataType` is the Setup wording (`Text(255)`, `Lookup(Account)`, `Picklist`, `Formula (Number)`), not the
 *   describe type.
 *
 * - The query operations FieldDefinition lacks ("SOQL Operation Limitations",
 *   https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/reference_objects_soql_limits.htm):
 *   OR answers "Disjunctions not supported", a negated comparison "Only equals comparisons permitted", COUNT() and
 *   GROUP BY "The requested operation is not yet supported by this SObject storage type, …"; LIMIT and OFFSET are
 *   ignored (Salesforce returns every row, an "incorrect result" by its own account).
 *
 * Simplifications (the simulator's own, documented in README.md): the WHERE clause takes `=` and `IN` on
 * EntityDefinition.QualifiedApiName, EntityDefinitionId, DurableId and QualifiedApiName joined by AND (other
 * filters and ORDER BY are refused with MALFORMED_QUERY naming the simulator); the answer is one page;
 * EntityDefinitionId is the object's API name for custom objects too (Salesforce gives those a `01I` Id).
 */
import type { Query, WhereClause } from '@jetstreamapp/soql-parser-js';
import { SimError, type JsonRecord, type QueryPage } from './api.js';
import type { FieldDef, ObjectDef } from './schema/model.js';
import { malformed, noSuchColumn, unsupportedType } from '../soql/errors.js';
import { stringValue } from '../soql/strings.js';

export const FIELD_DEFINITION = 'FieldDefinition';

/** The FieldDefinition columns the simulator serves, by lower-case name → value of a field of an object. */
const COLUMNS: Record<string, (obj: ObjectDef, f: FieldDef) => unknown> = {
  qualifiedapiname: (_o, f) => f.name,
  developername: (_o, f) => f.name.replace(/__c$/, ''),
  durableid: (o, f) => `${o.name}.${f.name}`,
  label: (_o, f) => String(f.describe.label ?? f.name),
  masterlabel: (_o, f) => String(f.describe.label ?? f.name),
  datatype: (_o, f) => setupDataType(f),
  entitydefinitionid: (o) => o.name,
  iscalculated: (_o, f) => f.describe.calculated === true,
  isnillable: (_o, f) => f.nillable,
  length: (_o, f) => (typeof f.describe.length === 'number' ? f.describe.length : 0),
};
const COLUMN_NAMES: Record<string, string> = {
  qualifiedapiname: 'QualifiedApiName',
  developername: 'DeveloperName',
  durableid: 'DurableId',
  label: 'Label',
  masterlabel: 'MasterLabel',
  datatype: 'DataType',
  entitydefinitionid: 'EntityDefinitionId',
  iscalculated: 'IsCalculated',
  isnillable: 'IsNillable',
  length: 'Length',
};
const ENTITY_COLUMNS: Record<string, (obj: ObjectDef) => unknown> = {
  qualifiedapiname: (o) => o.name,
  label: (o) => String(o.global.label ?? o.name),
  durableid: (o) => o.name,
};
const ENTITY_COLUMN_NAMES: Record<string, string> = {
  qualifiedapiname: 'QualifiedApiName',
  label: 'Label',
  durableid: 'DurableId',
};

/** The Setup wording of a field's type. */
function setupDataType(f: FieldDef): string {
  const d = f.describe;
  const num = (word: string) =>
    `${word}(${Number(d.precision ?? 18) - Number(d.scale ?? 0)}, ${Number(d.scale ?? 0)})`;
  const base = ((): string => {
    switch (f.type) {
      case 'string':
        return `Text(${Number(d.length ?? 255)})`;
      case 'textarea':
        return Number(d.length ?? 255) > 255 ? `Long Text Area(${Number(d.length)})` : 'Text Area(255)';
      case 'int':
        return `Number(${Number(d.digits ?? 9)}, 0)`;
      case 'double':
        return num('Number');
      case 'currency':
        return num('Currency');
      case 'percent':
        return num('Percent');
      case 'boolean':
        return 'Checkbox';
      case 'date':
        return 'Date';
      case 'datetime':
        return 'Date/Time';
      case 'time':
        return 'Time';
      case 'picklist':
        return 'Picklist';
      case 'multipicklist':
        return 'Picklist (Multi-Select)';
      case 'reference':
        return f.referenceTo.length === 1
          ? `Lookup(${f.referenceTo[0]})`
          : `Lookup(${f.referenceTo.join(',')})`;
      case 'id':
        return 'Lookup()';
      case 'email':
        return 'Email';
      case 'phone':
        return 'Phone';
      case 'url':
        return `URL(${Number(d.length ?? 255)})`;
      case 'address':
        return 'Address';
      case 'location':
        return 'Geolocation';
      case 'base64':
        return 'File';
      default:
        return f.type.charAt(0).toUpperCase() + f.type.slice(1);
    }
  })();
  if (d.calculated !== true) return base;
  const shown = f.type === 'string' ? 'Text' : f.type === 'double' || f.type === 'int' ? 'Number' : base;
  return `Formula (${shown})`;
}

/** One `=`/`IN` condition of the WHERE clause: column (lower case, `entitydefinition.` prefix kept) → values. */
type Filters = Map<string, Set<string>>;

function collectFilters(soql: string, where: WhereClause | undefined, filters: Filters): void {
  if (!where) return;
  const node = where as { left: unknown; operator?: string; right?: WhereClause };
  const left = node.left as {
    field?: string;
    operator?: string;
    value?: string | string[];
    openParen?: number;
    fn?: unknown;
  } | null;
  if (node.operator === 'OR') throw malformed(soql, 'Disjunctions not supported');
  if (node.operator && node.operator !== 'AND')
    throw malformed(
      soql,
      `the simulator's FieldDefinition takes only filters joined by AND, not ${node.operator}`,
    );
  if (left) {
    if (left.operator === '!=' || left.operator === '<>' || /^NOT /i.test(left.operator ?? ''))
      throw malformed(soql, 'Only equals comparisons permitted');
    if (!left.field || left.fn || (left.operator !== '=' && left.operator !== 'IN'))
      throw malformed(
        soql,
        "the simulator's FieldDefinition takes only = and IN filters on EntityDefinition.QualifiedApiName, EntityDefinitionId, DurableId and QualifiedApiName",
      );
    const column = left.field.toLowerCase();
    const known =
      column === 'entitydefinition.qualifiedapiname' ||
      column === 'entitydefinitionid' ||
      column === 'durableid' ||
      column === 'qualifiedapiname';
    if (!known) {
      if (column.includes('.') || COLUMNS[column])
        throw malformed(
          soql,
          `the simulator's FieldDefinition cannot filter on ${left.field} (it filters on EntityDefinition.QualifiedApiName, EntityDefinitionId, DurableId and QualifiedApiName)`,
        );
      throw noSuchColumn(soql, left.field, FIELD_DEFINITION);
    }
    const raw = Array.isArray(left.value) ? left.value : [left.value ?? ''];
    const values = new Set(raw.map((v) => stringValue(v).toLowerCase()));
    const previous = filters.get(column);
    // Two filters on one column are ANDed: only values in both remain.
    filters.set(column, previous ? new Set([...values].filter((v) => previous.has(v))) : values);
  }
  collectFilters(soql, node.right, filters);
}

export interface SetupEntityAccess {
  /** Every object of the org, readable or not. */
  objects(): Iterable<ObjectDef>;
  /** Whether the integration user has "View Setup and Configuration". */
  viewSetup: boolean;
}

/** Whether the query is one this module answers. */
export function isFieldDefinitionQuery(q: Query): boolean {
  return typeof q.sObject === 'string' && q.sObject.toLowerCase() === FIELD_DEFINITION.toLowerCase();
}

export function queryFieldDefinitions(soql: string, q: Query, access: SetupEntityAccess): QueryPage {
  if (!access.viewSetup) throw unsupportedType(soql, q.sObject ?? FIELD_DEFINITION);
  const counts = (q.fields ?? []).some((f) => (f as { type: string }).type === 'FieldFunctionExpression');
  if (q.groupBy || q.having || counts)
    throw malformed(
      soql,
      'The requested operation is not yet supported by this SObject storage type, contact salesforce.com support for more information.',
    );
  // LIMIT and OFFSET are ignored, as Salesforce documents for FieldDefinition.
  if (q.orderBy) throw malformed(soql, "the simulator's FieldDefinition takes no ORDER BY");
  const select: { key: string; get: (o: ObjectDef, f: FieldDef) => unknown; entity: boolean }[] = [];
  for (const field of q.fields ?? []) {
    const entry = field as { type: string; field?: string; relationships?: string[] };
    if (entry.type === 'Field' && entry.field && COLUMNS[entry.field.toLowerCase()]) {
      const lower = entry.field.toLowerCase();
      select.push({ key: COLUMN_NAMES[lower]!, get: COLUMNS[lower]!, entity: false });
    } else if (
      entry.type === 'FieldRelationship' &&
      entry.field &&
      entry.relationships?.length === 1 &&
      entry.relationships[0]!.toLowerCase() === 'entitydefinition' &&
      ENTITY_COLUMNS[entry.field.toLowerCase()]
    ) {
      const lower = entry.field.toLowerCase();
      select.push({
        key: ENTITY_COLUMN_NAMES[lower]!,
        get: (o) => ENTITY_COLUMNS[lower]!(o),
        entity: true,
      });
    } else if (entry.type === 'Field' || entry.type === 'FieldRelationship') {
      const name =
        entry.type === 'Field' ? entry.field! : [...(entry.relationships ?? []), entry.field].join('.');
      throw noSuchColumn(soql, name, FIELD_DEFINITION);
    } else throw malformed(soql, "the simulator's FieldDefinition takes plain columns only");
  }
  const filters: Filters = new Map();
  collectFilters(soql, q.where, filters);
  const byEntity = filters.get('entitydefinition.qualifiedapiname') ?? filters.get('entitydefinitionid');
  const byDurable = filters.get('durableid');
  if (!byEntity && !byDurable)
    throw new SimError(
      400,
      'MALFORMED_QUERY',
      'FieldDefinition: a filter on a reified column is required [EntityDefinitionId,DurableId]',
    );
  const byName = filters.get('qualifiedapiname');
  const records: JsonRecord[] = [];
  for (const obj of access.objects()) {
    const entityIds = [obj.name.toLowerCase()];
    if (byEntity && !entityIds.some((n) => byEntity.has(n))) continue;
    if (filters.has('entitydefinitionid') && !filters.get('entitydefinitionid')!.has(obj.name.toLowerCase()))
      continue;
    for (const f of obj.fields) {
      if (byDurable && !byDurable.has(`${obj.name}.${f.name}`.toLowerCase())) continue;
      if (byName && !byName.has(f.lower)) continue;
      const row: JsonRecord = { attributes: { type: FIELD_DEFINITION } };
      let entity: JsonRecord | null = null;
      for (const col of select) {
        if (col.entity) {
          entity ??= { attributes: { type: 'EntityDefinition' } };
          entity[col.key] = col.get(obj, f);
        } else row[col.key] = col.get(obj, f);
      }
      if (entity) row.EntityDefinition = entity;
      records.push(row);
    }
  }
  return { totalSize: records.length, done: true, records };
}
