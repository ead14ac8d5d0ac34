/**
 * Compiles a parsed SOQL query against the org's schema into a plan of precompiled accessors:
 * select columns (JSON and CSV renderers), a WHERE predicate, index bounds on SystemModstamp/Id,
 * an ORDER BY comparator, LIMIT/OFFSET and aggregates. Per-row work is closures only, no parsing.
 */
import type {
  ConditionWithValueQuery,
  WhereClause,
  FieldType,
  FieldFunctionExpression,
  FieldTypeOf,
  OrderByClause,
  Query,
  ValueCondition,
  ValueWithDateNLiteralCondition,
  ValueQueryCondition,
} from '@jetstreamapp/soql-parser-js';
import { SimError } from '../org/api.js';
import type { FieldDef, FormulaContext, ObjectDef, Row } from '../org/schema/model.js';
import { isReadableField } from '../org/schema/model.js';
import { csvDateTime, isoDate, parseDate, parseDateTime, restDateTime } from '../org/datetime.js';
import { normaliseId } from '../org/ids.js';
import { dateLiteralRange } from './date-literals.js';
import { buildWhereTree, compileBoolExpr, type BoolExpr } from './where-tree.js';
import {
  CALENDAR_FISCAL_YEAR,
  UTC_READER,
  ZoneReader,
  dateFunctionReader,
  isDateFunction,
  needsDateTime,
  resultIsDate,
  type DateFunctionName,
  type FiscalYear,
} from './date-functions.js';
import * as err from './errors.js';
import { likeMatcher, stringValue } from './strings.js';
import { AGGREGATE_FUNCTIONS, aggregateRefusal } from './aggregate-rules.js';
import { formatter } from './format.js';
import { distance, pointOf } from './geolocation.js';
import { groupingSets, labelOf } from './grouping.js';
import {
  comparesByValue,
  orderCompare,
  storedFieldOrder,
  valueCompare,
  type ValueCompare,
} from './ordering.js';

/** What the compiler needs from the org. */
export interface CompileContext {
  /** A readable, known object by name (any case); undefined otherwise. */
  findObject(name: string): ObjectDef | undefined;
  /** The object an Id belongs to (by prefix). */
  objectOfId(id: string): ObjectDef | undefined;
  /** The visible, not-deleted row of a record, or null. */
  lookup(id: string): Row | null;
  /** Visible, not-deleted rows of an object (semi-joins). */
  scanRows(obj: ObjectDef): Iterable<Row>;
  /** Visible, not-deleted rows of `child` whose reference `field` points at `parentId`. */
  children(child: ObjectDef, field: string, parentId: string): readonly Row[];
  nowMs(): number;
  /** The querying user's time zone (User.TimeZoneSidKey), read by convertTimezone(); GMT when absent. */
  userTimeZone?(): string;
  /** The org's standard fiscal year, read by FISCAL_*(); a calendar year when absent. */
  fiscalYear?(): FiscalYear;
}

export type Getter = (row: Row) => unknown;

interface Step {
  refField: string;
  relationshipName: string;
  referenceTo: string[];
  /** Target object when not polymorphic. */
  target: ObjectDef | null;
}

export interface Column {
  /** Header as written in the SELECT (CSV), e.g. `Owner.Name`. */
  header: string;
  steps: Step[];
  field: FieldDef | null;
  /** Field name on the final object (describe casing), or `Type` for polymorphic type. */
  leafName: string;
  /** Internal value (through relationships; null when a parent is missing). */
  get: Getter;
  csv: (row: Row) => string | null;
  /** The JSON key (and CSV header) when the SELECT names one: an alias, or `exprN` of DISTANCE(). */
  alias?: string;
  /** toLabel() / FORMAT(): what the field's value is shown as (`get` already applies it). */
  transform?: (value: unknown) => unknown;
}

/** A function call as the parser gives it (WHERE `fn`, SELECT/GROUP BY function items). */
interface FunctionRef {
  functionName: string;
  parameters?: unknown[];
  rawValue?: string;
}

/** A WHERE condition on a function, as the parser gives it. */
interface FunctionCondition {
  fn: FunctionRef;
  operator: string;
  literalType?: string | string[];
  value: string | string[];
}

/** A compiled TYPEOF: the columns to render per referenced type (lower-case object name). */
interface TypeofSelect {
  /** Single-type parent relationships leading to the polymorphic one (`Parent` in `TYPEOF Parent.Owner`). */
  path: Step[];
  key: string;
  refField: string;
  whens: Map<string, Column[]>;
  elses: Map<string, Column[]>;
}

interface DateFunctionExpr {
  name: DateFunctionName;
  /** As written, e.g. `CALENDAR_YEAR(CreatedDate)`. */
  raw: string;
  /** The field the function reads. */
  col: Column;
  yieldsDate: boolean;
  get: Getter;
}

export interface AggregateColumn {
  key: string;
  fn: string;
  get: Getter | null;
  field: FieldDef | null;
  /** FORMAT(aggregate): the shown value. */
  format?: (value: unknown) => unknown;
  /** GROUPING(field): which group key it reports on. */
  groupIndex?: number;
}

export interface Bounds {
  smLo: number;
  smHi: number;
  idLo: string;
  idHi: string;
}
const OPEN_BOUNDS: Bounds = { smLo: -Infinity, smHi: Infinity, idLo: '', idHi: '\uffff' };

export interface QueryPlan {
  soql: string;
  obj: ObjectDef;
  countOnly: boolean;
  aggregates: AggregateColumn[] | null;
  groupBy: Column[];
  columns: Column[];
  predicate: ((row: Row) => boolean) | null;
  bounds: Bounds;
  /** True when the WHERE clause says nothing beyond `bounds` (an AND of SystemModstamp/Id range terms). */
  boundsExact: boolean;
  compare: ((a: Row, b: Row) => number) | null;
  /** ORDER BY keys, for natural-order detection: field lower names and direction. */
  orderKeys: { field: string; desc: boolean }[];
  limit: number | null;
  offset: number;
  usesFieldsFn: boolean;
  hasSubquery: boolean;
  hasTypeof: boolean;
  base64Fields: number;
  compoundColumns: string[];
  /** Renders a row as a REST JSON record. */
  toJson(row: Row, apiVersion: string): Record<string, unknown>;
  /** Renders a row as CSV-ready values in column order. */
  toCsv(row: Row): (string | null)[];
  /** Renders aggregate rows. */
  aggregate(rows: Iterable<Row>): Record<string, unknown>[];
}

/** A call as written, for matching SELECT items with GROUP BY items: no spaces, lower case. */
function normaliseCall(raw: string): string {
  return raw.replace(/\s+/g, '').toLowerCase();
}

const unquote = stringValue;

/** One group as HAVING sees it: a member row (for grouped values) and its HAVING aggregates. */
interface GroupView {
  /** A member row; in a subtotal, its rolled-up group fields read null. */
  row: Row;
  /** The side aggregates (HAVING and ORDER BY terms). */
  aggregates: unknown[];
  /** Per group key: rolled up in this row (GROUPING() = 1). */
  rolledUp: boolean[];
}

interface Accumulator {
  count: number;
  distinct: Set<unknown>;
  sum: number;
  n: number;
  min: unknown;
  max: unknown;
}

/** One GROUP BY key: a field or a date function. */
interface GroupItem {
  /** For matching SELECT, HAVING and ORDER BY terms: the path, or the normalised call. */
  header: string;
  get: Getter;
  /** The base-row field that, set to null, makes the key read null (for subtotal rows). */
  base: string | null;
}

/** AggregateColumn.fn of a grouped date function in SELECT (its value is the group's). */
const GROUPED = 'GROUPED';

const NUMERIC = new Set(['int', 'double', 'currency', 'percent', 'long']);
const ID_TYPES = new Set(['id', 'reference']);

export function formatJson(field: FieldDef | null, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (!field) return value;
  if (field.type === 'datetime' && typeof value === 'number') return restDateTime(value);
  return value;
}

export function formatCsv(field: FieldDef | null, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (field && field.type === 'datetime' && typeof value === 'number') return csvDateTime(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A CSV renderer specialised by field type (no per-row type dispatch for the common cases). */
function csvWriter(f: FieldDef | null, get: Getter): (row: Row) => string | null {
  const type = f?.type;
  if (type === 'datetime') {
    return (row) => {
      const v = get(row);
      return typeof v === 'number' ? csvDateTime(v) : v === null ? null : formatCsv(f, v);
    };
  }
  if (
    type === 'string' ||
    type === 'id' ||
    type === 'reference' ||
    type === 'picklist' ||
    type === 'email' ||
    type === 'phone' ||
    type === 'url' ||
    type === 'textarea' ||
    type === 'date'
  ) {
    return (row) => {
      const v = get(row);
      return typeof v === 'string' ? v : v === null ? null : formatCsv(f, v);
    };
  }
  if (
    type === 'boolean' ||
    type === 'int' ||
    type === 'double' ||
    type === 'currency' ||
    type === 'percent'
  ) {
    return (row) => {
      const v = get(row);
      return v === null ? null : typeof v === 'number' || typeof v === 'boolean' ? '' + v : formatCsv(f, v);
    };
  }
  return (row) => formatCsv(f, get(row));
}

/** A REST record's `attributes`. */
interface RecordAttributes {
  type: string;
  url: string;
}

function attributesOf(o: ObjectDef, row: Row, apiVersion: string): RecordAttributes {
  return { type: o.name, url: `/services/data/v${apiVersion}/sobjects/${o.name}/${String(row.Id)}` };
}

/** A record key's value: (row, the row's object, API version) → the JSON value. */
type NodeValue = (row: Row, o: ObjectDef, apiVersion: string) => unknown;

/**
 * How a record key gets its value: a stored field read by name (`row[field] ?? null`; a dateTime's epoch ms
 * written as REST's text), or a call of its NodeValue.
 */
type KeySource = { key: string; field: string; datetime: boolean } | { key: string; value: NodeValue };

type RecordMaker = (
  attributes: RecordAttributes,
  values: (NodeValue | null)[],
  row: Row,
  o: ObjectDef,
  apiVersion: string,
  restDateTimeOf: (v: unknown) => unknown,
) => Record<string, unknown>;

const recordMakers = new Map<string, RecordMaker>();
const MAX_RECORD_MAKERS = 1000;

/** A stored dateTime (epoch ms) as REST writes it; anything else as stored, null for none. */
function restDateTimeOf(v: unknown): unknown {
  return typeof v === 'number' ? restDateTime(v) : (v ?? null);
}

/**
 * Builds REST records, `{attributes, [key]: value, …}` in `sources` order, with one object literal written for
 * these keys (new Function, made once per key list and reused by every query with the same one). The records of
 * a query then share one hidden class, cheap to build and on JSON.stringify's fast path, and stored fields are
 * read by name; setting the keys one by one in a loop, each read through a closure, left large records in
 * dictionary mode, several times slower to build and to serialise (most of the simulator's CPU on a backup's
 * query pages). A literal means what those assignments in order meant: a repeated key keeps its first place
 * and takes its last value, and an undefined value is left out of the JSON. Keys and field names are written
 * as JSON strings, so none is read as code.
 */
function recordMaker(
  sources: KeySource[],
): (attributes: RecordAttributes, row: Row, o: ObjectDef, apiVersion: string) => Record<string, unknown> {
  const shape = sources.map((s) =>
    'field' in s ? [s.key, s.field, s.datetime ? 'datetime' : 'value'] : [s.key],
  );
  const id = JSON.stringify(shape);
  let make = recordMakers.get(id);
  if (!make) {
    const props = sources.map((s, i) => {
      if (!('field' in s)) return `${JSON.stringify(s.key)}: values[${i}](row, o, apiVersion)`;
      const read = `row[${JSON.stringify(s.field)}]`;
      return `${JSON.stringify(s.key)}: ${s.datetime ? `restDateTimeOf(${read})` : `${read} ?? null`}`;
    });
    make = new Function(
      'attributes',
      'values',
      'row',
      'o',
      'apiVersion',
      'restDateTimeOf',
      `return { attributes, ${props.join(', ')} };`,
    ) as RecordMaker;
    if (recordMakers.size >= MAX_RECORD_MAKERS) recordMakers.clear();
    recordMakers.set(id, make);
  }
  const values = sources.map((s) => ('value' in s ? s.value : null));
  const maker = make;
  return (attributes, row, o, apiVersion) => maker(attributes, values, row, o, apiVersion, restDateTimeOf);
}

/**
 * What `fieldReader(obj, f, fctx)(row)` reads, without making the reader again for each row: the field's
 * formula and compound parts are read when the row is (a schema change to the formula applies at once).
 */
function liveFieldReader(f: FieldDef, fctx: () => FormulaContext): Getter {
  return (row) => {
    const formula = f.formula;
    if (formula) return formula(row, fctx());
    if (f.compound) return compoundValue(f.compound.parts, row);
    return row[f.name] ?? null;
  };
}

/** A compound field (address, location) as its object of parts; null when every part is. */
function compoundValue(parts: NonNullable<FieldDef['compound']>['parts'], row: Row): unknown {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [key, name] of parts) {
    const v = name ? (row[name] ?? null) : null;
    if (v !== null) any = true;
    out[key] = v;
  }
  if (!any) return null;
  return out;
}

/** Reads a field of a row of `obj`, computing compound and formula fields. */
export function fieldReader(obj: ObjectDef, f: FieldDef, fctx: () => FormulaContext): Getter {
  if (f.formula) {
    const formula = f.formula;
    return (row) => formula(row, fctx());
  }
  if (f.compound) {
    const parts = f.compound.parts;
    return (row) => compoundValue(parts, row);
  }
  const name = f.name;
  return (row) => row[name] ?? null;
}

interface CompileOptions {
  /** Bulk 2.0 compile (no REST-only renderings). */
  bulk?: boolean;
}

export function compileQuery(
  soql: string,
  q: Query,
  ctx: CompileContext,
  _opts: CompileOptions = {},
): QueryPlan {
  const objName = q.sObject ?? '';
  const obj = ctx.findObject(objName);
  if (!obj) throw err.unsupportedType(soql, objName);
  if (obj.queryRule.kind === 'notQueryable')
    throw new SimError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${obj.name} does not support query`);
  let fctxCache: FormulaContext | null = null;
  let fctxAt = -1;
  const fctx = (): FormulaContext => {
    const now = ctx.nowMs();
    if (!fctxCache || fctxAt !== now) {
      fctxCache = { nowMs: now, lookup: (id) => ctx.lookup(id) };
      fctxAt = now;
    }
    return fctxCache;
  };

  /** Resolves `A.B.Field` on obj; `searchFrom` positions error carets. */
  function resolvePath(path: string, searchFrom = 0): Column {
    return resolvePathOn(obj!, path, searchFrom);
  }

  /** Resolves `A.B.Field` on `base` (the FROM object, or a TYPEOF WHEN type). */
  function resolvePathOn(base: ObjectDef, path: string, searchFrom = 0): Column {
    const parts = path.split('.');
    // A leading object prefix (`Account.Name` on FROM Account) is allowed.
    if (
      parts.length > 1 &&
      parts[0]!.toLowerCase() === base.lower &&
      !base.byRelationship.has(parts[0]!.toLowerCase())
    )
      parts.shift();
    let current: ObjectDef | null = base;
    const steps: Step[] = [];
    for (let i = 0; i < parts.length - 1; i++) {
      const relName = parts[i]!;
      if (!current) break;
      const refField: FieldDef | undefined = current.byRelationship.get(relName.toLowerCase());
      if (!refField || !isReadableField(current, refField))
        throw err.noSuchRelationship(soql, relName, current.name, searchFrom);
      const target: ObjectDef | null =
        refField.referenceTo.length === 1 ? (ctx.findObject(refField.referenceTo[0]!) ?? null) : null;
      if (refField.referenceTo.length === 1 && !target)
        throw err.noSuchRelationship(soql, relName, current.name, searchFrom);
      steps.push({
        refField: refField.name,
        relationshipName: refField.relationshipName ?? relName,
        referenceTo: refField.referenceTo,
        target,
      });
      current = target;
    }
    const leaf = parts[parts.length - 1]!;
    let field: FieldDef | null = null;
    let leafName = leaf;
    let leafGet: (row: Row, o: ObjectDef) => unknown;
    if (current) {
      const f = current.byLower.get(leaf.toLowerCase());
      if (!f || !isReadableField(current, f)) throw err.noSuchColumn(soql, leaf, current.name, searchFrom);
      field = f;
      leafName = f.name;
      const read = fieldReader(current, f, fctx);
      leafGet = (row) => read(row);
    } else {
      // Polymorphic parent: the field is read from whatever object the Id points at.
      const polyTargets = steps[steps.length - 1] ? polymorphicTargets(steps[steps.length - 1]!) : [];
      if (leaf.toLowerCase() === 'type') {
        leafName = 'Type';
        leafGet = (_row, o) => o.name;
      } else {
        const known = polyTargets.map((o) => o.byLower.get(leaf.toLowerCase())).find((f) => f !== undefined);
        if (!known) throw err.noSuchColumn(soql, leaf, 'Name', searchFrom);
        field = known;
        leafName = known.name;
        leafGet = (row, o) => {
          const f = o.byLower.get(known.lower);
          return f ? fieldReader(o, f, fctx)(row) : null;
        };
      }
    }
    const directName = steps.length === 0 && field && !field.formula && !field.compound ? field.name : null;
    const get: Getter =
      directName !== null
        ? (row) => row[directName] ?? null
        : steps.length === 0
          ? (row) => leafGet(row, base)
          : (row) => {
              let r: Row | null = row;
              let o: ObjectDef | undefined = base;
              for (const s of steps) {
                const id = r[s.refField];
                if (typeof id !== 'string') return null;
                r = ctx.lookup(id);
                if (!r) return null;
                o = s.target ?? ctx.objectOfId(id);
                if (!o) return null;
              }
              return leafGet(r, o);
            };
    const f = field;
    return {
      header: path,
      steps,
      field,
      leafName,
      get,
      csv: csvWriter(f, get),
    };
  }

  function polymorphicTargets(step: Step): ObjectDef[] {
    return step.referenceTo.map((t) => ctx.findObject(t)).filter((o): o is ObjectDef => o !== undefined);
  }

  /**
   * `TYPEOF What WHEN Account THEN Name, Phone … ELSE Name END`: the field lists are resolved
   * against each WHEN type; ELSE fields against every other type the relationship can reference
   * (a field that type lacks is left out for it).
   */
  function compileTypeof(item: FieldTypeOf): TypeofSelect {
    // Salesforce's TYPEOF reference: typeOfField is "a polymorphic relationship field in objectType
    // or a polymorphic field in a parent of objectType" (e.g. `TYPEOF Parent.Owner` on CaseComment).
    const parts = item.field.split('.');
    const relName = parts.pop()!;
    const path: Step[] = [];
    let owner: ObjectDef = obj!;
    for (const part of parts) {
      const parentRef = owner.byRelationship.get(part.toLowerCase());
      if (!parentRef || !isReadableField(owner, parentRef))
        throw err.noSuchRelationship(soql, part, owner.name);
      const parent =
        parentRef.referenceTo.length === 1 ? ctx.findObject(parentRef.referenceTo[0]!) : undefined;
      if (!parent)
        throw err.malformed(
          soql,
          `TYPEOF ${item.field}: ${parentRef.relationshipName ?? part} is polymorphic; only the last relationship of a TYPEOF path may be`,
          err.columnOf(soql, item.field),
        );
      path.push({
        refField: parentRef.name,
        relationshipName: parentRef.relationshipName ?? part,
        referenceTo: parentRef.referenceTo,
        target: parent,
      });
      owner = parent;
    }
    const ref = owner.byRelationship.get(relName.toLowerCase());
    if (!ref || !isReadableField(owner, ref)) throw err.noSuchRelationship(soql, relName, owner.name);
    const key = ref.relationshipName ?? relName;
    if (ref.referenceTo.length < 2)
      throw err.malformed(
        soql,
        `TYPEOF can only be used on a polymorphic relationship field: ${key} always references ${ref.referenceTo[0] ?? 'one type'}`,
        err.columnOf(soql, item.field),
      );
    const allowed = new Map(ref.referenceTo.map((t) => [t.toLowerCase(), t]));
    const whens = new Map<string, Column[]>();
    let elseList: string[] | null = null;
    for (const cond of item.conditions) {
      if (cond.type === 'ELSE') {
        elseList = cond.fieldList;
        continue;
      }
      const typeName = cond.objectType ?? '';
      const lower = typeName.toLowerCase();
      if (!allowed.has(lower))
        throw err.malformed(
          soql,
          `Invalid type in TYPEOF WHEN clause: ${key} cannot reference ${typeName}`,
          err.columnOf(soql, typeName),
        );
      if (whens.has(lower))
        throw err.malformed(soql, `duplicate WHEN type in TYPEOF: ${typeName}`, err.columnOf(soql, typeName));
      const target = ctx.findObject(allowed.get(lower)!);
      const from = err.columnOf(soql, typeName) - 1;
      whens.set(lower, target ? cond.fieldList.map((f) => resolvePathOn(target, f, from)) : []);
    }
    const elses = new Map<string, Column[]>();
    if (elseList) {
      const from = err.columnOf(soql, 'ELSE') - 1;
      const found = new Set<string>();
      let candidates = 0;
      for (const [lower, name] of allowed) {
        if (whens.has(lower)) continue;
        const target = ctx.findObject(name);
        if (!target) continue;
        candidates++;
        const cols: Column[] = [];
        for (const f of elseList) {
          try {
            cols.push(resolvePathOn(target, f, from));
            found.add(f.toLowerCase());
          } catch (e) {
            if (!(e instanceof SimError)) throw e;
          }
        }
        elses.set(lower, cols);
      }
      const missing = elseList.find((f) => !found.has(f.toLowerCase()));
      if (candidates > 0 && missing !== undefined) throw err.noSuchColumn(soql, missing, 'Name', from);
    }
    return { path, key, refField: ref.name, whens, elses };
  }

  // ---- date functions: UTC, or the user's time zone inside convertTimezone()
  let userZone: ZoneReader | null = null;
  let fiscal: FiscalYear | null = null;
  const orgFiscalYear = (): FiscalYear => (fiscal ??= ctx.fiscalYear?.() ?? CALENDAR_FISCAL_YEAR);

  /** `CALENDAR_YEAR(CreatedDate)`, `DAY_ONLY(convertTimezone(CreatedDate))`, … as a row reader. */
  function resolveDateFunction(fn: FunctionRef, searchFrom = 0): DateFunctionExpr {
    const name = fn.functionName.toUpperCase();
    const raw = fn.rawValue ?? `${fn.functionName}(…)`;
    const at = err.columnOf(soql, fn.functionName, searchFrom);
    if (!isDateFunction(name)) throw err.malformed(soql, `unexpected token: '${fn.functionName}'`, at);
    const params = fn.parameters ?? [];
    const arg = params[0];
    let path: string;
    let convert = false;
    if (params.length === 1 && typeof arg === 'string') {
      path = arg;
    } else if (
      params.length === 1 &&
      typeof arg === 'object' &&
      arg !== null &&
      String((arg as FunctionRef).functionName).toLowerCase() === 'converttimezone' &&
      (arg as FunctionRef).parameters?.length === 1 &&
      typeof (arg as FunctionRef).parameters![0] === 'string'
    ) {
      path = (arg as FunctionRef).parameters![0] as string;
      convert = true;
    } else {
      throw err.malformed(
        soql,
        `${name}() takes one date or dateTime field, optionally in convertTimezone()`,
        at,
      );
    }
    const col = resolvePath(path, searchFrom);
    const type = col.field?.type ?? 'unknown';
    if (convert && type !== 'datetime')
      throw err.malformed(
        soql,
        `convertTimezone() can only be applied to a dateTime field: ${path} is of type ${type}`,
        err.columnOf(soql, 'convertTimezone', searchFrom),
      );
    if (type !== 'date' && type !== 'datetime')
      throw err.malformed(
        soql,
        `Invalid field for date function ${name}(): ${path} is of type ${type}; date functions take date or dateTime fields`,
        at,
      );
    if (needsDateTime(name) && type !== 'datetime')
      throw err.malformed(
        soql,
        `${name}() can only be used with dateTime fields: ${path} is of type ${type}`,
        at,
      );
    const zone = convert ? (userZone ??= new ZoneReader(ctx.userTimeZone?.() ?? 'GMT')) : UTC_READER;
    const read = dateFunctionReader(name, zone, orgFiscalYear());
    const get = col.get;
    return {
      name,
      raw,
      col,
      yieldsDate: resultIsDate(name),
      get: (row) => read(get(row)),
    };
  }

  // ---- SELECT functions: convertCurrency(), toLabel(), FORMAT(), DISTANCE()
  /** The user's time zone, for FORMAT() of dateTimes. */
  const userTimeZone = (): string => ctx.userTimeZone?.() ?? 'GMT';

  /**
   * `convertCurrency(path)` reads the field in the user's currency. Salesforce allows it only in
   * orgs with multiple currencies enabled (their objects carry CurrencyIsoCode); the simulator
   * models one exchange rate, so the value is unchanged.
   */
  function convertedPath(fn: FunctionRef, searchFrom = 0): string {
    const at = err.columnOf(soql, fn.functionName, searchFrom);
    if (!obj!.byLower.has('currencyisocode'))
      throw err.malformed(
        soql,
        'convertCurrency() can only be used in organizations with multiple currencies enabled',
        at,
      );
    const param = fn.parameters?.[0];
    if (fn.parameters?.length !== 1 || typeof param !== 'string')
      throw err.malformed(soql, `unexpected token: '${fn.rawValue ?? fn.functionName}'`, at);
    return param;
  }

  /** A function parameter naming a field: `Amount`, `Account.Name` or `convertCurrency(Amount)`. */
  function fieldParam(param: unknown, fnName: string, searchFrom = 0): Column {
    if (typeof param === 'string') return resolvePath(param, searchFrom);
    const inner = param as FunctionRef | undefined;
    if (inner && String(inner.functionName).toLowerCase() === 'convertcurrency')
      return resolvePath(convertedPath(inner, searchFrom), searchFrom);
    throw err.malformed(soql, `unexpected token: '${fnName}'`, err.columnOf(soql, fnName, searchFrom));
  }

  /** A column shown through toLabel() or FORMAT(); `get` gives the shown value. */
  function shownAs(base: Column, transform: (v: unknown) => unknown, alias?: string): Column {
    const get: Getter = (row) => transform(base.get(row));
    return { ...base, get, transform, csv: (row) => formatCsv(null, get(row)), ...(alias ? { alias } : {}) };
  }

  /** `DISTANCE(location, GEOLOCATION(lat, lon) | location, 'mi' | 'km')` as a row reader. */
  function distanceReader(fn: FunctionRef, searchFrom = 0): Getter {
    const at = err.columnOf(soql, fn.functionName, searchFrom);
    const [first, second, unitRaw] = fn.parameters ?? [];
    const unit = typeof unitRaw === 'string' ? unquote(unitRaw).toLowerCase() : '';
    if (fn.parameters?.length !== 3 || (unit !== 'mi' && unit !== 'km'))
      throw err.malformed(
        soql,
        `DISTANCE() takes a location field, a GEOLOCATION() or location field and the unit 'mi' or 'km'`,
        at,
      );
    const location = (param: unknown): Getter => {
      if (typeof param !== 'string')
        throw err.malformed(soql, 'The first argument of DISTANCE() must be a location field', at);
      const col = resolvePath(param, searchFrom);
      const type = col.field?.type;
      if (type !== 'location' && type !== 'address')
        throw err.malformed(
          soql,
          `DISTANCE() needs a location or address field: ${param} is of type ${type}`,
          at,
        );
      return col.get;
    };
    const from = location(first);
    let to: Getter;
    const geo = second as FunctionRef | undefined;
    if (typeof second === 'string') to = location(second);
    else if (geo && String(geo.functionName).toUpperCase() === 'GEOLOCATION') {
      const [lat, lon] = (geo.parameters ?? []).map((p) => Number(p));
      if (geo.parameters?.length !== 2 || !Number.isFinite(lat) || !Number.isFinite(lon))
        throw err.malformed(soql, 'GEOLOCATION() takes a latitude and a longitude', at);
      const point = { latitude: lat!, longitude: lon! };
      to = () => point;
    } else
      throw err.malformed(
        soql,
        'The second argument of DISTANCE() must be GEOLOCATION() or a location field',
        at,
      );
    return (row) => {
      const a = pointOf(from(row));
      const b = pointOf(to(row));
      return a && b ? distance(a, b, unit) : null;
    };
  }

  // ---- SELECT list
  const columns: Column[] = [];
  const seen = new Set<string>();
  let countOnly = false;
  let aggregates: AggregateColumn[] | null = null;
  let usesFieldsFn = false;
  let hasSubquery = false;
  const subqueries: { at: number; key: string; field: string; obj: ObjectDef; plan: QueryPlan }[] = [];
  let hasTypeof = false;
  const selectedDateFunctions: DateFunctionExpr[] = [];
  const typeofs: (TypeofSelect & { at: number })[] = [];
  /** SELECT items in order, for aggregate records (their keys follow the SELECT list). */
  const selectOrder: ({ col: Column } | { agg: AggregateColumn })[] = [];
  /** GROUPING(field) items, tied to their group key once GROUP BY is compiled. */
  const groupingItems: { agg: AggregateColumn; path: string; at: number }[] = [];
  /** Plain fields with an alias (allowed in aggregate queries only). */
  const aliasedFields: Column[] = [];
  let exprIndex = 0;
  const addColumn = (c: Column): void => {
    const key = (c.alias ?? c.header).toLowerCase();
    if (seen.has(key)) throw err.malformed(soql, `duplicate field selected: ${c.alias ?? c.header}`);
    seen.add(key);
    columns.push(c);
    selectOrder.push({ col: c });
  };
  const addAggregate = (a: AggregateColumn): void => {
    (aggregates ??= []).push(a);
    selectOrder.push({ agg: a });
  };
  /** COUNT(x), SUM(x), … (also inside FORMAT()), with the field types each one takes. */
  const aggregateOf = (fn: FunctionRef, key: string, format?: 'format'): AggregateColumn => {
    const name = fn.functionName.toUpperCase();
    const col = fieldParam(fn.parameters?.[0], fn.functionName);
    const refusal = aggregateRefusal(name, col.field);
    if (refusal) throw err.malformed(soql, refusal, err.columnOf(soql, fn.functionName));
    const agg: AggregateColumn = { key, fn: name, get: col.get, field: col.field };
    if (format)
      agg.format = formatter(
        col.field,
        userTimeZone(),
        name === 'COUNT' || name === 'COUNT_DISTINCT' ? 'count' : name === 'AVG' ? 'average' : 'value',
      );
    return agg;
  };
  for (const item of (q.fields ?? []) as FieldType[]) {
    if (item.type === 'Field' || item.type === 'FieldRelationship') {
      const path =
        item.type === 'Field' ? item.field : (item.rawValue ?? [...item.relationships, item.field].join('.'));
      const col = resolvePath(path);
      const alias = 'alias' in item ? item.alias : undefined;
      if (alias) {
        col.alias = alias;
        aliasedFields.push(col);
      }
      addColumn(col);
    } else if (item.type === 'FieldFunctionExpression') {
      const fn = item as FieldFunctionExpression;
      const name = fn.functionName.toUpperCase();
      const inner = fn.parameters[0] as FunctionRef | string | undefined;
      if (name === 'FIELDS') {
        usesFieldsFn = true;
        const which = String(fn.parameters[0] ?? '').toUpperCase();
        if (which !== 'STANDARD' && (q.limit === undefined || q.limit > 200)) {
          throw err.malformed(soql, 'The SOQL FIELDS function must have a LIMIT of at most 200');
        }
        for (const f of obj.fields) {
          if (!isReadableField(obj, f)) continue;
          if (which === 'CUSTOM' && !f.custom) continue;
          if (which === 'STANDARD' && f.custom) continue;
          if (seen.has(f.lower)) continue;
          addColumn(resolvePath(f.name));
        }
      } else if (name === 'COUNT' && fn.parameters.length === 0) {
        countOnly = true;
      } else if (AGGREGATE_FUNCTIONS.has(name)) {
        addAggregate(aggregateOf(fn, fn.alias ?? `expr${exprIndex++}`));
      } else if (
        name === 'FORMAT' &&
        typeof inner === 'object' &&
        AGGREGATE_FUNCTIONS.has(inner.functionName.toUpperCase())
      ) {
        addAggregate(aggregateOf(inner, fn.alias ?? `expr${exprIndex++}`, 'format'));
      } else if (name === 'FORMAT' || name === 'TOLABEL' || name === 'CONVERTCURRENCY') {
        // The value of a field shown another way; its key is the field's unless aliased.
        if (fn.parameters.length !== 1)
          throw err.malformed(
            soql,
            `unexpected token: '${fn.functionName}'`,
            err.columnOf(soql, fn.functionName),
          );
        const base =
          name === 'CONVERTCURRENCY' ? resolvePath(convertedPath(fn)) : fieldParam(inner, fn.functionName);
        const transform =
          name === 'TOLABEL'
            ? labelOf(base.field)
            : name === 'FORMAT'
              ? formatter(base.field, userTimeZone())
              : (v: unknown) => v;
        addColumn(shownAs(base, transform, fn.alias));
      } else if (name === 'DISTANCE') {
        const get = distanceReader(fn);
        const alias = fn.alias ?? `expr${exprIndex++}`;
        addColumn({
          header: alias,
          steps: [],
          field: null,
          leafName: alias,
          get,
          csv: (row) => formatCsv(null, get(row)),
          alias,
        });
      } else if (name === 'GROUPING') {
        const agg: AggregateColumn = {
          key: fn.alias ?? `expr${exprIndex++}`,
          fn: 'GROUPING',
          get: null,
          field: null,
        };
        groupingItems.push({ agg, path: String(inner ?? ''), at: err.columnOf(soql, fn.functionName) });
        addAggregate(agg);
      } else if (isDateFunction(name)) {
        // Allowed only when grouped (checked at GROUP BY); the value is the group's.
        const df = resolveDateFunction(fn);
        addAggregate({ key: fn.alias ?? `expr${exprIndex++}`, fn: GROUPED, get: df.get, field: null });
        selectedDateFunctions.push(df);
      } else {
        // convertTimezone() outside a date function lands here too, as Salesforce's
        // "convertTimezone()" page says it does not work on its own.
        throw err.malformed(
          soql,
          `unexpected token: '${fn.functionName}'`,
          err.columnOf(soql, fn.functionName),
        );
      }
    } else if (item.type === 'FieldSubquery') {
      hasSubquery = true;
      const rel = item.subquery.relationshipName;
      const childRel = obj.childRelationships.find(
        (c) => String(c.relationshipName ?? '').toLowerCase() === rel.toLowerCase(),
      );
      const childObj = childRel ? ctx.findObject(String(childRel.childSObject)) : undefined;
      if (!childRel || !childObj) throw err.noSuchRelationship(soql, rel, obj.name);
      const childPlan = compileQuery(soql, { ...item.subquery, sObject: childObj.name }, ctx);
      subqueries.push({
        at: columns.length,
        key: String(childRel.relationshipName),
        field: String(childRel.field),
        obj: childObj,
        plan: childPlan,
      });
    } else if (item.type === 'FieldTypeof') {
      hasTypeof = true;
      typeofs.push({ at: columns.length, ...compileTypeof(item) });
    }
  }
  const aggregateQuery = aggregates !== null || q.groupBy !== undefined;
  if (aliasedFields.length > 0 && !aggregateQuery)
    throw err.malformed(
      soql,
      'only aggregate expressions use field aliasing',
      err.columnOf(soql, aliasedFields[0]!.alias!),
    );
  if (countOnly && (columns.length > 0 || aggregates))
    throw err.malformed(
      soql,
      'COUNT() must be the only element in the SELECT list',
      err.columnOf(soql, 'COUNT'),
    );
  if (countOnly && q.groupBy)
    // "COUNT() and COUNT(fieldName)": not with GROUP BY from API 19.0 on.
    throw err.malformed(
      soql,
      'COUNT() cannot be used with GROUP BY; use COUNT(fieldName)',
      err.columnOf(soql, 'COUNT'),
    );
  for (const t of typeofs) {
    // A column that goes through the same relationship (`Parent.Owner.Name` beside `TYPEOF Parent.Owner`).
    const through = [...t.path.map((s) => s.relationshipName), t.key].map((n) => n.toLowerCase());
    const clash = columns.find(
      (c) =>
        c.steps.length >= through.length &&
        through.every((n, i) => c.steps[i]!.relationshipName.toLowerCase() === n),
    );
    if (clash)
      throw err.malformed(
        soql,
        `TYPEOF ${[...t.path.map((s) => s.relationshipName), t.key].join('.')} cannot be combined with ${clash.header} in the same SELECT`,
        err.columnOf(soql, clash.header),
      );
    if (countOnly || aggregates || q.groupBy)
      throw err.malformed(
        soql,
        'TYPEOF cannot be used with aggregate functions or GROUP BY',
        err.columnOf(soql, 'TYPEOF'),
      );
  }
  if (selectedDateFunctions.length > 0 && !q.groupBy) {
    const first = selectedDateFunctions[0]!;
    throw err.malformed(
      soql,
      `Field must be grouped or aggregated: ${first.raw}`,
      err.columnOf(soql, first.name),
    );
  }
  if (aggregates && columns.length > 0 && !q.groupBy) {
    throw err.malformed(
      soql,
      `Field must be grouped or aggregated: ${columns[0]!.header}`,
      err.columnOf(soql, columns[0]!.header),
    );
  }
  const base64Fields = columns.filter((c) => c.field?.type === 'base64').length;
  const compoundColumns = columns
    .filter((c) => c.field?.type === 'address' || c.field?.type === 'location')
    .map((c) => c.header);

  // ---- WHERE
  let predicate: ((row: Row) => boolean) | null = null;
  let bounds: Bounds = OPEN_BOUNDS;
  let boundsExact = true;
  let tree: BoolExpr | null = null;
  if (q.where) {
    try {
      tree = buildWhereTree(q.where);
    } catch (e) {
      throw err.malformed(soql, (e as Error).message);
    }
    predicate = compileBoolExpr(tree, compileLeaf);
    bounds = boundsOf(tree);
    boundsExact = (tree.kind === 'and' ? tree.items : [tree]).every((t) => {
      if (t.kind !== 'leaf' || !('field' in t.cond) || 'valueQuery' in t.cond) return false;
      const c = t.cond as ValueCondition;
      const name = c.field.toLowerCase();
      const lt = Array.isArray(c.literalType) ? c.literalType[0] : c.literalType;
      if (Array.isArray(c.value)) return false;
      if (name === 'systemmodstamp')
        return lt === 'DATETIME' && ['=', '<', '<=', '>', '>='].includes(c.operator);
      if (name === 'id')
        return (
          lt === 'STRING' && ['=', '<=', '>='].includes(c.operator) && normaliseId(unquote(c.value)) !== null
        );
      return false;
    });
  }

  /** Converts one literal for a field; returns a comparable value or a range. */
  function literal(
    f: FieldDef | null,
    fieldName: string,
    raw: string,
    lt: string | undefined,
    nArg?: number,
  ): { value: unknown } | { range: { start: unknown; end: unknown } } {
    const type = f?.type ?? 'string';
    if (lt === 'NULL') return { value: null };
    if (type === 'datetime') {
      if (lt === 'DATETIME') {
        const ms = parseDateTime(raw);
        if (ms === null)
          throw err.malformed(
            soql,
            `line 1:${err.columnOf(soql, raw)} no viable alternative at character '${raw}'`,
          );
        return { value: ms };
      }
      if (lt === 'DATE_LITERAL' || lt === 'DATE_N_LITERAL') {
        const lit = raw.split(':')[0]!;
        const r = dateLiteralRange(lit, nArg, ctx.nowMs(), orgFiscalYear());
        if (!r) throw err.malformed(soql, `unexpected token: '${raw}'`, err.columnOf(soql, lit));
        return { range: { start: r.start, end: r.end } };
      }
      throw err.invalidFilterValue(soql, fieldName, 'dateTime', lt === 'STRING');
    }
    if (type === 'date') {
      if (lt === 'DATE') {
        const d = parseDate(raw);
        if (!d) throw err.invalidFilterValue(soql, fieldName, 'date', false);
        return { value: d };
      }
      if (lt === 'DATE_LITERAL' || lt === 'DATE_N_LITERAL') {
        const lit = raw.split(':')[0]!;
        const r = dateLiteralRange(lit, nArg, ctx.nowMs(), orgFiscalYear());
        if (!r) throw err.malformed(soql, `unexpected token: '${raw}'`, err.columnOf(soql, lit));
        return { range: { start: isoDate(r.start), end: isoDate(r.end) } };
      }
      throw err.invalidFilterValue(soql, fieldName, 'date', lt === 'STRING');
    }
    if (type === 'boolean') {
      if (lt !== 'BOOLEAN') throw err.invalidFilterValue(soql, fieldName, 'boolean', lt === 'STRING');
      return { value: raw.toUpperCase() === 'TRUE' };
    }
    if (NUMERIC.has(type)) {
      if (lt !== 'INTEGER' && lt !== 'DECIMAL')
        throw err.invalidFilterValue(soql, fieldName, type === 'int' ? 'int' : 'double', lt === 'STRING');
      return { value: Number(raw) };
    }
    if (ID_TYPES.has(type)) {
      if (lt !== 'STRING') throw err.invalidFilterValue(soql, fieldName, 'id', false);
      const text = unquote(raw);
      const id = normaliseId(text);
      if (!id) {
        if (text === '') return { value: null };
        throw err.filterOperator(soql, fieldName, `invalid ID field: ${text}`);
      }
      return { value: id };
    }
    if (lt !== 'STRING') {
      if (lt === 'INTEGER' || lt === 'DECIMAL' || lt === 'BOOLEAN') return { value: raw.toLowerCase() };
      throw err.invalidFilterValue(soql, fieldName, 'string', false);
    }
    return { value: unquote(raw).toLowerCase() };
  }

  /**
   * `CALENDAR_YEAR(CreatedDate) = 2024`, `DAY_ONLY(convertTimezone(CreatedDate)) IN (2024-01-02)`:
   * integers (dates for DAY_ONLY) with =, !=, <, <=, >, >=, IN, NOT IN. Salesforce does not let a
   * date function be compared with a date literal such as THIS_YEAR.
   */
  function compileDateFunctionLeaf(
    c: FunctionCondition,
    searchFrom = err.columnOf(soql, 'WHERE') - 1,
  ): (row: Row) => boolean {
    const df = resolveDateFunction(c.fn, searchFrom);
    const f = df.col.field;
    if (f && !f.filterable)
      throw err.filterOperator(soql, df.col.header, `field '${f.name}' can not be filtered in query call`);
    const op = c.operator.toUpperCase();
    const raws = Array.isArray(c.value) ? c.value : [c.value];
    const lts = Array.isArray(c.literalType) ? c.literalType : [c.literalType];
    const values = raws.map((raw, i): number | string | null => {
      const lt = lts[i] ?? lts[0];
      if (lt === 'NULL') return null;
      if (lt === 'DATE_LITERAL' || lt === 'DATE_N_LITERAL')
        throw err.malformed(
          soql,
          `Date functions cannot be compared with date literals: ${df.raw} ${c.operator} ${raw}`,
          err.columnOf(soql, raw.split(':')[0]!),
        );
      if (df.yieldsDate) {
        const d = lt === 'DATE' ? parseDate(raw) : null;
        if (!d) throw err.invalidFilterValue(soql, df.raw, 'date', lt === 'STRING');
        return d;
      }
      if (lt !== 'INTEGER') throw err.invalidFilterValue(soql, df.raw, 'integer', lt === 'STRING');
      return Number(raw);
    });
    const get = df.get;
    if (op === 'IN' || op === 'NOT IN') {
      const set = new Set(values);
      const hasNull = set.has(null);
      const inSet = (v: unknown): boolean => (v === null ? hasNull : set.has(v as number | string));
      return op === 'IN' ? (row) => inSet(get(row)) : (row) => !inSet(get(row));
    }
    if (values.length !== 1) throw err.malformed(soql, `unexpected token: '('`, err.columnOf(soql, df.name));
    const lit = values[0]!;
    if (lit === null) {
      if (op === '=') return (row) => get(row) === null;
      if (op === '!=') return (row) => get(row) !== null;
      return () => false;
    }
    const cmp = (row: Row): number | null => {
      const v = get(row) as number | string | null;
      return v === null ? null : v < lit ? -1 : v > lit ? 1 : 0;
    };
    switch (op) {
      case '=':
        return (row) => cmp(row) === 0;
      case '!=':
        return (row) => cmp(row) !== 0;
      case '<':
        return (row) => (cmp(row) ?? 0) < 0;
      case '<=':
        return (row) => {
          const r = cmp(row);
          return r !== null && r <= 0;
        };
      case '>':
        return (row) => (cmp(row) ?? 0) > 0;
      case '>=':
        return (row) => {
          const r = cmp(row);
          return r !== null && r >= 0;
        };
      default:
        throw err.malformed(soql, `unexpected token: '${c.operator}'`, err.columnOf(soql, df.name));
    }
  }

  /** `Field IN (SELECT X FROM Y WHERE …)`: the inner Ids are collected once, on first use. */
  function compileSemiJoin(cond: ValueQueryCondition): (row: Row) => boolean {
    const outer = resolvePath(cond.field);
    const inner = compileQuery(soql, cond.valueQuery, ctx);
    const innerCol = inner.columns[0];
    if (inner.columns.length !== 1 || !innerCol || !innerCol.field || !ID_TYPES.has(innerCol.field.type)) {
      throw err.malformed(
        soql,
        'The inner select field must be an Id or a reference field',
        err.columnOf(soql, 'SELECT', 7),
      );
    }
    let ids: Set<unknown> | null = null;
    const load = (): Set<unknown> => {
      const out = new Set<unknown>();
      for (const r of ctx.scanRows(inner.obj))
        if (!inner.predicate || inner.predicate(r)) out.add(innerCol.get(r));
      return out;
    };
    const negate = cond.operator.toUpperCase() === 'NOT IN';
    return (row) => {
      ids ??= load();
      const v = outer.get(row);
      return negate ? v !== null && !ids.has(v) : v !== null && ids.has(v);
    };
  }

  /** `DISTANCE(…) < n` / `> n`: the only comparisons the location page allows. */
  function compileDistanceLeaf(c: FunctionCondition): (row: Row) => boolean {
    const get = distanceReader(c.fn);
    const lt = Array.isArray(c.literalType) ? c.literalType[0] : c.literalType;
    if ((c.operator !== '<' && c.operator !== '>') || Array.isArray(c.value))
      throw err.malformed(
        soql,
        `DISTANCE() can only be compared with < or >, not ${c.operator}`,
        err.columnOf(soql, c.fn.functionName),
      );
    if (lt !== 'INTEGER' && lt !== 'DECIMAL')
      throw err.invalidFilterValue(soql, c.fn.rawValue ?? 'DISTANCE', 'double', lt === 'STRING');
    const limit = Number(c.value);
    return c.operator === '<'
      ? (row) => {
          const d = get(row) as number | null;
          return d !== null && d < limit;
        }
      : (row) => {
          const d = get(row) as number | null;
          return d !== null && d > limit;
        };
  }

  /** A WHERE condition on a function: a date function, toLabel() or DISTANCE(). */
  function compileFunctionLeaf(c: FunctionCondition): (row: Row) => boolean {
    const name = c.fn.functionName.toUpperCase();
    if (name === 'DISTANCE') return compileDistanceLeaf(c);
    if (name === 'TOLABEL') {
      // Compares with the label the user sees ("toLabel()": "WHERE toLabel(Status) = 'le Draft'").
      const path = c.fn.parameters?.[0];
      if (typeof path !== 'string' || c.fn.parameters?.length !== 1)
        throw err.malformed(
          soql,
          `unexpected token: '${c.fn.functionName}'`,
          err.columnOf(soql, c.fn.functionName),
        );
      const base = resolvePath(path);
      const cond = { ...(c as unknown as ValueCondition), field: path } as ValueCondition &
        Partial<ValueWithDateNLiteralCondition>;
      return compileValueLeaf(cond, shownAs(base, labelOf(base.field)));
    }
    if (name === 'CONVERTCURRENCY')
      // "You can't use the convertCurrency() function in a WHERE clause. If you do, an error is returned."
      throw err.malformed(
        soql,
        'convertCurrency() cannot be used in a WHERE clause',
        err.columnOf(soql, c.fn.functionName),
      );
    return compileDateFunctionLeaf(c);
  }

  function compileLeaf(cond: ConditionWithValueQuery): (row: Row) => boolean {
    if (!('field' in cond)) {
      if ('fn' in cond && cond.fn) return compileFunctionLeaf(cond as unknown as FunctionCondition);
      throw err.malformed(soql, 'unexpected token in WHERE clause');
    }
    if ('valueQuery' in cond) return compileSemiJoin(cond as ValueQueryCondition);
    const c = cond as ValueCondition & Partial<ValueWithDateNLiteralCondition>;
    return compileValueLeaf(c, resolvePath(c.field));
  }

  /** `field op value` with the column already resolved (toLabel() gives a label column). */
  function compileValueLeaf(
    c: ValueCondition & Partial<ValueWithDateNLiteralCondition>,
    col: Column,
  ): (row: Row) => boolean {
    const f = col.field;
    if (f && !f.filterable)
      throw err.filterOperator(soql, c.field, `field '${f.name}' can not be filtered in query call`);
    const get = col.get;
    const type = f?.type ?? 'string';
    const isText = !(
      NUMERIC.has(type) ||
      type === 'datetime' ||
      type === 'date' ||
      type === 'boolean' ||
      ID_TYPES.has(type)
    );
    const norm: (v: unknown) => unknown = isText
      ? (v) => (typeof v === 'string' ? v.toLowerCase() : v)
      : (v) => v;
    const op = c.operator.toUpperCase();
    const lts = Array.isArray(c.literalType) ? c.literalType : [c.literalType];
    if (op === 'IN' || op === 'NOT IN') {
      const values = (Array.isArray(c.value) ? c.value : [c.value]).map((raw, i) => {
        const l = literal(f, c.field, raw, lts[i] ?? lts[0]);
        if ('range' in l)
          throw err.malformed(soql, 'Date literals are not supported in IN lists', err.columnOf(soql, raw));
        return l.value;
      });
      const set = new Set(values);
      const hasNull = set.has(null);
      return op === 'IN'
        ? (row) => {
            const v = norm(get(row));
            return v === null ? hasNull : set.has(v);
          }
        : (row) => {
            const v = norm(get(row));
            return v === null ? !hasNull : !set.has(v);
          };
    }
    if (op === 'INCLUDES' || op === 'EXCLUDES') {
      const wanted = (Array.isArray(c.value) ? c.value : [c.value]).map((raw) =>
        unquote(raw)
          .toLowerCase()
          .split(';')
          .map((s) => s.trim()),
      );
      const test = (row: Row): boolean => {
        const v = get(row);
        if (typeof v !== 'string') return false;
        const have = new Set(v.toLowerCase().split(';'));
        return wanted.some((combo) => combo.every((x) => have.has(x)));
      };
      return op === 'INCLUDES' ? test : (row) => !test(row);
    }
    const raw = Array.isArray(c.value) ? (c.value[0] ?? '') : c.value;
    const nArg = Array.isArray(c.dateLiteralVariable) ? c.dateLiteralVariable[0] : c.dateLiteralVariable;
    if (op === 'LIKE') {
      if (lts[0] !== 'STRING') throw err.invalidFilterValue(soql, c.field, 'string', false);
      const re = likeMatcher(raw);
      return (row) => {
        const v = get(row);
        return typeof v === 'string' && re.test(v);
      };
    }
    const l = literal(f, c.field, raw, lts[0], nArg);
    if ('range' in l) {
      const { start, end } = l.range as { start: number | string; end: number | string };
      const inRange = (v: unknown): boolean =>
        v !== null && (v as number | string) >= start && (v as number | string) < end;
      switch (op) {
        case '=':
          return (row) => inRange(get(row));
        case '!=':
          return (row) => !inRange(get(row));
        case '<':
          return (row) => {
            const v = get(row);
            return v !== null && (v as number | string) < start;
          };
        case '<=':
          return (row) => {
            const v = get(row);
            return v !== null && (v as number | string) < end;
          };
        case '>':
          return (row) => {
            const v = get(row);
            return v !== null && (v as number | string) >= end;
          };
        case '>=':
          return (row) => {
            const v = get(row);
            return v !== null && (v as number | string) >= start;
          };
        default:
          throw err.malformed(soql, `unexpected token: '${op}'`);
      }
    }
    const lit = l.value as number | string | boolean | null;
    if (lit === null) {
      if (op === '=') return (row) => get(row) === null;
      if (op === '!=') return (row) => get(row) !== null;
      return () => false;
    }
    switch (op) {
      case '=':
        return (row) => norm(get(row)) === lit;
      case '!=':
        return (row) => norm(get(row)) !== lit;
      case '<':
        return (row) => {
          const v = norm(get(row));
          return v !== null && (v as typeof lit) < lit;
        };
      case '<=':
        return (row) => {
          const v = norm(get(row));
          return v !== null && (v as typeof lit) <= lit;
        };
      case '>':
        return (row) => {
          const v = norm(get(row));
          return v !== null && (v as typeof lit) > lit;
        };
      case '>=':
        return (row) => {
          const v = norm(get(row));
          return v !== null && (v as typeof lit) >= lit;
        };
      default:
        throw err.malformed(soql, `unexpected token: '${op}'`);
    }
  }

  /** Index bounds on SystemModstamp and Id implied by the WHERE tree (AND intersects, OR spans). */
  function boundsOf(e: BoolExpr): Bounds {
    if (e.kind === 'not') return OPEN_BOUNDS;
    if (e.kind === 'leaf') {
      const c = e.cond as ValueCondition;
      if (!('field' in c) || 'valueQuery' in c) return OPEN_BOUNDS;
      const name = c.field.toLowerCase();
      if (name !== 'systemmodstamp' && name !== 'id') return OPEN_BOUNDS;
      const lt = Array.isArray(c.literalType) ? c.literalType[0] : c.literalType;
      const op = c.operator.toUpperCase();
      if (name === 'systemmodstamp') {
        if (lt !== 'DATETIME' || Array.isArray(c.value)) return OPEN_BOUNDS;
        const ms = parseDateTime(c.value);
        if (ms === null) return OPEN_BOUNDS;
        if (op === '=') return { ...OPEN_BOUNDS, smLo: ms, smHi: ms };
        if (op === '>') return { ...OPEN_BOUNDS, smLo: ms + 1 };
        if (op === '>=') return { ...OPEN_BOUNDS, smLo: ms };
        if (op === '<') return { ...OPEN_BOUNDS, smHi: ms - 1 };
        if (op === '<=') return { ...OPEN_BOUNDS, smHi: ms };
        return OPEN_BOUNDS;
      }
      const ids = (Array.isArray(c.value) ? c.value : [c.value]).map((v) => normaliseId(unquote(v)));
      if (ids.some((x) => x === null)) return OPEN_BOUNDS;
      const sorted = (ids as string[]).slice().sort();
      if (op === '=' || op === 'IN')
        return { ...OPEN_BOUNDS, idLo: sorted[0]!, idHi: sorted[sorted.length - 1]! };
      if (op === '>' || op === '>=') return { ...OPEN_BOUNDS, idLo: sorted[0]! };
      if (op === '<' || op === '<=') return { ...OPEN_BOUNDS, idHi: sorted[0]! };
      return OPEN_BOUNDS;
    }
    const parts = e.items.map(boundsOf);
    if (e.kind === 'and') {
      return parts.reduce((a, b) => ({
        smLo: Math.max(a.smLo, b.smLo),
        smHi: Math.min(a.smHi, b.smHi),
        idLo: a.idLo > b.idLo ? a.idLo : b.idLo,
        idHi: a.idHi < b.idHi ? a.idHi : b.idHi,
      }));
    }
    return parts.reduce((a, b) => ({
      smLo: Math.min(a.smLo, b.smLo),
      smHi: Math.max(a.smHi, b.smHi),
      idLo: a.idLo < b.idLo ? a.idLo : b.idLo,
      idHi: a.idHi > b.idHi ? a.idHi : b.idHi,
    }));
  }

  // ---- restricted objects: need an Id filter at the top level of WHERE
  if (obj.queryRule.kind === 'idFilter') {
    const rule = obj.queryRule;
    const allowed = new Set(rule.fields.map((x) => x.toLowerCase()));
    const topLeaves: BoolExpr[] = tree ? (tree.kind === 'and' ? tree.items : [tree]) : [];
    const ok = topLeaves.some((t) => {
      if (t.kind !== 'leaf' || !('field' in t.cond)) return false;
      const c = t.cond as ValueCondition;
      return allowed.has(c.field.toLowerCase()) && (c.operator === '=' || c.operator.toUpperCase() === 'IN');
    });
    if (!ok) throw new SimError(400, 'MALFORMED_QUERY', rule.message);
  }

  // ---- GROUP BY, GROUP BY ROLLUP(…) and GROUP BY CUBE(…) (up to three fields; "GROUP BY ROLLUP",
  // "GROUP BY CUBE": a rollup adds subtotals from right to left and a grand total, a cube adds
  // them for every combination; the grouped fields of a subtotal row are null)
  const groupItems: GroupItem[] = [];
  const groupBy: Column[] = [];
  const groupedFunctions = new Set<string>();
  let rollup: 'ROLLUP' | 'CUBE' | null = null;
  /** Whether a date function's value is fixed within a group (so SELECT, HAVING and ORDER BY may use it). */
  const isGrouped = (df: DateFunctionExpr): boolean =>
    groupedFunctions.has(normaliseCall(df.raw)) ||
    // A date function on a date (not dateTime) field may be grouped by the field itself.
    (df.col.field?.type === 'date' &&
      groupBy.some((g) => g.header.toLowerCase() === df.col.header.toLowerCase()));
  /** The base-row field whose null makes a column (or a date function of it) read null. */
  const baseField = (col: Column): string | null =>
    col.steps.length > 0 ? col.steps[0]!.refField : (col.field?.name ?? null);
  if (q.groupBy) {
    const groupFrom = err.columnOf(soql, 'GROUP') - 1;
    const addItem = (g: unknown): void => {
      if (typeof g === 'string' || (typeof g === 'object' && g !== null && 'field' in g)) {
        const path = typeof g === 'string' ? g : String((g as { field: string }).field);
        const col = resolvePath(path, groupFrom);
        groupBy.push(col);
        groupItems.push({ header: col.header.toLowerCase(), get: col.get, base: baseField(col) });
        return;
      }
      const fn = (
        typeof g === 'object' && g !== null && 'fn' in g ? (g as { fn: FunctionRef }).fn : g
      ) as FunctionRef;
      const df = resolveDateFunction(fn, groupFrom);
      groupedFunctions.add(normaliseCall(df.raw));
      groupItems.push({ header: normaliseCall(df.raw), get: df.get, base: baseField(df.col) });
    };
    const items = Array.isArray(q.groupBy) ? q.groupBy : [q.groupBy];
    for (const g of items) {
      const kind = 'fn' in g && g.fn ? String(g.fn.functionName).toUpperCase() : '';
      if (kind === 'ROLLUP' || kind === 'CUBE') {
        const at = err.columnOf(soql, kind, groupFrom);
        if (items.length > 1)
          throw err.malformed(
            soql,
            `GROUP BY ${kind}() cannot be combined with other GROUP BY items: all grouped fields go inside the parentheses`,
            at,
          );
        const params = ((g as { fn: FunctionRef }).fn.parameters ?? []) as unknown[];
        if (params.length < 1 || params.length > 3)
          throw err.malformed(soql, `GROUP BY ${kind}() takes one to three fields`, at);
        rollup = kind;
        params.forEach(addItem);
      } else addItem(g);
    }
    for (const df of selectedDateFunctions) {
      if (!isGrouped(df))
        throw err.malformed(
          soql,
          `Field must be grouped or aggregated: ${df.raw}`,
          err.columnOf(soql, df.name),
        );
    }
    for (const c of columns) {
      if (!groupBy.some((g) => g.header.toLowerCase() === c.header.toLowerCase())) {
        throw err.malformed(
          soql,
          `Field must be grouped or aggregated: ${c.header}`,
          err.columnOf(soql, c.header),
        );
      }
    }
  }
  /** Which group keys each grouping set keeps (the others are rolled up into a subtotal). */
  const groupingSetList = groupingSets(rollup, groupItems.length);
  /** GROUPING(field): 1 on rows where the field is rolled up; the field must be a group key. */
  const groupIndexOf = (path: string, at: number): number => {
    const i = groupItems.findIndex((g) => g.header === resolvePath(path).header.toLowerCase());
    if (i < 0) throw err.malformed(soql, `GROUPING(${path}): ${path} must be a GROUP BY field`, at);
    return i;
  };
  for (const g of groupingItems) g.agg.groupIndex = groupIndexOf(g.path, g.at);

  // Aggregates HAVING and ORDER BY use without selecting them, computed on the side.
  const sideAggregates: AggregateColumn[] = [];
  /** The side aggregate for `COUNT(Id)`, `SUM(Amount)`, … (one per distinct call). */
  function sideAggregate(fn: FunctionRef, from: number): { index: number; col: Column | null } {
    const name = fn.functionName.toUpperCase();
    const param = fn.parameters?.[0];
    const raw = fn.rawValue ?? `${fn.functionName}()`;
    const at = err.columnOf(soql, fn.functionName, from);
    // COUNT() counts rows; the others read a field.
    const col = param !== undefined ? fieldParam(param, fn.functionName, from) : null;
    if (!col && name !== 'COUNT') throw err.malformed(soql, `unexpected token: '${raw}'`, at);
    const refusal = aggregateRefusal(name, col?.field ?? null);
    if (refusal) throw err.malformed(soql, refusal, at);
    const key = normaliseCall(raw);
    const existing = sideAggregates.findIndex((a) => a.key === key);
    if (existing >= 0) return { index: existing, col };
    sideAggregates.push({ key, fn: name, get: col ? col.get : () => 1, field: col?.field ?? null });
    return { index: sideAggregates.length - 1, col };
  }

  // ---- HAVING: filters the groups. Its terms are grouped fields, grouped date functions,
  // GROUPING() and aggregate functions (selected or not).
  let having: ((g: GroupView) => boolean) | null = null;
  if (q.having) {
    const havingFrom = err.columnOf(soql, 'HAVING') - 1;
    let tree: BoolExpr;
    try {
      tree = buildWhereTree(q.having as unknown as WhereClause);
    } catch (e) {
      throw err.malformed(soql, (e as Error).message.replace('WHERE', 'HAVING'));
    }
    having = compileBoolExpr(tree, (cond) => compileHavingLeaf(cond, havingFrom));
  }

  function compileHavingLeaf(cond: ConditionWithValueQuery, havingFrom: number): (g: GroupView) => boolean {
    if ('field' in cond && !('valueQuery' in cond)) {
      const col = resolvePath(cond.field, havingFrom);
      if (!groupBy.some((g) => g.header.toLowerCase() === col.header.toLowerCase()))
        throw err.malformed(
          soql,
          `Field must be grouped or aggregated: ${cond.field}`,
          err.columnOf(soql, cond.field, havingFrom),
        );
      const test = compileLeaf(cond);
      return (g) => test(g.row);
    }
    if (!('fn' in cond) || !cond.fn)
      throw err.malformed(soql, 'unexpected token in HAVING clause', havingFrom + 1);
    const c = cond as unknown as FunctionCondition;
    const name = c.fn.functionName.toUpperCase();
    const at = err.columnOf(soql, c.fn.functionName, havingFrom);
    if (isDateFunction(name)) {
      const df = resolveDateFunction(c.fn, havingFrom);
      if (!isGrouped(df)) throw err.malformed(soql, `Field must be grouped or aggregated: ${df.raw}`, at);
      const test = compileDateFunctionLeaf(c, havingFrom);
      return (g) => test(g.row);
    }
    const raw = c.fn.rawValue ?? `${c.fn.functionName}()`;
    const op = c.operator;
    if (Array.isArray(c.value) || !['=', '!=', '<', '<=', '>', '>='].includes(op))
      throw err.malformed(soql, `HAVING ${raw} ${op} (…) is not supported by this simulator`, at);
    const lt = Array.isArray(c.literalType) ? c.literalType[0] : c.literalType;
    let read: (g: GroupView) => unknown;
    let lit: unknown;
    let compare: ValueCompare = valueCompare(null);
    if (name === 'GROUPING') {
      const index = groupIndexOf(String(c.fn.parameters?.[0] ?? ''), at);
      if (lt !== 'INTEGER') throw err.invalidFilterValue(soql, raw, 'integer', lt === 'STRING');
      lit = Number(c.value);
      read = (g) => (g.rolledUp[index] ? 1 : 0);
    } else if (AGGREGATE_FUNCTIONS.has(name)) {
      const { index, col } = sideAggregate(c.fn, havingFrom);
      read = (g) => g.aggregates[index];
      if (name === 'MIN' || name === 'MAX') {
        const converted = literal(col!.field, raw, c.value, lt);
        if (!('value' in converted))
          throw err.malformed(
            soql,
            `${raw} cannot be compared with date literals`,
            err.columnOf(soql, c.value, havingFrom),
          );
        lit = converted.value;
        compare = valueCompare(col!.field);
      } else {
        const integral = name === 'COUNT' || name === 'COUNT_DISTINCT';
        if (lt === 'NULL') lit = null;
        else if (lt === 'INTEGER' || (!integral && lt === 'DECIMAL')) lit = Number(c.value);
        else throw err.invalidFilterValue(soql, raw, integral ? 'integer' : 'double', lt === 'STRING');
      }
    } else throw err.malformed(soql, `unexpected token: '${c.fn.functionName}'`, at);
    return (g) => {
      const v = read(g);
      if (v === null || v === undefined || lit === null) {
        const isNull = v === null || v === undefined;
        return op === '=' ? isNull && lit === null : op === '!=' ? isNull !== (lit === null) : false;
      }
      const r = compare(v, lit);
      switch (op) {
        case '=':
          return r === 0;
        case '!=':
          return r !== 0;
        case '<':
          return r < 0;
        case '<=':
          return r <= 0;
        case '>':
          return r > 0;
        default:
          return r >= 0;
      }
    };
  }

  // ---- ORDER BY (SOQL and SOSL Reference, "ORDER BY"): ASC/DESC, NULLS FIRST/LAST (nulls first
  // by default), several keys, relationship fields; picklists in their defined order; not on
  // fields that cannot be sorted. In an aggregate query the groups are ordered: by grouped fields,
  // grouped date functions, aggregate functions (selected or not) and GROUPING().
  const orderKeys: { field: string; desc: boolean }[] = [];
  let compare: ((a: Row, b: Row) => number) | null = null;
  let groupCompare: ((a: GroupView, b: GroupView) => number) | null = null;
  if (q.orderBy) {
    const keys = (Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy]) as OrderByClause[];
    const orderFrom = err.columnOf(soql, 'ORDER') - 1;
    if (countOnly)
      // "COUNT() and COUNT(fieldName)": "You can't use COUNT() with an ORDER BY clause."
      throw err.malformed(soql, 'COUNT() cannot be used with ORDER BY; use COUNT(fieldName)', orderFrom + 1);
    const rowCmps: ((a: Row, b: Row) => number)[] = [];
    const groupCmps: ((a: GroupView, b: GroupView) => number)[] = [];
    for (const k of keys) {
      const desc = k.order === 'DESC';
      const nulls = k.nulls === 'FIRST' || k.nulls === 'LAST' ? k.nulls : undefined;
      if ('fn' in k && k.fn) {
        const fn = k.fn as FunctionRef;
        const name = fn.functionName.toUpperCase();
        const at = err.columnOf(soql, fn.functionName, orderFrom);
        if (name === 'DISTANCE' && !aggregateQuery) {
          const get = distanceReader(fn, orderFrom);
          const cmp = orderCompare(valueCompare(null), desc, nulls);
          rowCmps.push((a, b) => cmp(get(a), get(b)));
          orderKeys.push({ field: normaliseCall(fn.rawValue ?? name), desc });
          continue;
        }
        if (!aggregateQuery) {
          // A date function or an aggregate sorts groups only; Salesforce rejects it elsewhere as it
          // rejects an ungrouped date function in SELECT.
          if (isDateFunction(name)) resolveDateFunction(fn, orderFrom);
          throw err.malformed(
            soql,
            `Ordered field must be grouped or aggregated: ${fn.rawValue ?? name}`,
            at,
          );
        }
        let read: (g: GroupView) => unknown;
        let cmp: ValueCompare = valueCompare(null);
        if (isDateFunction(name)) {
          const df = resolveDateFunction(fn, orderFrom);
          if (!isGrouped(df))
            throw err.malformed(soql, `Ordered field must be grouped or aggregated: ${df.raw}`, at);
          read = (g) => df.get(g.row);
        } else if (AGGREGATE_FUNCTIONS.has(name)) {
          const { index, col } = sideAggregate(fn, orderFrom);
          if (name === 'MIN' || name === 'MAX') cmp = valueCompare(col?.field ?? null);
          read = (g) => g.aggregates[index];
        } else if (name === 'GROUPING') {
          const index = groupIndexOf(String(fn.parameters?.[0] ?? ''), at);
          read = (g) => (g.rolledUp[index] ? 1 : 0);
        } else
          throw err.malformed(
            soql,
            `Ordered field must be grouped or aggregated: ${fn.rawValue ?? name}`,
            at,
          );
        const ordered = orderCompare(cmp, desc, nulls);
        groupCmps.push((a, b) => ordered(read(a), read(b)));
        continue;
      }
      if (!('field' in k) || !k.field) throw err.malformed(soql, 'unexpected token in ORDER BY clause');
      const col = resolvePath(k.field, orderFrom);
      if (col.field && !col.field.sortable) {
        throw new SimError(
          400,
          'INVALID_FIELD',
          err.positioned(
            soql,
            err.columnOf(soql, k.field, orderFrom),
            `field '${col.field.name}' can not be sorted in a query call`,
          ),
        );
      }
      const cmp = orderCompare(valueCompare(col.field), desc, nulls);
      const get = col.get;
      if (aggregateQuery) {
        if (!groupBy.some((g) => g.header.toLowerCase() === col.header.toLowerCase()))
          throw err.malformed(
            soql,
            `Ordered field must be grouped or aggregated: ${k.field}`,
            err.columnOf(soql, k.field, orderFrom),
          );
        groupCmps.push((a, b) => cmp(get(a.row), get(b.row)));
        continue;
      }
      orderKeys.push({
        field:
          col.steps.length === 0
            ? (col.field?.lower ?? col.leafName.toLowerCase())
            : col.header.toLowerCase(),
        desc,
      });
      const stored =
        col.steps.length === 0 && col.field && !col.field.formula && !col.field.compound ? col.field : null;
      rowCmps.push(
        stored && comparesByValue(stored)
          ? storedFieldOrder(stored.name, desc, nulls)
          : (a, b) => cmp(get(a), get(b)),
      );
    }
    const chain = <T>(cmps: ((a: T, b: T) => number)[]): ((a: T, b: T) => number) | null =>
      cmps.length === 0
        ? null
        : cmps.length === 1
          ? cmps[0]!
          : (a, b) => {
              for (const c of cmps) {
                const r = c(a, b);
                if (r !== 0) return r;
              }
              return 0;
            };
    compare = chain(rowCmps);
    groupCompare = chain(groupCmps);
  }

  if (q.offset !== undefined && q.offset > 2000) {
    throw new SimError(
      400,
      'NUMBER_OUTSIDE_VALID_RANGE',
      `Maximum SOQL offset allowed for apiName ${obj.name} is 2000`,
    );
  }

  // ---- JSON shape: relationship columns nest under their relationship name.
  type Node =
    | { kind: 'leaf'; key: string; col: Column }
    | { kind: 'rel'; key: string; refField: string; target: ObjectDef | null; children: Node[] }
    | {
        kind: 'typeof';
        key: string;
        refField: string;
        whens: Map<string, Node[]>;
        elses: Map<string, Node[]>;
      };
  type LeafNode = Extract<Node, { kind: 'leaf' }>;
  type ParentNode = Exclude<Node, { kind: 'leaf' }>;
  type LevelRenderer = (
    attributes: RecordAttributes,
    row: Row,
    o: ObjectDef,
    apiVersion: string,
  ) => Record<string, unknown>;
  /** The node list under `steps` (parent relationships), created on first use. */
  function levelOf(shape: Node[], steps: Step[]): Node[] {
    let level = shape;
    for (const s of steps) {
      let node = level.find(
        (n): n is Extract<Node, { kind: 'rel' }> => n.kind === 'rel' && n.key === s.relationshipName,
      );
      if (!node) {
        node = { kind: 'rel', key: s.relationshipName, refField: s.refField, target: s.target, children: [] };
        level.push(node);
      }
      level = node.children;
    }
    return level;
  }
  function addToShape(shape: Node[], col: Column): void {
    // An aliased item (toLabel(Owner.Name) n, DISTANCE(…) d) is a top-level key of its own.
    if (col.alias !== undefined) shape.push({ kind: 'leaf', key: col.alias, col });
    else levelOf(shape, col.steps).push({ kind: 'leaf', key: col.leafName, col });
  }
  function shapeOf(cols: Column[]): Node[] {
    const out: Node[] = [];
    for (const col of cols) addToShape(out, col);
    return out;
  }
  const typeofColumns: Column[] = [];
  const shapeOfTypes = (byType: Map<string, Column[]>): Map<string, Node[]> => {
    const out = new Map<string, Node[]>();
    for (const [type, cols] of byType) {
      typeofColumns.push(...cols);
      out.set(type, shapeOf(cols));
    }
    return out;
  };
  const shape: Node[] = [];
  for (let i = 0; i <= columns.length; i++) {
    for (const t of typeofs) {
      if (t.at !== i) continue;
      levelOf(shape, t.path).push({
        kind: 'typeof',
        key: t.key,
        refField: t.refField,
        whens: shapeOfTypes(t.whens),
        elses: shapeOfTypes(t.elses),
      });
    }
    if (i < columns.length) addToShape(shape, columns[i]!);
  }
  const leafReaders = new Map<Column, Getter>();
  for (const col of [...columns, ...typeofColumns]) {
    // Leaf reader on the final object's row (relationship traversal is done by the shape walk).
    const f = col.field;
    if (col.leafName === 'Type' && !f) leafReaders.set(col, () => null);
    else if (f) {
      const name = f.name;
      leafReaders.set(col, f.formula || f.compound ? liveFieldReader(f, fctx) : (row) => row[name] ?? null);
    }
  }

  /** The value renderNodes writes under a leaf's key; undefined leaves the key out of the JSON. */
  function leafValue(n: LeafNode, row: Row, o: ObjectDef, apiVersion: string): unknown {
    const f = n.col.field;
    if (n.col.alias !== undefined) {
      const v = n.col.get(row);
      return n.col.transform || !f ? v : formatJson(f, v);
    }
    if (!f) return n.key === 'Type' ? o.name : null;
    let v: unknown;
    if (o !== obj && n.col.steps.length > 0) {
      const real = o.byLower.get(f.lower);
      v = real ? fieldReader(o, real, fctx)(row) : null;
    } else {
      v = leafReaders.get(n.col)!(row);
    }
    if (n.col.transform) return n.col.transform(v);
    if (f.type === 'base64')
      return v === null || v === undefined
        ? null
        : `/services/data/v${apiVersion}/sobjects/${o.name}/${String(row.Id)}/${f.name}`;
    return formatJson(f, v);
  }

  /**
   * The value renderNodes writes under a parent relationship's key (or a TYPEOF over a polymorphic one): the
   * parent's attributes and the fields selected for its type, or null when the lookup is empty.
   */
  function parentValue(n: ParentNode, row: Row, apiVersion: string): Record<string, unknown> | null {
    const id = row[n.refField];
    const parent = typeof id === 'string' ? ctx.lookup(id) : null;
    const po =
      parent && typeof id === 'string'
        ? ((n.kind === 'typeof' ? undefined : n.target) ?? ctx.objectOfId(id))
        : undefined;
    if (!parent || !po) return null;
    const nodes = n.kind === 'typeof' ? (n.whens.get(po.lower) ?? n.elses.get(po.lower) ?? []) : n.children;
    return levelRenderer(nodes, false)(attributesOf(po, parent, apiVersion), parent, po, apiVersion);
  }

  /** Writes the nodes' keys into `out` in order (subquery records, whose keys are then reordered). */
  function renderNodes(
    nodes: Node[],
    row: Row,
    o: ObjectDef,
    apiVersion: string,
    out: Record<string, unknown>,
  ): void {
    for (const n of nodes)
      out[n.key] = n.kind === 'leaf' ? leafValue(n, row, o, apiVersion) : parentValue(n, row, apiVersion);
  }

  /**
   * Where a node's value comes from. At the top level the row is always of `obj`, so a stored field (not a
   * formula or compound one) is read by name without leafValue's questions; anything else asks them.
   */
  function keySource(n: Node, top: boolean): KeySource {
    if (n.kind !== 'leaf')
      return { key: n.key, value: (row, _o, apiVersion) => parentValue(n, row, apiVersion) };
    const f = n.col.field;
    if (
      top &&
      f &&
      n.col.alias === undefined &&
      !n.col.transform &&
      f.type !== 'base64' &&
      !f.formula &&
      !f.compound
    )
      return { key: n.key, field: f.name, datetime: f.type === 'datetime' };
    return { key: n.key, value: (row, o, apiVersion) => leafValue(n, row, o, apiVersion) };
  }

  /** One level's record builder (recordMaker over its nodes' key sources), made on first use. */
  const levelRenderers = new Map<Node[], LevelRenderer>();
  function levelRenderer(nodes: Node[], top: boolean): LevelRenderer {
    let render = levelRenderers.get(nodes);
    if (!render) {
      render = recordMaker(nodes.map((n) => keySource(n, top)));
      levelRenderers.set(nodes, render);
    }
    return render;
  }

  function renderChildren(
    sq: { field: string; obj: ObjectDef; plan: QueryPlan },
    parent: Row,
    apiVersion: string,
  ): Record<string, unknown> | null {
    let rows = ctx
      .children(sq.obj, sq.field, String(parent.Id))
      .filter((r) => !sq.plan.predicate || sq.plan.predicate(r));
    if (sq.plan.compare) rows = [...rows].sort(sq.plan.compare);
    if (sq.plan.offset > 0 || sq.plan.limit !== null)
      rows = rows.slice(sq.plan.offset, sq.plan.limit === null ? undefined : sq.plan.offset + sq.plan.limit);
    if (rows.length === 0) return null;
    return { totalSize: rows.length, done: true, records: rows.map((r) => sq.plan.toJson(r, apiVersion)) };
  }

  const csvs = columns.map((c) => c.csv);
  const aggregateCols = aggregates as AggregateColumn[] | null;
  const plan: QueryPlan = {
    soql,
    obj,
    countOnly,
    aggregates: aggregateCols,
    groupBy,
    columns,
    predicate,
    bounds,
    boundsExact,
    compare,
    orderKeys,
    limit: q.limit ?? null,
    offset: q.offset ?? 0,
    usesFieldsFn,
    hasSubquery,
    hasTypeof,
    base64Fields,
    compoundColumns,
    toJson(row, apiVersion) {
      if (subqueries.length === 0)
        return levelRenderer(shape, true)(attributesOf(obj, row, apiVersion), row, obj, apiVersion);
      const out: Record<string, unknown> = { attributes: attributesOf(obj, row, apiVersion) };
      // Subquery results sit at their SELECT position among the top-level keys.
      const body: Record<string, unknown> = {};
      renderNodes(shape, row, obj, apiVersion, body);
      const keys = Object.keys(body);
      const topIndexOfColumn = columns.map(
        (c) => c.alias ?? (c.steps.length > 0 ? c.steps[0]!.relationshipName : c.leafName),
      );
      let k = 0;
      for (let i = 0; i <= columns.length; i++) {
        for (const sq of subqueries) if (sq.at === i) out[sq.key] = renderChildren(sq, row, apiVersion);
        if (i < columns.length) {
          const key = topIndexOfColumn[i]!;
          if (key in body && !(key in out)) out[key] = body[key];
        }
      }
      for (; k < keys.length; k++) if (!(keys[k]! in out)) out[keys[k]!] = body[keys[k]!];
      return out;
    },
    toCsv(row) {
      const out = new Array<string | null>(csvs.length);
      for (let i = 0; i < csvs.length; i++) out[i] = csvs[i]!(row);
      return out;
    },
    aggregate(rows) {
      const shown = aggregateCols ?? [];
      const aggs = [...shown, ...sideAggregates];
      const mins = aggs.map((a) => valueCompare(a.field));
      const fresh = (): Accumulator[] =>
        aggs.map(() => ({ count: 0, distinct: new Set(), sum: 0, n: 0, min: null, max: null }));
      const groups = new Map<string, { set: number; key: Row; acc: Accumulator[] }>();
      // First-seen rank of each key value, for the natural order of subtotal rows.
      const ranks = groupItems.map(() => new Map<string, number>());
      for (const row of rows) {
        const keyVals = groupItems.map((g) => g.get(row));
        const keyJson = keyVals.map((v) => JSON.stringify(v ?? null));
        keyJson.forEach((k, i) => {
          if (!ranks[i]!.has(k)) ranks[i]!.set(k, ranks[i]!.size);
        });
        groupingSetList.forEach((keep, set) => {
          const k = `${set}|${keyJson.map((v, i) => (keep[i] ? v : '*')).join(',')}`;
          let g = groups.get(k);
          if (!g) {
            g = { set, key: row, acc: fresh() };
            groups.set(k, g);
          }
          aggs.forEach((a, i) => {
            if (a.fn === GROUPED || a.fn === 'GROUPING') return;
            const acc = g!.acc[i]!;
            const v = a.get ? a.get(row) : null;
            if (v === null || v === undefined) return;
            acc.count++;
            acc.distinct.add(v);
            if (typeof v === 'number') {
              acc.sum += v;
              acc.n++;
            }
            if (acc.min === null || mins[i]!(v, acc.min) < 0) acc.min = v;
            if (acc.max === null || mins[i]!(v, acc.max) > 0) acc.max = v;
          });
        });
      }
      if (groups.size === 0 && groupItems.length === 0) groups.set('0|', { set: 0, key: {}, acc: fresh() });
      const entries: { view: GroupView; rec: Record<string, unknown>; rank: number[] }[] = [];
      for (const g of groups.values()) {
        const rolledUp = groupingSetList[g.set]!.map((keep) => !keep);
        let row = g.key;
        if (rolledUp.some(Boolean)) {
          row = { ...g.key };
          groupItems.forEach((item, i) => {
            if (rolledUp[i] && item.base) row[item.base] = null;
          });
        }
        // Raw values (MIN/MAX as stored) for HAVING and ORDER BY; the record gets them formatted.
        const values = aggs.map((a, i) => {
          const acc = g.acc[i]!;
          if (a.fn === GROUPED) return a.get ? a.get(row) : null;
          if (a.fn === 'GROUPING') return rolledUp[a.groupIndex ?? 0] ? 1 : 0;
          if (a.fn === 'COUNT') return acc.count;
          if (a.fn === 'COUNT_DISTINCT') return acc.distinct.size;
          if (a.fn === 'SUM') return acc.n > 0 ? acc.sum : null;
          if (a.fn === 'AVG') return acc.n > 0 ? acc.sum / acc.n : null;
          return a.fn === 'MIN' ? acc.min : acc.max;
        });
        const view: GroupView = { row, aggregates: values.slice(shown.length), rolledUp };
        if (having && !having(view)) continue;
        // The record's keys follow the SELECT list: grouped fields (or their alias) and aggregates.
        const rec: Record<string, unknown> = { attributes: { type: 'AggregateResult' } };
        for (const item of selectOrder) {
          if ('col' in item) {
            const c = item.col;
            const v = c.get(row);
            rec[c.alias ?? c.leafName] = c.transform ? v : formatJson(c.field, v);
            continue;
          }
          const a = item.agg;
          const v = values[shown.indexOf(a)];
          rec[a.key] = a.format
            ? a.format(v)
            : a.fn === GROUPED || a.fn === 'MIN' || a.fn === 'MAX'
              ? formatJson(a.field, v)
              : v;
        }
        const rank = groupItems.map((_, i) =>
          rolledUp[i] ? Infinity : (ranks[i]!.get(JSON.stringify(groupItems[i]!.get(g.key) ?? null)) ?? 0),
        );
        entries.push({ view, rec, rank });
      }
      // Subtotals follow the groups they sum up, the grand total comes last (as in "GROUP BY
      // ROLLUP"'s example); ORDER BY, when given, decides.
      if (rollup)
        entries.sort((a, b) => {
          for (let i = 0; i < a.rank.length; i++)
            if (a.rank[i] !== b.rank[i]) return a.rank[i]! < b.rank[i]! ? -1 : 1;
          return 0;
        });
      if (groupCompare) entries.sort((a, b) => groupCompare!(a.view, b.view));
      return entries.map((e) => e.rec);
    },
  };
  return plan;
}
