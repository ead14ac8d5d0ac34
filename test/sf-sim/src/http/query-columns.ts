import { parseQuery, type FieldType, type Query, type Subquery } from '@jetstreamapp/soql-parser-js';
import type { SimOrg } from '../org/api.js';

/**
 * `GET /query?q=…&columns=true`: the column metadata of a query, which `sf data query` asks for
 * to lay out its table. Names come back in the describe's casing, relationship paths as nested
 * `joinColumns`, subqueries and functions with `aggregate: true`. The query itself has been
 * validated by the org before this runs.
 */
interface DescribeField {
  name: string;
  type: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  relationshipName: string | null;
  referenceTo: string[];
}
interface ChildRelationship {
  childSObject: string;
  relationshipName: string | null;
}
interface ObjectDescribe {
  name: string;
  keyPrefix: string | null;
  fields: DescribeField[];
  childRelationships: ChildRelationship[];
}

export interface ColumnMetadata {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMetadata[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
}

const APEX_TYPES: Record<string, string> = {
  id: 'Id',
  reference: 'Id',
  boolean: 'Boolean',
  int: 'Integer',
  double: 'Double',
  currency: 'Decimal',
  percent: 'Double',
  long: 'Long',
  date: 'Date',
  datetime: 'Datetime',
  time: 'Time',
  base64: 'Blob',
  address: 'Address',
  location: 'Location',
};
const NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long']);

class Describer {
  private readonly cache = new Map<string, ObjectDescribe | null>();
  constructor(
    private readonly org: SimOrg,
    private readonly apiVersion: string,
  ) {}
  get(name: string): ObjectDescribe | null {
    const key = name.toLowerCase();
    if (!this.cache.has(key)) {
      try {
        this.cache.set(key, this.org.describe(name, this.apiVersion).body as unknown as ObjectDescribe);
      } catch {
        this.cache.set(key, null);
      }
    }
    return this.cache.get(key) ?? null;
  }
}

function column(
  name: string,
  field: DescribeField | undefined,
  joinColumns: ColumnMetadata[] = [],
): ColumnMetadata {
  const type = field?.type ?? 'string';
  return {
    aggregate: false,
    apexType: joinColumns.length > 0 ? null : (APEX_TYPES[type] ?? 'String'),
    booleanType: type === 'boolean',
    columnName: name,
    custom: field?.custom ?? false,
    displayName: name,
    foreignKeyName: null,
    insertable: field?.createable ?? false,
    joinColumns,
    numberType: NUMBER_TYPES.has(type),
    textType: !NUMBER_TYPES.has(type) && type !== 'boolean' && APEX_TYPES[type] === undefined,
    updatable: field?.updateable ?? false,
  };
}

function findField(d: ObjectDescribe | null, name: string): DescribeField | undefined {
  const lower = name.toLowerCase();
  return d?.fields.find((f) => f.name.toLowerCase() === lower);
}

function relationshipColumn(
  describer: Describer,
  object: ObjectDescribe | null,
  path: string[],
  leaf: string,
): ColumnMetadata {
  const [head, ...rest] = path;
  if (head === undefined) return column(findField(object, leaf)?.name ?? leaf, findField(object, leaf));
  const lower = head.toLowerCase();
  const ref = object?.fields.find((f) => f.relationshipName?.toLowerCase() === lower);
  const target = ref?.referenceTo[0] ? describer.get(ref.referenceTo[0]) : null;
  const name = ref?.relationshipName ?? head;
  return column(name, ref, [relationshipColumn(describer, target, rest, leaf)]);
}

function columnsOf(
  describer: Describer,
  object: ObjectDescribe | null,
  q: Query | Subquery,
): ColumnMetadata[] {
  const out: ColumnMetadata[] = [];
  let expr = 0;
  for (const f of (q.fields ?? []) as FieldType[]) {
    switch (f.type) {
      case 'Field':
        out.push(column(findField(object, f.field)?.name ?? f.field, findField(object, f.field)));
        break;
      case 'FieldRelationship': {
        // With a FROM alias the first relationship is the alias itself.
        const rels = 'objectPrefix' in f && f.objectPrefix ? f.relationships.slice(1) : f.relationships;
        out.push(relationshipColumn(describer, object, rels, f.field));
        break;
      }
      case 'FieldFunctionExpression': {
        const name = f.alias ?? `expr${expr++}`;
        out.push({
          ...column(name, undefined),
          aggregate: true,
          apexType: null,
          displayName: f.rawValue ?? name,
        });
        break;
      }
      case 'FieldSubquery': {
        const relName = f.subquery.relationshipName;
        const rel = object?.childRelationships.find(
          (r) => r.relationshipName?.toLowerCase() === relName.toLowerCase(),
        );
        const child = rel ? describer.get(rel.childSObject) : null;
        const name = rel?.relationshipName ?? relName;
        out.push({ ...column(name, undefined, columnsOf(describer, child, f.subquery)), aggregate: true });
        break;
      }
      case 'FieldTypeof':
        out.push(column(f.field, findField(object, f.field)));
        break;
    }
  }
  return out;
}

export function queryColumns(org: SimOrg, soql: string, apiVersion: string): Record<string, unknown> {
  const q = parseQuery(soql);
  const describer = new Describer(org, apiVersion);
  const object = q.sObject ? describer.get(q.sObject) : null;
  const columnMetadata = columnsOf(describer, object, q);
  return {
    columnMetadata,
    entityName: object?.name ?? q.sObject ?? null,
    groupBy: q.groupBy !== undefined,
    idSelected: columnMetadata.some((c) => c.columnName === 'Id'),
    keyPrefix: object?.keyPrefix ?? null,
  };
}
