/** The simulator's schema model: one ObjectDef per sObject, one FieldDef per describe field. */

/** Stored values: strings, numbers, booleans, null; datetimes as epoch ms; dates as `YYYY-MM-DD`; blobs as BlobRef. */
export type Row = Record<string, unknown>;

/** Body of a base64 field: bytes generated from a seed, never held in memory. */
export interface BlobRef {
  bytes: number;
  seed: string;
  /** Actual content (base64) when a client uploaded it; otherwise generated from `seed`. */
  data?: string;
}

export interface FormulaContext {
  nowMs: number;
  /** Current visible row of a record by Id (any object), or null. */
  lookup(id: string): Row | null;
}
export type FormulaFn = (row: Row, ctx: FormulaContext) => unknown;

export interface CompoundParts {
  kind: 'address' | 'location';
  /** JSON key of the compound value → component field name. */
  parts: [key: string, field: string][];
}

export interface FieldDef {
  name: string;
  lower: string;
  type: string;
  /** The full describe entry (57 keys). */
  describe: Record<string, unknown>;
  /** false for compound and formula fields (computed on read). */
  stored: boolean;
  compound: CompoundParts | null;
  formula: FormulaFn | null;
  referenceTo: string[];
  relationshipName: string | null;
  picklist: string[] | null;
  restrictedPicklist: boolean;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  defaultedOnCreate: boolean;
  custom: boolean;
  filterable: boolean;
  sortable: boolean;
}

export type QueryRule =
  | { kind: 'ok' }
  | { kind: 'notQueryable' }
  /** Needs `field = Id` or `field IN (Ids)` on one of `fields` at the top level of WHERE. */
  | { kind: 'idFilter'; fields: string[]; message: string };

export interface ObjectDef {
  name: string;
  lower: string;
  /** Prefix shown in describe (may be null, e.g. history objects). */
  keyPrefix: string | null;
  /** Prefix used to mint Ids. */
  idPrefix: string;
  custom: boolean;
  /** describeGlobal flags (without urls). */
  global: Record<string, unknown>;
  /** Top-level describe keys other than fields/childRelationships/urls. */
  top: Record<string, unknown>;
  childRelationships: Record<string, unknown>[];
  fields: FieldDef[];
  byLower: Map<string, FieldDef>;
  /** relationshipName (lower) → reference field. */
  byRelationship: Map<string, FieldDef>;
  queryRule: QueryRule;
  bulkSupported: boolean;
  /** Integration user can read the object. */
  readable: boolean;
  /** Lower-case names of fields the integration user cannot read. */
  hiddenFields: Set<string>;
  /** Last metadata or permission change (for If-Modified-Since). */
  lastModifiedMs: number;
  /** Whether records carry SystemModstamp (history objects only have CreatedDate). */
  hasModstamp: boolean;
}

export function fieldOf(obj: ObjectDef, name: string): FieldDef | undefined {
  return obj.byLower.get(name.toLowerCase());
}

export function isReadableField(obj: ObjectDef, f: FieldDef): boolean {
  return !obj.hiddenFields.has(f.lower);
}
