/**
 * One simulated org: schema, records, SOQL, writes, admin operations and ground truth. Every state
 * change goes through `run(op)`, which journals it (when a state dir is set) and applies it at the
 * simulated time recorded in the op, so replaying the journal rebuilds the same org. Inside a
 * transaction the ops are held back and journaled as one `tx` op on commit, or dropped (and their
 * effects undone through the record book's undo log) on rollback.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  SimError,
  type Blob,
  type BulkQuery,
  type FieldChangeBody,
  type GetDeletedResult,
  type GetUpdatedResult,
  type IntegrationUser,
  type JsonRecord,
  type MutateBody,
  type MutateResult,
  type PermissionsBody,
  type QueryOptions,
  type QueryPage,
  type SaveResult,
  type SchemaBody,
  type SimClock,
  type SimOrg,
  type Transaction,
  type TruthVersion,
  type UserPermissionsBody,
} from './api.js';
import type { BlobRef, FieldDef, FormulaFn, ObjectDef, Row } from './schema/model.js';
import { isReadableField } from './schema/model.js';
import { makeObjectDef, reindexObject } from './schema/catalog.js';
import { completeFieldEntry } from './schema/field-entry.js';
import { RECYCLE_BIN_MS, type RecordBook, type WriteTiming } from './records.js';
import { QueryEngine } from './query-exec.js';
import { compileQuery, type CompileContext } from '../soql/compile.js';
import { parseSoql } from '../soql/parse.js';
import { fiscalYearOfOrganization } from '../soql/date-functions.js';
import { describeBody, globalEntry } from './describe.js';
import { customKeyPrefix, normaliseId } from './ids.js';
import { parseDateTime, restDateTime, truncateToMinute, truncateToSecond, DAY_MS } from './datetime.js';
import { toJsonValue, toStored } from './values.js';
import { blobStream } from '../seed/blob-bytes.js';
import { BENCH_OBJECT } from './bench.js';
import { isFieldDefinitionQuery, queryFieldDefinitions } from './setup-entities.js';

export const DEFAULT_API_VERSION = '62.0';
const MAX_UPDATED_IDS = 600_000;

/** A journaled state change. `now` is the simulated time it happened at. */
export type Op =
  | { k: 'mutate'; now: number; body: MutateBody }
  | { k: 'create'; now: number; object: string; fields: Record<string, unknown> }
  | { k: 'update'; now: number; object: string; id: string; fields: Record<string, unknown> }
  | { k: 'delete'; now: number; object: string; id: string }
  | { k: 'perm'; now: number; body: PermissionsBody }
  | { k: 'schema'; now: number; body: SchemaBody }
  | { k: 'fieldChange'; now: number; body: FieldChangeBody }
  | { k: 'userPerm'; now: number; body: UserPermissionsBody }
  | { k: 'churnRate'; now: number; perMinute: number }
  | { k: 'churn'; now: number; count: number }
  /** A committed transaction: its ops, applied in order. */
  | { k: 'tx'; now: number; ops: Op[] };

/** The outermost transaction open on the org: the ops it will journal on commit. */
interface TxRoot {
  ops: Op[];
}

/** One (possibly nested) transaction scope: where to roll back to. */
interface TxFrame {
  root: TxRoot;
  opsMark: number;
  undoMark: number;
  rolledBack: boolean;
}

export interface OrgParts {
  orgId: string;
  org15: string;
  seedValue: string;
  integrationUser: IntegrationUser;
  clock: SimClock;
  book: RecordBook;
  pod: string;
  /** Directory for the HTTP side's files (created on first use when there is no state dir). */
  dataDir: () => string;
  /** Appends an op to the journal (no-op without a state dir). */
  journal: (op: Op) => void;
  readStateFile: (name: string) => string | null;
  writeStateFile: (name: string, contents: string) => void;
  onClose: () => Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  txt: 'text/plain',
  csv: 'text/csv',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip',
  json: 'application/json',
  html: 'text/html',
  mp4: 'video/mp4',
};

/** Required fields the platform fills on create (see `insertWithHooks`), so a client may leave them out. */
const FILLED_ON_CREATE: Record<string, ReadonlySet<string>> = {
  ContentVersion: new Set([
    'ContentDocumentId',
    'SharingOption',
    'SharingPrivacy',
    'PublishStatus',
    'Origin',
    'ContentLocation',
  ]),
};

const SCHEMA_TYPES = new Set([
  'string',
  'textarea',
  'int',
  'double',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
  'picklist',
  'multipicklist',
  'email',
  'phone',
  'url',
  'reference',
  'long',
  'time',
]);

export class OrgImpl implements SimOrg {
  readonly orgId: string;
  readonly org15: string;
  readonly integrationUser: IntegrationUser;
  readonly clock: SimClock;
  readonly seedValue: string;
  get dataDir(): string {
    return this.parts.dataDir();
  }
  readonly book: RecordBook;
  private readonly engine: QueryEngine;
  private readonly parts: OrgParts;
  private globalModifiedMs: number;
  private replaying = false;
  /** The transaction scope of the running code (follows async continuations). */
  private readonly txScope = new AsyncLocalStorage<TxFrame>();
  /** The open outermost transaction, if any. */
  private openTx: TxRoot | null = null;
  /** Outermost transactions run one at a time; this settles when the last one queued is done. */
  private txTail: Promise<void> = Promise.resolve();
  /** Churn state: rate, sequence number of the next change, sim time of the last tick. */
  churnPerMinute = 0;
  churnSeq = 0;
  churnLastMs = 0;
  private churnCarry = 0;
  private churnTimer: NodeJS.Timeout | null = null;
  /** Set by the churn module: makes `n` deterministic changes. */
  churnApply: ((org: OrgImpl, count: number, nowMs: number) => void) | null = null;
  /** The integration user's "View Setup and Configuration" permission (FieldDefinition needs it). */
  private viewSetup = true;
  /** A formula field's formula as first built (`Object.field` lower case), to restore when set back to it. */
  private readonly builtFormulas = new Map<string, { text: string; fn: FormulaFn | null }>();

  constructor(parts: OrgParts) {
    this.parts = parts;
    this.orgId = parts.orgId;
    this.org15 = parts.org15;
    this.integrationUser = parts.integrationUser;
    this.clock = parts.clock;
    this.seedValue = parts.seedValue;
    this.book = parts.book;
    this.engine = new QueryEngine(this.book, () => this.clock.nowMs(), parts.pod);
    this.globalModifiedMs = Math.max(...[...this.book.objects.values()].map((o) => o.lastModifiedMs));
  }

  // ------------------------------------------------------------------ helpers

  private readable(name: string): ObjectDef | undefined {
    const o = this.book.object(name);
    return o && o.readable ? o : undefined;
  }

  private compileContext(): CompileContext {
    return {
      findObject: (name) => this.readable(name),
      objectOfId: (id) => this.book.objectOfId(id),
      lookup: (id) => this.book.lookup(id),
      children: (child, field, parentId) => this.book.children(child, field, parentId),
      scanRows: (obj) =>
        this.book.scan(obj, { smLo: -Infinity, smHi: Infinity, idLo: '', idHi: '\uffff' }, false),
      nowMs: () => this.clock.nowMs(),
      userTimeZone: () => String(this.book.lookup(this.integrationUser.id)?.TimeZoneSidKey ?? 'GMT'),
      fiscalYear: () => fiscalYearOfOrganization(this.book.lookup(this.orgId)),
    };
  }

  private plan(soql: string, bulk = false) {
    const q = parseSoql(soql);
    return compileQuery(soql, q, this.compileContext(), { bulk });
  }

  private timing(now: number, extra: Partial<WriteTiming> = {}): WriteTiming {
    return { nowMs: now, userId: this.integrationUser.id, ...extra };
  }

  /** Journals and applies a state change (inside a transaction: holds it for the commit). */
  run<T>(op: Op): T {
    if (this.openTx) {
      const frame = this.txScope.getStore();
      if (!frame || frame.root !== this.openTx)
        throw new SimError(
          400,
          'UNABLE_TO_LOCK_ROW',
          'unable to obtain exclusive access to this record or 1 records',
        );
      if (!this.replaying) this.openTx.ops.push(op);
      return this.apply(op) as T;
    }
    // Journaled before applying: an op that fails half-way fails the same way on replay, so a
    // restarted org ends in the same (partially changed) state.
    if (!this.replaying) this.parts.journal(op);
    return this.apply(op) as T;
  }

  async transaction<T>(fn: (tx: Transaction) => T | Promise<T>): Promise<T> {
    const outer = this.txScope.getStore();
    if (outer && outer.root === this.openTx) {
      return this.runFrame(
        {
          root: outer.root,
          opsMark: outer.root.ops.length,
          undoMark: this.book.startUndo(),
          rolledBack: false,
        },
        fn,
      );
    }
    const previous = this.txTail;
    let release!: () => void;
    this.txTail = new Promise((resolve) => (release = resolve));
    await previous;
    const root: TxRoot = { ops: [] };
    this.openTx = root;
    try {
      const frame: TxFrame = { root, opsMark: 0, undoMark: this.book.startUndo(), rolledBack: false };
      const result = await this.runFrame(frame, fn);
      // One journal line for the lot: a torn last line drops the whole transaction on restart.
      if (!frame.rolledBack && root.ops.length > 0)
        this.parts.journal({ k: 'tx', now: root.ops[0]!.now, ops: root.ops });
      return result;
    } finally {
      this.book.endUndo();
      this.openTx = null;
      release();
    }
  }

  /** Runs `fn` in a transaction scope; undoes the scope's writes when it throws or rolls back. */
  private async runFrame<T>(frame: TxFrame, fn: (tx: Transaction) => T | Promise<T>): Promise<T> {
    const undo = (): void => {
      this.book.rollbackTo(frame.undoMark);
      frame.root.ops.length = frame.opsMark;
    };
    const handle: Transaction = {
      rollback: () => {
        frame.rolledBack = true;
      },
      get rolledBack() {
        return frame.rolledBack;
      },
    };
    let result: T;
    try {
      result = await this.txScope.run(frame, () => fn(handle));
    } catch (err) {
      frame.rolledBack = true;
      undo();
      throw err;
    }
    if (frame.rolledBack) undo();
    return result;
  }

  /** Replays journaled ops at start. */
  replay(ops: Iterable<Op>): void {
    this.replaying = true;
    try {
      for (const op of ops) {
        try {
          this.apply(op);
        } catch {
          // It failed the same way when first run; its partial effect is reproduced.
        }
      }
    } finally {
      this.replaying = false;
    }
  }

  private apply(op: Op): unknown {
    switch (op.k) {
      case 'mutate':
        return this.applyMutateAt(op.body, op.now);
      case 'create':
        return this.applyCreate(op.object, op.fields, op.now);
      case 'update':
        return this.applyUpdate(op.object, op.id, op.fields, op.now);
      case 'delete':
        return this.applyDelete(op.object, op.id, op.now);
      case 'perm':
        return this.applyPermissions(op.body, op.now);
      case 'schema':
        return this.applySchema(op.body, op.now);
      case 'fieldChange':
        return this.applyFieldChange(op.body, op.now);
      case 'userPerm':
        if (typeof op.body.viewSetup === 'boolean') this.viewSetup = op.body.viewSetup;
        return undefined;
      case 'churn':
        this.churnApply?.(this, op.count, op.now);
        return undefined;
      case 'tx':
        for (const inner of op.ops) {
          try {
            this.apply(inner);
          } catch {
            // As in replay: a failed op inside a committed transaction left its partial effect.
          }
        }
        return undefined;
      case 'churnRate':
        this.churnPerMinute = op.perMinute;
        this.churnLastMs = op.now;
        this.churnCarry = 0;
        return undefined;
    }
  }

  // ------------------------------------------------------------------ describe

  describeGlobal(apiVersion = DEFAULT_API_VERSION): { body: Record<string, unknown>; lastModified: Date } {
    const sobjects = [...this.book.objects.values()]
      .filter((o) => o.readable)
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((o) => globalEntry(o, apiVersion));
    return {
      body: { encoding: 'UTF-8', maxBatchSize: 200, sobjects },
      lastModified: new Date(this.globalModifiedMs),
    };
  }

  private describable(name: string): ObjectDef {
    const o = this.readable(name);
    if (!o) throw new SimError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return o;
  }

  describe(
    objectName: string,
    apiVersion = DEFAULT_API_VERSION,
  ): { body: Record<string, unknown>; lastModified: Date } {
    const o = this.describable(objectName);
    return { body: describeBody(o, apiVersion, null), lastModified: new Date(o.lastModifiedMs) };
  }

  describeBasic(objectName: string, apiVersion = DEFAULT_API_VERSION): Record<string, unknown> {
    const o = this.describable(objectName);
    return { objectDescribe: globalEntry(o, apiVersion), recentItems: [] };
  }

  // ------------------------------------------------------------------ queries

  query(soql: string, opts: QueryOptions = {}): QueryPage {
    // Setup entities are answered from the schema model, not the record stores (the cheap test first: the
    // record queries on the hot path are not parsed twice).
    if (/\bfrom\s+fielddefinition\b/i.test(soql)) {
      const parsed = parseSoql(soql);
      if (isFieldDefinitionQuery(parsed))
        return queryFieldDefinitions(soql, parsed, {
          objects: () => this.book.objects.values(),
          viewSetup: this.viewSetup,
        });
    }
    const plan = this.plan(soql);
    this.book.settle();
    return this.engine.firstPage(plan, {
      scanAll: opts.scanAll === true,
      apiVersion: opts.apiVersion ?? DEFAULT_API_VERSION,
      ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
    });
  }

  queryMore(locator: string, opts: { batchSize?: number; apiVersion?: string } = {}): QueryPage {
    this.book.settle();
    return this.engine.nextPage(locator, opts);
  }

  bulkQuery(soql: string, opts: { scanAll?: boolean } = {}): BulkQuery {
    const plan = this.plan(soql, true);
    if (plan.hasSubquery || plan.hasTypeof)
      throw new SimError(
        400,
        'API_ERROR',
        'Nested queries and TYPEOF are not supported in Bulk API 2.0 queries.',
      );
    return this.engine.bulk(plan, opts.scanAll === true);
  }

  // ------------------------------------------------------------------ replication

  private replicationWindow(
    objectName: string,
    start: string,
    end: string,
  ): { obj: ObjectDef; s: number; e: number } {
    const obj = this.describable(objectName);
    if (obj.global.replicateable === false)
      throw new SimError(400, 'INVALID_TYPE', `sObject type '${obj.name}' is not replicable`);
    const sRaw = parseDateTime(start);
    const eRaw = parseDateTime(end);
    if (sRaw === null)
      throw new SimError(
        400,
        'INVALID_REPLICATION_DATE',
        `start must be an ISO-8601 datetime, got '${start}'`,
      );
    if (eRaw === null)
      throw new SimError(400, 'INVALID_REPLICATION_DATE', `end must be an ISO-8601 datetime, got '${end}'`);
    const s = truncateToMinute(sRaw);
    const e = truncateToMinute(eRaw);
    const now = this.clock.nowMs();
    if (e - s < 60_000)
      throw new SimError(
        400,
        'INVALID_REPLICATION_DATE',
        'startDate must be at least one minute greater than endDate',
      );
    if (s < now - 30 * DAY_MS)
      throw new SimError(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    return { obj, s, e };
  }

  /** End of what getUpdated/getDeleted can vouch for: now, or before the oldest in-flight commit. */
  private latestCovered(obj: ObjectDef, e: number): number {
    let covered = Math.min(e, truncateToMinute(this.clock.nowMs()));
    for (const version of this.book.pendingVersions(obj)) {
      const sm = version.row.SystemModstamp;
      if (typeof sm === 'number') covered = Math.min(covered, truncateToMinute(sm));
    }
    return covered;
  }

  getUpdated(objectName: string, start: string, end: string): GetUpdatedResult {
    const { obj, s, e } = this.replicationWindow(objectName, start, end);
    this.book.settle();
    const covered = this.latestCovered(obj, e);
    const ids: string[] = [];
    if (obj.hasModstamp) {
      for (const row of this.book.scan(
        obj,
        { smLo: s, smHi: covered - 1, idLo: '', idHi: '\uffff' },
        false,
      )) {
        const sm = row.SystemModstamp as number;
        if (sm >= s && sm < covered) {
          ids.push(row.Id as string);
          if (ids.length > MAX_UPDATED_IDS)
            throw new SimError(
              400,
              'EXCEEDED_ID_LIMIT',
              'record limit reached. cannot submit more than 600,000 records into this call',
            );
        }
      }
    }
    return { ids, latestDateCovered: restDateTime(covered) };
  }

  getDeleted(objectName: string, start: string, end: string): GetDeletedResult {
    const { obj, s, e } = this.replicationWindow(objectName, start, end);
    this.book.settle();
    const covered = this.latestCovered(obj, e);
    const earliest = truncateToMinute(this.clock.nowMs() - RECYCLE_BIN_MS);
    const store = this.book.storeOf(obj);
    const deletedRecords: { id: string; deletedDate: string }[] = [];
    for (const [id, when] of store.deleted) {
      if (when >= s && when < covered && when >= earliest) {
        const entry = store.get(id);
        // A delete still in flight (commit delay) is not reported yet.
        if (entry && entry.visible && entry.visible.IsDeleted !== true && !entry.purged) continue;
        deletedRecords.push({ id, deletedDate: restDateTime(when) });
      }
    }
    deletedRecords.sort((a, b) =>
      a.deletedDate < b.deletedDate ? -1 : a.deletedDate > b.deletedDate ? 1 : a.id < b.id ? -1 : 1,
    );
    return {
      deletedRecords,
      earliestDateAvailable: restDateTime(earliest),
      latestDateCovered: restDateTime(covered),
    };
  }

  // ------------------------------------------------------------------ single records and blobs

  retrieve(objectName: string, id: string, fields?: string[], apiVersion = DEFAULT_API_VERSION): JsonRecord {
    const obj = this.describable(objectName);
    const norm = normaliseId(id);
    if (!norm)
      throw new SimError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${id}`,
      );
    this.book.settle();
    const found = this.book.find(norm);
    if (!found || found.obj !== obj || found.row.IsDeleted === true)
      throw new SimError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const names =
      fields && fields.length > 0
        ? fields
        : obj.fields.filter((f) => isReadableField(obj, f)).map((f) => f.name);
    const plan = compileQuery(
      `SELECT ${names.join(', ')} FROM ${obj.name}`,
      parseSoql(`SELECT ${names.join(', ')} FROM ${obj.name}`),
      this.compileContext(),
    );
    return plan.toJson(found.row, apiVersion) as JsonRecord;
  }

  blob(objectName: string, id: string, field: string): Blob {
    const obj = this.describable(objectName);
    const f = obj.byLower.get(field.toLowerCase());
    if (!f || f.type !== 'base64' || !isReadableField(obj, f))
      throw new SimError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const norm = normaliseId(id);
    const found = norm ? this.book.find(norm) : null;
    if (!found || found.obj !== obj || found.row.IsDeleted === true)
      throw new SimError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const ref = found.row[f.name] as BlobRef | null;
    if (!ref) throw new SimError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const row = found.row;
    const ext = String(row.FileExtension ?? '').toLowerCase();
    const contentType = (row.ContentType as string | null) ?? CONTENT_TYPES[ext] ?? 'application/octetstream';
    const fileName =
      (row.PathOnClient as string | null) ??
      (row.Name as string | null) ??
      (row.Title as string | null) ??
      null;
    return {
      size: ref.bytes,
      contentType,
      fileName,
      stream:
        ref.data !== undefined
          ? async function* () {
              yield Buffer.from(ref.data!, 'base64');
            }
          : () => blobStream(ref.seed, ref.bytes),
    };
  }

  // ------------------------------------------------------------------ REST writes

  private writableObject(objectName: string): ObjectDef {
    const obj = this.readable(objectName);
    if (!obj) throw new SimError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return obj;
  }

  /** Validates REST write fields and converts them to stored values. */
  private writeFields(obj: ObjectDef, fields: Record<string, unknown>, mode: 'create' | 'update'): Row {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
      throw new SimError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object of field values');
    const out: Row = {};
    for (const [key, value] of Object.entries(fields)) {
      if (key === 'attributes') continue;
      const f = obj.byLower.get(key.toLowerCase());
      if (!f || !isReadableField(obj, f))
        throw new SimError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${obj.name}`);
      if ((mode === 'create' && !f.createable) || (mode === 'update' && !f.updateable)) {
        throw new SimError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [f.name],
        );
      }
      const v = toStored(f, value);
      if (f.picklist && f.restrictedPicklist && v !== null && !f.picklist.includes(String(v))) {
        throw new SimError(
          400,
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${String(f.describe.label ?? f.name)}: bad value for restricted picklist field: ${String(v)}`,
          [f.name],
        );
      }
      out[f.name] = v;
    }
    const missing: string[] = [];
    const filled = FILLED_ON_CREATE[obj.name];
    for (const f of obj.fields) {
      if (!f.stored || !f.createable || f.nillable || f.defaultedOnCreate || f.type === 'boolean') continue;
      if (mode === 'create' && filled?.has(f.name)) continue;
      if (
        mode === 'create'
          ? out[f.name] === undefined || out[f.name] === null
          : f.name in out && out[f.name] === null
      )
        missing.push(f.name);
    }
    if (missing.length > 0)
      throw new SimError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    return out;
  }

  create(objectName: string, fields: Record<string, unknown>): SaveResult {
    const obj = this.writableObject(objectName);
    if (obj.global.createable === false)
      throw new SimError(
        400,
        'INVALID_TYPE_FOR_OPERATION',
        `entity type ${obj.name} does not support create`,
      );
    this.writeFields(obj, fields, 'create');
    const id = this.run<string>({ k: 'create', now: this.clock.nowMs(), object: obj.name, fields });
    return { id, success: true, errors: [] };
  }

  private applyCreate(objectName: string, fields: Record<string, unknown>, now: number): string {
    const obj = this.writableObject(objectName);
    return this.insertWithHooks(obj, this.writeFields(obj, fields, 'create'), this.timing(now));
  }

  private checkIdFor(obj: ObjectDef, id: string): string {
    const norm = normaliseId(id);
    if (!norm || !norm.startsWith(obj.idPrefix))
      throw new SimError(400, 'MALFORMED_ID', `Record ID: id value of incorrect type: ${id}`, ['Id']);
    return norm;
  }

  update(objectName: string, id: string, fields: Record<string, unknown>): void {
    const obj = this.writableObject(objectName);
    const norm = this.checkIdFor(obj, id);
    this.writeFields(obj, fields, 'update');
    this.book.latest(obj, norm);
    this.run({ k: 'update', now: this.clock.nowMs(), object: obj.name, id: norm, fields });
  }

  private applyUpdate(objectName: string, id: string, fields: Record<string, unknown>, now: number): void {
    const obj = this.writableObject(objectName);
    this.book.modify(obj, id, this.writeFields(obj, fields, 'update'), this.timing(now));
  }

  delete(objectName: string, id: string): void {
    const obj = this.writableObject(objectName);
    const norm = this.checkIdFor(obj, id);
    const cur = this.book.latest(obj, norm);
    if (cur.row.IsDeleted === true) throw new SimError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    this.run({ k: 'delete', now: this.clock.nowMs(), object: obj.name, id: norm });
  }

  private applyDelete(objectName: string, id: string, now: number): void {
    const obj = this.writableObject(objectName);
    this.book.softDelete(obj, id, this.timing(now));
  }

  /** Insert plus the platform's side effects (ContentVersion → ContentDocument + link). */
  insertWithHooks(obj: ObjectDef, fields: Row, t: WriteTiming): string {
    if (obj.name !== 'ContentVersion') return this.book.insert(obj, fields, t);
    const book = this.book;
    const docObj = book.object('ContentDocument')!;
    const linkObj = book.object('ContentDocumentLink')!;
    const pathOnClient =
      (fields.PathOnClient as string | null | undefined) ??
      (fields.Title as string | null | undefined) ??
      'file';
    const ext = pathOnClient.includes('.')
      ? pathOnClient.slice(pathOnClient.lastIndexOf('.') + 1).toLowerCase()
      : '';
    const body = fields.VersionData as BlobRef | null | undefined;
    const title = (fields.Title as string | null | undefined) ?? pathOnClient.replace(/\.[^.]*$/, '');
    const common = {
      FileExtension: ext || null,
      FileType: ext ? ext.toUpperCase() : 'UNKNOWN',
      ContentSize: body?.bytes ?? 0,
    };
    let docId = fields.ContentDocumentId as string | null | undefined;
    let versionNumber = 1;
    if (!docId) {
      docId = book.insert(
        docObj,
        {
          Title: title,
          PublishStatus: 'P',
          SharingOption: 'A',
          SharingPrivacy: 'N',
          ...common,
          ContentModifiedDate: truncateToSecond(t.nowMs),
          ...(fields.OwnerId ? { OwnerId: fields.OwnerId } : {}),
        },
        t,
      );
    } else {
      const doc = book.latest(docObj, docId);
      docId = doc.id;
      for (const row of book.scan(
        obj,
        { smLo: -Infinity, smHi: Infinity, idLo: '', idHi: '\uffff' },
        false,
      )) {
        if (row.ContentDocumentId === docId) {
          versionNumber++;
          if (row.IsLatest === true) book.modify(obj, row.Id as string, { IsLatest: false }, t);
        }
      }
    }
    const cvId = book.insert(
      obj,
      {
        Title: title,
        PathOnClient: pathOnClient,
        IsLatest: true,
        VersionNumber: String(versionNumber),
        ContentLocation: 'S',
        Origin: 'C',
        PublishStatus: 'P',
        SharingOption: 'A',
        SharingPrivacy: 'N',
        ...common,
        ...fields,
        ContentDocumentId: docId,
        ContentModifiedDate: truncateToSecond(t.nowMs),
      },
      t,
    );
    book.modify(docObj, docId, { LatestPublishedVersionId: cvId, ...common, Title: title }, t);
    if (versionNumber === 1) {
      const linked =
        (fields.FirstPublishLocationId as string | null | undefined) ??
        (fields.OwnerId as string | null | undefined) ??
        t.userId;
      book.insert(
        linkObj,
        { ContentDocumentId: docId, LinkedEntityId: linked, ShareType: 'I', Visibility: 'AllUsers' },
        t,
      );
    }
    return cvId;
  }

  // ------------------------------------------------------------------ admin

  mutate(body: MutateBody): MutateResult {
    if (!body || typeof body !== 'object')
      throw new SimError(400, 'INVALID_INPUT', 'mutate body must be a JSON object');
    if (typeof body.object !== 'string' || !this.book.object(body.object))
      throw new SimError(400, 'INVALID_INPUT', `mutate: unknown object '${String(body.object)}'`);
    if (!Array.isArray(body.ops)) throw new SimError(400, 'INVALID_INPUT', 'mutate: ops must be an array');
    if (
      body.commitDelayMs !== undefined &&
      (typeof body.commitDelayMs !== 'number' || body.commitDelayMs < 0)
    )
      throw new SimError(400, 'INVALID_INPUT', 'mutate: commitDelayMs must be a non-negative number');
    // Values are checked before the change is journaled, so a refused one (STRING_TOO_LONG, a bad
    // date, …) changes nothing; the admin path refuses what the REST API refuses.
    const obj = this.book.object(body.object)!;
    for (const op of body.ops) {
      if (op?.op === 'create') for (const rec of op.records ?? []) this.adminFields(obj, rec, 'create');
      else if (op?.op === 'update') this.adminFields(obj, op.set, 'update');
    }
    return this.run<MutateResult>({ k: 'mutate', now: this.clock.nowMs(), body });
  }

  /** Admin field values: any stored field (system ones too), JSON values converted. */
  private adminFields(obj: ObjectDef, values: Record<string, unknown> | undefined, what: string): Row {
    const out: Row = {};
    for (const [key, value] of Object.entries(values ?? {})) {
      if (key === 'body') continue;
      const f = obj.byLower.get(key.toLowerCase());
      if (!f || !f.stored || f.type === 'id')
        throw new SimError(400, 'INVALID_INPUT', `${what}: '${key}' is not a stored field of ${obj.name}`);
      out[f.name] = toStored(f, value);
    }
    return out;
  }

  /** Applies a mutation at simulated time `now` (no journaling; churn and replay use it). */
  applyMutateAt(body: MutateBody, now: number): MutateResult {
    const obj = this.book.object(body.object)!;
    const sm = truncateToSecond(now);
    const t = this.timing(now, {
      ...(body.sameSecond ? { systemModstamp: sm } : {}),
      ...(body.commitDelayMs ? { commitDelayMs: body.commitDelayMs } : {}),
    });
    const created: string[] = [];
    let touched = 0;
    const bodyField = obj.fields.find((f) => f.type === 'base64');
    for (const op of body.ops) {
      switch (op.op) {
        case 'create':
          for (const rec of op.records ?? []) {
            const fields = this.adminFields(obj, rec, 'create');
            const b = (rec as { body?: unknown }).body;
            if (b !== undefined) {
              if (!bodyField)
                throw new SimError(400, 'INVALID_INPUT', `create: ${obj.name} has no file body field`);
              fields[bodyField.name] = toStored(bodyField, b);
            }
            created.push(this.insertWithHooks(obj, fields, t));
            touched++;
          }
          break;
        case 'update': {
          const set = this.adminFields(obj, op.set, 'update');
          for (const id of op.ids ?? []) {
            this.book.modify(obj, id, set, t);
            touched++;
          }
          break;
        }
        case 'delete':
          for (const id of op.ids ?? []) {
            if (op.hard) this.book.hardDelete(obj, id, t);
            else this.book.softDelete(obj, id, t);
            touched++;
          }
          break;
        case 'undelete':
          for (const id of op.ids ?? []) {
            this.book.undelete(obj, id, t);
            touched++;
          }
          break;
        default:
          throw new SimError(
            400,
            'INVALID_INPUT',
            `mutate: unknown op '${String((op as { op?: unknown }).op)}'`,
          );
      }
    }
    return { created, touched, systemModstamp: restDateTime(sm) };
  }

  setPermissions(body: PermissionsBody): void {
    if (!body || typeof body.object !== 'string')
      throw new SimError(400, 'INVALID_INPUT', 'permissions: object is required');
    const obj = this.book.object(body.object);
    if (!obj) throw new SimError(400, 'INVALID_INPUT', `permissions: unknown object '${body.object}'`);
    for (const name of Object.keys(body.fields ?? {})) {
      const f = obj.byLower.get(name.toLowerCase());
      if (!f) throw new SimError(400, 'INVALID_INPUT', `permissions: unknown field '${name}' on ${obj.name}`);
      if (f.type === 'id')
        throw new SimError(400, 'INVALID_INPUT', 'permissions: the Id field is always readable');
    }
    this.run({ k: 'perm', now: this.clock.nowMs(), body });
  }

  private applyPermissions(body: PermissionsBody, now: number): void {
    const obj = this.book.object(body.object)!;
    if (typeof body.readable === 'boolean') obj.readable = body.readable;
    for (const [name, readable] of Object.entries(body.fields ?? {})) {
      const f = obj.byLower.get(name.toLowerCase())!;
      if (readable) obj.hiddenFields.delete(f.lower);
      else obj.hiddenFields.add(f.lower);
      // A compound field follows its components.
      if (f.compound) {
        for (const [, part] of f.compound.parts) {
          if (!part) continue;
          if (readable) obj.hiddenFields.delete(part.toLowerCase());
          else obj.hiddenFields.add(part.toLowerCase());
        }
      }
    }
    obj.lastModifiedMs = Math.max(now, obj.lastModifiedMs + 1000);
    this.globalModifiedMs = Math.max(now, this.globalModifiedMs + 1000);
  }

  addSchema(body: SchemaBody): void {
    if (!body || typeof body.object !== 'string' || !Array.isArray(body.fields))
      throw new SimError(400, 'INVALID_INPUT', 'schema: object and fields are required');
    const existing = this.book.object(body.object);
    if (!existing && !/^[A-Za-z][A-Za-z0-9_]*__c$/.test(body.object))
      throw new SimError(
        400,
        'INVALID_INPUT',
        `schema: a new object must be a custom object name ending in __c, got '${body.object}'`,
      );
    for (const f of body.fields) {
      if (!f || typeof f.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*__c$/.test(f.name))
        throw new SimError(
          400,
          'INVALID_INPUT',
          `schema: custom field names end in __c, got '${String(f?.name)}'`,
        );
      if (!SCHEMA_TYPES.has(f.type))
        throw new SimError(
          400,
          'INVALID_INPUT',
          `schema: unsupported field type '${String(f.type)}' (use one of ${[...SCHEMA_TYPES].join(', ')})`,
        );
      if (existing?.byLower.has(f.name.toLowerCase()))
        throw new SimError(
          400,
          'INVALID_INPUT',
          `schema: field ${f.name} already exists on ${existing.name}`,
        );
      if (f.type === 'reference' && (!f.referenceTo || !this.book.object(f.referenceTo)))
        throw new SimError(
          400,
          'INVALID_INPUT',
          `schema: reference field ${f.name} needs referenceTo naming a known object`,
        );
    }
    this.run({ k: 'schema', now: this.clock.nowMs(), body });
  }

  private schemaFieldEntry(f: SchemaBody['fields'][number]): Record<string, unknown> {
    const entry: Record<string, unknown> = {
      name: f.name,
      type: f.type,
      label: f.label ?? f.name.replace(/__c$/, '').replace(/_/g, ' '),
      custom: true,
      nillable: true,
    };
    if (f.length !== undefined) entry.length = f.length;
    if (f.type === 'reference') {
      entry.referenceTo = [f.referenceTo];
      entry.relationshipName = f.name.replace(/__c$/, '__r');
    }
    if (f.picklistValues) {
      entry.picklistValues = f.picklistValues.map((v) => ({
        active: true,
        defaultValue: false,
        label: v,
        validFor: null,
        value: v,
      }));
      // New custom picklists are restricted to their value set, the Setup default.
      entry.restrictedPicklist = true;
    }
    if (f.type === 'double' || f.type === 'currency' || f.type === 'percent')
      Object.assign(entry, { precision: 18, scale: f.type === 'double' ? 4 : 2 });
    return entry;
  }

  private applySchema(body: SchemaBody, now: number): void {
    let obj = this.book.object(body.object);
    if (!obj) {
      const used = new Set([...this.book.objects.values()].map((o) => o.idPrefix));
      let k = [...this.book.objects.values()].filter((o) => o.custom).length;
      while (used.has(customKeyPrefix(k))) k++;
      const prefix = customKeyPrefix(k);
      const label = body.label ?? body.object.replace(/__c$/, '').replace(/_/g, ' ');
      const base: Record<string, unknown>[] = [
        { name: 'Id', type: 'id', label: 'Record ID' },
        {
          name: 'OwnerId',
          type: 'reference',
          label: 'Owner ID',
          referenceTo: ['Group', 'User'],
          relationshipName: 'Owner',
          nillable: false,
        },
        { name: 'IsDeleted', type: 'boolean', label: 'Deleted' },
        { name: 'Name', type: 'string', label: `${label} Name`, length: 80, nillable: true, nameField: true },
        { name: 'CreatedDate', type: 'datetime', label: 'Created Date' },
        {
          name: 'CreatedById',
          type: 'reference',
          label: 'Created By ID',
          referenceTo: ['User'],
          relationshipName: 'CreatedBy',
        },
        { name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date' },
        {
          name: 'LastModifiedById',
          type: 'reference',
          label: 'Last Modified By ID',
          referenceTo: ['User'],
          relationshipName: 'LastModifiedBy',
        },
        { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' },
      ];
      obj = makeObjectDef({
        name: body.object,
        fields: [...base, ...body.fields.map((f) => this.schemaFieldEntry(f))],
        keyPrefix: prefix,
        idPrefix: prefix,
        custom: true,
        nowMs: now,
        global: { label, labelPlural: `${label}s` },
      });
      this.book.objects.set(obj.lower, obj);
    } else {
      for (const f of body.fields) {
        const entry = completeFieldEntry(this.schemaFieldEntry(f));
        const def = makeObjectDef({
          name: '_',
          fields: [entry],
          keyPrefix: null,
          idPrefix: 'x',
          custom: true,
          nowMs: now,
        }).fields[0]!;
        obj.fields.push(def);
      }
      reindexObject(obj);
    }
    obj.lastModifiedMs = Math.max(now, obj.lastModifiedMs + 1000);
    this.globalModifiedMs = Math.max(now, this.globalModifiedMs + 1000);
  }

  changeField(body: FieldChangeBody): void {
    if (!body || typeof body.object !== 'string' || typeof body.field !== 'string')
      throw new SimError(400, 'INVALID_INPUT', 'schema change: object and field are required');
    const obj = this.book.object(body.object);
    if (!obj) throw new SimError(400, 'INVALID_INPUT', `schema change: unknown object '${body.object}'`);
    const f = obj.byLower.get(body.field.toLowerCase());
    if (!f)
      throw new SimError(400, 'INVALID_INPUT', `schema change: unknown field '${body.field}' on ${obj.name}`);
    const changes = ['remove', 'label', 'length', 'picklistValues', 'formula'].filter(
      (k) => (body as unknown as Record<string, unknown>)[k] !== undefined,
    );
    if (changes.length === 0)
      throw new SimError(
        400,
        'INVALID_INPUT',
        'schema change: say what changes (remove, label, length, picklistValues or formula)',
      );
    if (body.remove !== undefined) {
      if (body.remove !== true || changes.length > 1)
        throw new SimError(400, 'INVALID_INPUT', 'schema change: remove is true and comes alone');
      // Setup deletes custom fields only; standard fields can be hidden, never deleted.
      if (!f.custom || !/__c$/i.test(f.name))
        throw new SimError(
          400,
          'INVALID_INPUT',
          `schema change: ${obj.name}.${f.name} is a standard field and cannot be deleted`,
        );
      if (obj === this.book.bench?.obj)
        throw new SimError(
          400,
          'INVALID_INPUT',
          `schema change: fields of ${obj.name} are generated and cannot be deleted`,
        );
    }
    if (
      body.label !== undefined &&
      (typeof body.label !== 'string' || body.label.trim() === '' || body.label.length > 40)
    )
      throw new SimError(400, 'INVALID_INPUT', 'schema change: label is 1 to 40 characters');
    if (body.length !== undefined) {
      if (f.type !== 'string' && f.type !== 'textarea')
        throw new SimError(
          400,
          'INVALID_INPUT',
          `schema change: only text fields have a length, ${f.name} is ${f.type}`,
        );
      const max = f.type === 'string' ? 255 : 131072;
      if (!Number.isInteger(body.length) || body.length < 1 || body.length > max)
        throw new SimError(400, 'INVALID_INPUT', `schema change: length of a ${f.type} field is 1 to ${max}`);
    }
    if (body.picklistValues !== undefined) {
      if (f.type !== 'picklist' && f.type !== 'multipicklist')
        throw new SimError(400, 'INVALID_INPUT', `schema change: ${f.name} is not a picklist`);
      if (
        !Array.isArray(body.picklistValues) ||
        body.picklistValues.length === 0 ||
        body.picklistValues.some((v) => typeof v !== 'string' || v === '') ||
        new Set(body.picklistValues).size !== body.picklistValues.length
      )
        throw new SimError(
          400,
          'INVALID_INPUT',
          'schema change: picklistValues is a list of distinct, non-empty values',
        );
    }
    if (body.formula !== undefined) {
      if (f.describe.calculated !== true)
        throw new SimError(400, 'INVALID_INPUT', `schema change: ${f.name} is not a formula field`);
      if (typeof body.formula !== 'string')
        throw new SimError(400, 'INVALID_INPUT', 'schema change: formula is a string');
      this.formulaFunction(obj, f, body.formula);
    }
    this.run({ k: 'fieldChange', now: this.clock.nowMs(), body });
  }

  /**
   * What a formula computes. The simulator evaluates a formula that is a field of the record or of a parent
   * (`Name`, `Account.Name`), and the formula a field was built with; other formulas are refused rather than
   * shown with values the org would not give. A result of another type than the field's is refused as Setup
   * refuses it.
   */
  private formulaFunction(obj: ObjectDef, f: FieldDef, text: string): FormulaFn | null {
    const built = this.builtFormulas.get(`${obj.lower}.${f.lower}`) ?? {
      text: String(f.describe.calculatedFormula ?? ''),
      fn: f.formula,
    };
    if (text === built.text) return built.fn;
    const path = /^\s*([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9_]*))?\s*$/.exec(text);
    if (!path)
      throw new SimError(
        400,
        'INVALID_INPUT',
        `schema change: the simulator evaluates formulas that are a field of the record or of a parent (Name, Account.Name), not '${text}'`,
      );
    let target: FieldDef | undefined;
    let rel: FieldDef | undefined;
    if (path[2] === undefined) target = obj.byLower.get(path[1]!.toLowerCase());
    else {
      rel = obj.byRelationship.get(path[1]!.toLowerCase());
      const parent = rel && rel.referenceTo.length === 1 ? this.book.object(rel.referenceTo[0]!) : undefined;
      if (!parent)
        throw new SimError(
          400,
          'INVALID_INPUT',
          `schema change: Field ${path[1]} does not exist. Check spelling.`,
        );
      target = parent.byLower.get(path[2].toLowerCase());
    }
    if (!target || target === f)
      throw new SimError(
        400,
        'INVALID_INPUT',
        `schema change: Field ${text.trim()} does not exist. Check spelling.`,
      );
    const family = (t: string): string =>
      ['string', 'textarea', 'email', 'phone', 'url', 'id', 'reference'].includes(t)
        ? 'Text'
        : ['double', 'int', 'currency', 'percent', 'long'].includes(t)
          ? 'Number'
          : t === 'datetime'
            ? 'DateTime'
            : t === 'date'
              ? 'Date'
              : t === 'boolean'
                ? 'Checkbox'
                : t;
    if (family(target.type) !== family(f.type))
      throw new SimError(
        400,
        'INVALID_INPUT',
        `schema change: Formula result is data type (${family(target.type)}), incompatible with expected data type (${family(f.type)}).`,
      );
    const name = target.name;
    if (!rel) return (row) => row[name] ?? null;
    const via = rel.name;
    return (row, ctx) => {
      const parent = typeof row[via] === 'string' ? ctx.lookup(row[via]) : null;
      return parent && parent.IsDeleted !== true ? (parent[name] ?? null) : null;
    };
  }

  private applyFieldChange(body: FieldChangeBody, now: number): void {
    const obj = this.book.object(body.object)!;
    const f = obj.byLower.get(body.field.toLowerCase())!;
    if (body.remove) {
      // A compound field goes with its components; stored values stay in the rows, unreachable.
      const gone = new Set([f.lower]);
      for (const other of obj.fields)
        if (String(other.describe.compoundFieldName ?? '').toLowerCase() === f.lower) gone.add(other.lower);
      obj.fields = obj.fields.filter((x) => !gone.has(x.lower));
      for (const name of gone) obj.hiddenFields.delete(name);
      reindexObject(obj);
    }
    if (body.label !== undefined) f.describe.label = body.label;
    if (body.length !== undefined) {
      f.describe.length = body.length;
      f.describe.byteLength = body.length * 3;
    }
    if (body.picklistValues !== undefined) {
      const before = new Map(
        ((f.describe.picklistValues as Record<string, unknown>[] | undefined) ?? []).map((p) => [
          String(p.value),
          p,
        ]),
      );
      f.describe.picklistValues = body.picklistValues.map(
        (v) => before.get(v) ?? { active: true, defaultValue: false, label: v, validFor: null, value: v },
      );
      f.picklist = [...body.picklistValues];
    }
    if (body.formula !== undefined) {
      const key = `${obj.lower}.${f.lower}`;
      if (!this.builtFormulas.has(key))
        this.builtFormulas.set(key, { text: String(f.describe.calculatedFormula ?? ''), fn: f.formula });
      f.formula = this.formulaFunction(obj, f, body.formula);
      f.describe.calculatedFormula = body.formula;
    }
    obj.lastModifiedMs = Math.max(now, obj.lastModifiedMs + 1000);
    this.globalModifiedMs = Math.max(now, this.globalModifiedMs + 1000);
  }

  setUserPermissions(body: UserPermissionsBody): void {
    if (
      !body ||
      typeof body !== 'object' ||
      (body.viewSetup !== undefined && typeof body.viewSetup !== 'boolean')
    )
      throw new SimError(400, 'INVALID_INPUT', 'user permissions: {"viewSetup": true|false}');
    this.run({ k: 'userPerm', now: this.clock.nowMs(), body });
  }

  *truth(objectName: string): Iterable<TruthVersion> {
    const obj = this.book.object(objectName);
    if (!obj) throw new SimError(400, 'INVALID_INPUT', `truth: unknown object '${objectName}'`);
    const stored = obj.fields.filter((f) => f.stored);
    const render = (row: Readonly<Row>, visibleAt: number, purged: boolean): TruthVersion => {
      const fields: Record<string, unknown> = {};
      for (const f of stored) fields[f.name] = toJsonValue(f, row[f.name]);
      const sm =
        (row.SystemModstamp as number | undefined) ??
        (row.LastModifiedDate as number | undefined) ??
        (row.CreatedDate as number | undefined) ??
        visibleAt;
      return {
        Id: row.Id as string,
        SystemModstamp: restDateTime(sm),
        IsDeleted: row.IsDeleted === true,
        purged,
        visibleAt: restDateTime(visibleAt),
        fields,
      };
    };
    const bench = this.book.bench;
    if (bench && obj === bench.obj) {
      for (let i = 0; i < bench.count; i++) {
        const row = bench.baseRow(i);
        yield render(row, row.SystemModstamp as number, false);
      }
    }
    const store = this.book.storeOf(obj);
    for (const { version } of store.versions) yield render(version.row, version.visibleAt, version.purged);
  }

  setChurn(perMinute: number): void {
    if (typeof perMinute !== 'number' || !Number.isFinite(perMinute) || perMinute < 0)
      throw new SimError(
        400,
        'INVALID_INPUT',
        `churn perMinute must be a non-negative number, got ${String(perMinute)}`,
      );
    this.tickChurn();
    this.run({ k: 'churnRate', now: this.clock.nowMs(), perMinute });
    this.armChurnTimer();
  }

  armChurnTimer(): void {
    if (this.churnPerMinute > 0 && !this.churnTimer) {
      this.churnTimer = setInterval(() => {
        try {
          this.tickChurn();
        } catch {
          // A failed churn change (e.g. a record deleted meanwhile) is skipped; the next tick continues.
        }
      }, 1000);
      this.churnTimer.unref();
    } else if (this.churnPerMinute === 0 && this.churnTimer) {
      clearInterval(this.churnTimer);
      this.churnTimer = null;
    }
  }

  tickChurn(): number {
    // Churn waits for an open transaction; the changes due meanwhile come on the next tick.
    if (this.openTx) return 0;
    const now = this.clock.nowMs();
    if (this.churnPerMinute <= 0 || !this.churnApply) {
      this.churnLastMs = now;
      return 0;
    }
    const elapsed = Math.max(0, now - this.churnLastMs);
    const exact = (elapsed * this.churnPerMinute) / 60_000 + this.churnCarry;
    const due = Math.floor(exact);
    this.churnCarry = exact - due;
    this.churnLastMs = now;
    if (due > 0) this.run({ k: 'churn', now, count: Math.min(due, 10_000) });
    return due;
  }

  recordCount(objectName: string): number | null {
    const obj = this.readable(objectName);
    if (!obj) return null;
    this.book.settle();
    const bench = this.book.bench;
    if (bench && obj === bench.obj) return bench.liveCount(this.clock.nowMs());
    let n = 0;
    for (const _ of this.book.scan(obj, { smLo: -Infinity, smHi: Infinity, idLo: '', idHi: '\uffff' }, false))
      n++;
    return n;
  }

  readStateFile(name: string): string | null {
    return this.parts.readStateFile(name);
  }

  writeStateFile(name: string, contents: string): void {
    this.parts.writeStateFile(name, contents);
  }

  async close(): Promise<void> {
    if (this.churnTimer) clearInterval(this.churnTimer);
    this.churnTimer = null;
    await this.parts.onClose();
  }
}

export { BENCH_OBJECT };
export type { FieldDef };
