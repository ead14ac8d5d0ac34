/**
 * The in-process API of one simulated Salesforce org: what the HTTP layer (test/sf-sim/src/http)
 * calls. Everything here speaks Salesforce semantics but no wire: the HTTP side adds URLs,
 * headers, API-call counting and renders `SimError` as the REST error array
 * `[{"message","errorCode","fields"?}]` with `status`.
 *
 * Conventions:
 * - Ids are always returned as 18-char Ids; inputs accept 15 or 18 chars.
 * - JSON values are already in REST form: datetimes `2024-01-02T03:04:05.000+0000`, dates
 *   `2024-01-02`, booleans and numbers as JSON values, compound address/location fields as objects,
 *   base64 fields as the relative blob URL `/services/data/vNN.0/sobjects/X/ID/Field`.
 * - `apiVersion` options are the bare number string (`"62.0"`); they only shape URLs in payloads.
 *
 * The implementation is `createOrg` in ./create-org.ts (`import { createOrg } from '../org/create-org.js'`).
 * This interface only grows: members are added, never changed or removed.
 */

/** A Salesforce error the HTTP side renders as `status` + `[{"message","errorCode","fields"?}]`. */
export class SimError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: string[] | undefined;
  constructor(status: number, errorCode: string, message: string, fields?: string[]) {
    super(message);
    this.name = 'SimError';
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }
  /** The REST body element for this error. */
  toJSON(): { message: string; errorCode: string; fields?: string[] } {
    return this.fields
      ? { message: this.message, errorCode: this.errorCode, fields: this.fields }
      : { message: this.message, errorCode: this.errorCode };
  }
}

export type SeedName = 'none' | 'small' | 'demo';

export interface CreateOrgOptions {
  /** Data set to load. `none` = schema and the integration user only. */
  seed: SeedName;
  /** Makes every generated value deterministic; default 1. */
  seedValue?: string | number;
  /** When > 0, adds custom object `Bench__c` with this many generated rows (on demand, flat memory). */
  records?: number;
  /** 18-char (or 15-char) org id starting with `00D`; default derived from the seed value. */
  orgId?: string;
  /** When set, org id, clock offset, mutations and `stateFile` contents persist here across restarts. */
  stateDir?: string;
  /** Background changes per simulated minute (0 = off). */
  churnPerMinute?: number;
  /** Username of the integration user; default `integration@<org15>.sim`. */
  username?: string;
}

export interface SimClock {
  /** Simulated now = real time + persisted offset. */
  now(): Date;
  nowMs(): number;
  /** Moves the simulated clock forward (or back, with a negative value). */
  advance(ms: number): void;
  /** Sets the simulated clock to an ISO-8601 instant. Throws SimError 400 on a bad date. */
  set(iso: string): void;
  /** Current offset from real time in ms. */
  offsetMs(): number;
}

export interface IntegrationUser {
  /** 18-char User id (`005…`). */
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  email: string;
}

export interface QueryOptions {
  /** true for `/queryAll`: include soft-deleted (recycle bin) rows. */
  scanAll?: boolean;
  /** Page size (Sforce-Query-Options: batchSize). Clamped to 200..2000; default 2000. */
  batchSize?: number;
  /** Version used in `attributes.url` and blob URLs; default "62.0". */
  apiVersion?: string;
}

/** One REST query page. `nextLocator` (absent on the last page) is `01g…-<offset>`. */
export interface QueryPage {
  totalSize: number;
  done: boolean;
  records: JsonRecord[];
  nextLocator?: string;
}

export type JsonRecord = Record<string, unknown> & { attributes: { type: string; url?: string } };

/** A validated Bulk 2.0 query, ready to run. */
export interface BulkQuery {
  /** The FROM object, in describe casing. */
  object: string;
  /** CSV header: the field names as written in the SELECT, in SELECT order. */
  columns: string[];
  /**
   * Rows as CSV-ready strings (null = empty value), evaluated lazily against the org as it is
   * when iterated: datetimes `2024-01-02T03:04:05.000Z`, booleans `true`/`false`, numbers plain.
   * Single pass, bounded memory; to serve stable pages, materialise it once (e.g. to a file).
   */
  rows(): Iterable<(string | null)[]>;
}

export interface GetUpdatedResult {
  ids: string[];
  latestDateCovered: string;
}
export interface GetDeletedResult {
  deletedRecords: { id: string; deletedDate: string }[];
  earliestDateAvailable: string;
  latestDateCovered: string;
}

export interface Blob {
  size: number;
  contentType: string;
  /** The file name (Title/Name/PathOnClient) when known. */
  fileName: string | null;
  /** Streams the bytes in chunks; generated deterministically from the file's seed. */
  stream(): AsyncIterable<Buffer>;
}

/** One committed version of a record, as `/__sim/truth` emits it (one NDJSON line each). */
export interface TruthVersion {
  Id: string;
  /** REST datetime format. */
  SystemModstamp: string;
  IsDeleted: boolean;
  purged: boolean;
  /** When this version became visible to queries (REST datetime). */
  visibleAt: string;
  /** Every stored field of the record at this version, REST JSON values (no formulas, no compounds). */
  fields: Record<string, unknown>;
}

/** `POST /__sim/mutate` body. */
export interface MutateBody {
  object: string;
  ops: MutateOp[];
  sameSecond?: boolean;
  commitDelayMs?: number;
}
export type MutateOp =
  | { op: 'update'; ids: string[]; set: Record<string, unknown> }
  | { op: 'delete'; ids: string[]; hard?: boolean }
  | { op: 'undelete'; ids: string[] }
  | { op: 'create'; records: Record<string, unknown>[] };
export interface MutateResult {
  /** Ids created by `create` ops, in order. */
  created: string[];
  /** Number of records touched across all ops. */
  touched: number;
  /** SystemModstamp given to the changes when `sameSecond` (else of the last change). */
  systemModstamp: string;
}

/** `POST /__sim/permissions` body. */
export interface PermissionsBody {
  object: string;
  readable?: boolean;
  fields?: Record<string, boolean>;
}

/** `POST /__sim/schema` body. Field types: describe `type` values (string, textarea, int, double,
 *  currency, percent, boolean, date, datetime, picklist, email, phone, url, reference, …). */
export interface SchemaBody {
  object: string;
  label?: string;
  fields: {
    name: string;
    type: string;
    label?: string;
    length?: number;
    referenceTo?: string;
    picklistValues?: string[];
  }[];
}

/**
 * `POST /__sim/schema/change` body: changes one existing field as an admin would in Setup. `remove` deletes a
 * custom field (it leaves describe and FieldDefinition; records keep no readable value); `label`, `length` (text
 * fields), `picklistValues` (the full new value set of a picklist) and `formula` (a formula field's
 * calculatedFormula: a field of the record or of a parent, `Name` or `Account.Name`, which the simulator then
 * evaluates) change what describe shows. Each change moves the object's describe Last-Modified.
 */
export interface FieldChangeBody {
  object: string;
  field: string;
  remove?: boolean;
  label?: string;
  length?: number;
  picklistValues?: string[];
  formula?: string;
}

/** `POST /__sim/user-permissions` body: system permissions of the integration user. */
export interface UserPermissionsBody {
  /** "View Setup and Configuration" (PermissionsViewSetup): needed to query FieldDefinition. Default true. */
  viewSetup?: boolean;
}

/** The handle `SimOrg.transaction` passes to its function. */
export interface Transaction {
  /** Undoes every write of this transaction when its function returns (it returns normally). */
  rollback(): void;
  /** Whether `rollback()` was called. */
  readonly rolledBack: boolean;
}

/** Result of a single-record write (REST `POST /sobjects/X`). */
export interface SaveResult {
  id: string;
  success: true;
  errors: [];
}

export interface SimOrg {
  /** 18-char org id. */
  readonly orgId: string;
  /** 15-char org id (token prefix). */
  readonly org15: string;
  readonly integrationUser: IntegrationUser;
  readonly clock: SimClock;
  /** The data set's seed value. */
  readonly seedValue: string;

  /** describeGlobal body (`encoding`, `maxBatchSize`, `sobjects`), readable objects only. */
  describeGlobal(apiVersion?: string): { body: Record<string, unknown>; lastModified: Date };
  /** sObject describe honouring permissions; SimError 404 NOT_FOUND for unknown/unreadable objects. */
  describe(objectName: string, apiVersion?: string): { body: Record<string, unknown>; lastModified: Date };
  /** `GET /sobjects/X` basic info: `{objectDescribe, recentItems}`. */
  describeBasic(objectName: string, apiVersion?: string): Record<string, unknown>;

  /** REST query / queryAll first page. Throws SimError for SOQL errors. */
  query(soql: string, opts?: QueryOptions): QueryPage;
  /** Next page for a locator (`01g…-<offset>` or just `01g…`). SimError 400 INVALID_QUERY_LOCATOR when unknown/expired. */
  queryMore(locator: string, opts?: { batchSize?: number; apiVersion?: string }): QueryPage;
  /** Validates SOQL for Bulk 2.0 (SimError on what Bulk rejects at create time) and prepares it. */
  bulkQuery(soql: string, opts?: { scanAll?: boolean }): BulkQuery;

  /** getUpdated; start/end ISO-8601. SimError 400 INVALID_REPLICATION_DATE / EXCEEDED_ID_LIMIT / INVALID_TYPE. */
  getUpdated(objectName: string, start: string, end: string): GetUpdatedResult;
  getDeleted(objectName: string, start: string, end: string): GetDeletedResult;

  /** One record (all readable fields, or `fields`); SimError 404 NOT_FOUND. Deleted rows are not found. */
  retrieve(objectName: string, id: string, fields?: string[], apiVersion?: string): JsonRecord;
  /** Blob of a base64 field (Attachment.Body, Document.Body, ContentVersion.VersionData); field name case-insensitive. */
  blob(objectName: string, id: string, field: string): Blob;

  /** sObject write API. Errors as Salesforce: REQUIRED_FIELD_MISSING, INVALID_FIELD, INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, … */
  create(objectName: string, fields: Record<string, unknown>): SaveResult;
  update(objectName: string, id: string, fields: Record<string, unknown>): void;
  /** Soft delete to the recycle bin. SimError 404 ENTITY_IS_DELETED / NOT_FOUND. */
  delete(objectName: string, id: string): void;

  /**
   * Runs `fn` as one all-or-none transaction (an `allOrNone` composite or collection request):
   * its writes (create/update/delete, with their side effects) are committed together — one
   * journal entry — when `fn` returns, or undone without a trace (records, versions in `truth`,
   * delete log, Id numbering, persisted journal) when `fn` throws or calls `tx.rollback()`.
   * A transaction opened inside another is a savepoint of it: its rollback undoes only its own
   * writes. While a transaction is open, writes from outside it fail with 400 UNABLE_TO_LOCK_ROW
   * and churn waits.
   */
  transaction<T>(fn: (tx: Transaction) => T | Promise<T>): Promise<T>;

  /** Admin: bulk changes (`POST /__sim/mutate`). */
  mutate(body: MutateBody): MutateResult;
  /** Admin: integration-user access (`POST /__sim/permissions`). */
  setPermissions(body: PermissionsBody): void;
  /** Admin: add a custom object or fields (`POST /__sim/schema`). */
  addSchema(body: SchemaBody): void;
  /** Admin: change or remove one field (`POST /__sim/schema/change`). */
  changeField(body: FieldChangeBody): void;
  /** Admin: system permissions of the integration user (`POST /__sim/user-permissions`). */
  setUserPermissions(body: UserPermissionsBody): void;
  /** Admin: every committed version of every record of the object, oldest first. */
  truth(objectName: string): Iterable<TruthVersion>;
  /** Admin: background churn per simulated minute (0 stops it). */
  setChurn(perMinute: number): void;
  /**
   * Applies the churn changes due by the simulated clock now (a timer calls this every second
   * while churn is on; tests call it directly). Returns how many changes were made.
   */
  tickChurn(): number;
  /** Record counts per object (visible, not deleted), for `/limits/recordCount`. */
  recordCount(objectName: string): number | null;

  /**
   * A small persisted file owned by the caller (e.g. `oauth.json` for keys and client secrets):
   * read returns null when absent. Without a stateDir it lives in memory only.
   */
  readStateFile(name: string): string | null;
  writeStateFile(name: string, contents: string): void;
  /** Directory where the HTTP side may keep its own files (temp dir when no stateDir). */
  readonly dataDir: string;

  /** Stops churn timers and flushes the journal. */
  close(): Promise<void>;
}

export type CreateOrg = (opts: CreateOrgOptions) => Promise<SimOrg>;
