/**
 * All records of the org: the object stores, the Bench__c generator, an Id index across objects,
 * and the write primitives every path uses (seed, REST writes, admin mutations, churn): insert,
 * modify, soft delete, hard delete, undelete. Each write commits a new version with a one-second
 * SystemModstamp and, with a commit delay, stays invisible until SystemModstamp + delay.
 *
 * Inside a transaction (`startUndo`), every write also logs how to revert itself, so the org can
 * roll an all-or-none request back to a mark without a trace: versions (truth), visible rows,
 * the delete log, the Id index and Id numbering all return to what they were.
 */
import { SimError } from './api.js';
import type { BlobRef, ObjectDef, Row } from './schema/model.js';
import { blankRow } from './schema/catalog.js';
import { ObjectStore, type Entry, type Version } from './store.js';
import type { BenchSource } from './bench.js';
import { makeId, normaliseId } from './ids.js';
import { truncateToSecond, DAY_MS } from './datetime.js';
import { blobMd5 } from '../seed/blob-bytes.js';
import type { Bounds } from '../soql/compile.js';

/** Recycle bin retention: soft-deleted rows are purged (and leave the delete log) after this. */
export const RECYCLE_BIN_MS = 15 * DAY_MS;

export interface WriteTiming {
  /** Commit time (sim ms); SystemModstamp is this truncated to the second. */
  nowMs: number;
  /** Explicit SystemModstamp (ms, whole seconds), e.g. for `sameSecond` or seeds. */
  systemModstamp?: number;
  /** Changes become visible this long after SystemModstamp. */
  commitDelayMs?: number;
  /** User performing the write. */
  userId: string;
}

/** Field history tracking: object → [history object, parent field, tracked fields]. */
const HISTORY_TRACKING: Record<string, [string, string, string[]]> = {
  Account: ['AccountHistory', 'AccountId', ['Name', 'Industry', 'Rating', 'OwnerId', 'Phone']],
  Contact: ['ContactHistory', 'ContactId', ['Email', 'Phone', 'Title', 'OwnerId']],
  Lead: ['LeadHistory', 'LeadId', ['Status', 'Email', 'Title', 'OwnerId']],
  Case: ['CaseHistory', 'CaseId', ['Status', 'Priority', 'OwnerId']],
  Opportunity: [
    'OpportunityFieldHistory',
    'OpportunityId',
    ['StageName', 'Amount', 'CloseDate', 'NextStep', 'OwnerId'],
  ],
};

export class RecordBook {
  readonly stores = new Map<string, ObjectStore>();
  bench: BenchSource | null = null;
  private readonly idIndex = new Map<string, ObjectStore>();
  private readonly pending = new Set<Entry>();
  /** Reverts of the writes made since `startUndo`, oldest first; null outside a transaction. */
  private undoLog: (() => void)[] | null = null;

  constructor(
    readonly objects: Map<string, ObjectDef>,
    readonly pod: string,
    readonly nowMs: () => number,
  ) {}

  /** Any known object by name (ignores permissions). */
  object(name: string): ObjectDef | undefined {
    return this.objects.get(name.toLowerCase());
  }

  storeOf(obj: ObjectDef): ObjectStore {
    if (this.bench && obj === this.bench.obj) return this.bench.overlay;
    let s = this.stores.get(obj.lower);
    if (!s) {
      s = new ObjectStore(obj);
      this.stores.set(obj.lower, s);
    }
    return s;
  }

  /** Committed versions of `obj` not yet visible (in-flight slow commits). */
  *pendingVersions(obj: ObjectDef): Generator<Version> {
    this.settle();
    const store = this.storeOf(obj);
    for (const e of this.pending) {
      if (e.pending && store.get(e.id) === e) yield* e.pending;
    }
  }

  /** Makes due pending versions visible. */
  settle(): void {
    if (this.pending.size === 0) return;
    const now = this.nowMs();
    for (const e of this.pending) if (ObjectStore.settle(e, now)) this.pending.delete(e);
  }

  private isBenchId(id: string): boolean {
    return this.bench !== null && id.startsWith(this.bench.obj.idPrefix + this.bench.pod);
  }

  /** Object and current visible row of an Id (deleted rows included, purged excluded). */
  find(id: string): { obj: ObjectDef; row: Row; entry: Entry | null } | null {
    const norm = normaliseId(id);
    if (!norm) return null;
    if (this.isBenchId(norm)) {
      const b = this.bench!;
      const i = b.indexOf(norm);
      if (i === null) return null;
      const row = b.rowAt(i, this.nowMs());
      return row ? { obj: b.obj, row, entry: b.overlay.get(norm) ?? null } : null;
    }
    const store = this.idIndex.get(norm);
    if (!store) return null;
    const entry = store.get(norm)!;
    ObjectStore.settle(entry, this.nowMs());
    if (!entry.visible || entry.purged) return null;
    if (this.isExpiredFromBin(entry.visible)) return null;
    return { obj: store.obj, row: entry.visible, entry };
  }

  /** Visible, not-deleted row of an Id (for relationships and formulas). */
  lookup(id: string): Row | null {
    const f = this.find(id);
    return f && f.row.IsDeleted !== true ? f.row : null;
  }

  objectOfId(id: string): ObjectDef | undefined {
    const norm = normaliseId(id);
    if (!norm) return undefined;
    if (this.isBenchId(norm)) return this.bench!.obj;
    return this.idIndex.get(norm)?.obj;
  }

  private readonly childIndexes = new Map<
    string,
    { version: number; nowMs: number; index: Map<string, Row[]> }
  >();

  /** Visible, not-deleted rows of `child` pointing at `parentId` through `field` (indexed, rebuilt after writes). */
  children(child: ObjectDef, field: string, parentId: string): readonly Row[] {
    this.settle();
    const store = this.stores.get(child.lower);
    if (!store) return [];
    const key = `${child.lower}.${field}`;
    let cached = this.childIndexes.get(key);
    if (!cached || cached.version !== store.versions.length || this.pending.size > 0) {
      const index = new Map<string, Row[]>();
      for (const row of this.scan(
        child,
        { smLo: -Infinity, smHi: Infinity, idLo: '', idHi: '\uffff' },
        false,
      )) {
        const p = row[field];
        if (typeof p !== 'string') continue;
        let list = index.get(p);
        if (!list) index.set(p, (list = []));
        list.push(row);
      }
      cached = { version: store.versions.length, nowMs: this.nowMs(), index };
      this.childIndexes.set(key, cached);
    }
    return cached.index.get(parentId) ?? [];
  }

  /** Soft-deleted rows older than the recycle bin retention are gone from queryAll. */
  isExpiredFromBin(row: Row): boolean {
    return (
      row.IsDeleted === true &&
      typeof row.SystemModstamp === 'number' &&
      row.SystemModstamp < this.nowMs() - RECYCLE_BIN_MS
    );
  }

  /** Visible rows of an object within bounds (deleted ones with scanAll), natural order. */
  *scan(obj: ObjectDef, bounds: Bounds, scanAll: boolean): Generator<Row> {
    this.settle();
    if (this.bench && obj === this.bench.obj) {
      yield* this.bench.scanByModstamp(bounds, scanAll, this.nowMs());
      return;
    }
    const store = this.stores.get(obj.lower);
    if (!store) return;
    for (const e of store.order) {
      const row = e.visible;
      if (!row || e.purged) continue;
      if (row.IsDeleted === true && (!scanAll || this.isExpiredFromBin(row))) continue;
      // Archived activities (old closed Tasks/Events) are only visible to queryAll.
      if (!scanAll && row.IsArchived === true && (obj.name === 'Task' || obj.name === 'Event')) continue;
      yield row;
    }
  }

  // ------------------------------------------------------------------ undo log (transactions)

  /** Starts logging reverts (idempotent); returns the mark to roll back to. */
  startUndo(): number {
    this.undoLog ??= [];
    return this.undoLog.length;
  }

  /** Reverts every write made after `mark`, newest first. */
  rollbackTo(mark: number): void {
    const log = this.undoLog;
    if (!log) return;
    while (log.length > mark) log.pop()!();
    // Cached child indexes are keyed by version counts, which a rollback makes ambiguous.
    this.childIndexes.clear();
  }

  /** Stops logging: the writes so far are final. */
  endUndo(): void {
    this.undoLog = null;
  }

  private logRevert(revert: () => void): void {
    this.undoLog?.push(revert);
  }

  /** Records (or forgets) a deletion in the object's delete log, revertibly. */
  private setDeleted(store: ObjectStore, id: string, when: number | null): void {
    if (this.undoLog) {
      const had = store.deleted.has(id);
      const before = store.deleted.get(id);
      this.logRevert(() => {
        if (had) store.deleted.set(id, before!);
        else store.deleted.delete(id);
      });
    }
    if (when === null) store.deleted.delete(id);
    else store.deleted.set(id, when);
  }

  /** How to undo the next `store.commit` of `id`: restore the entry as it is now. */
  private revertOfCommit(store: ObjectStore, id: string): () => void {
    const entry = store.get(id);
    if (!entry) {
      const indexed = this.idIndex.has(id);
      return () => {
        store.versions.pop();
        const created = store.get(id);
        store.entries.delete(id);
        if (created && store.order[store.order.length - 1] === created) store.order.pop();
        if (created) this.pending.delete(created);
        if (!indexed) this.idIndex.delete(id);
      };
    }
    const saved = {
      visible: entry.visible,
      pending: entry.pending ? [...entry.pending] : null,
      purged: entry.purged,
      latest: entry.latest,
      latestPurged: entry.latestPurged,
    };
    return () => {
      store.versions.pop();
      Object.assign(entry, saved);
      // A pending version that became visible meanwhile settles again on the next read.
      if (entry.pending) this.pending.add(entry);
      else this.pending.delete(entry);
    };
  }

  private mintId(obj: ObjectDef, store: ObjectStore): string {
    if (this.undoLog) this.logRevert(() => store.nextNumber--);
    return makeId(obj.idPrefix, this.pod, store.nextNumber++);
  }

  private commit(obj: ObjectDef, id: string, row: Row, t: WriteTiming, purged = false): void {
    const store = this.storeOf(obj);
    if (this.undoLog) this.logRevert(this.revertOfCommit(store, id));
    const sm = (row.SystemModstamp as number | undefined) ?? t.systemModstamp ?? truncateToSecond(t.nowMs);
    const visibleAt = sm + (t.commitDelayMs ?? 0);
    const frozen = Object.freeze(row);
    const { entry, pending } = store.commit(
      id,
      frozen,
      Math.max(visibleAt, obj.hasModstamp ? visibleAt : t.nowMs),
      t.nowMs,
      purged,
    );
    if (!(this.bench && obj === this.bench.obj)) this.idIndex.set(id, store);
    if (pending) this.pending.add(entry);
  }

  private stamp(obj: ObjectDef, t: WriteTiming): number {
    return t.systemModstamp ?? truncateToSecond(t.nowMs);
  }

  /** Inserts a record; `fields` are internal values keyed by describe names. Returns the new Id. */
  insert(obj: ObjectDef, fields: Row, t: WriteTiming, fixedId?: string): string {
    const store = this.storeOf(obj);
    const id = fixedId ?? this.mintId(obj, store);
    const sm = this.stamp(obj, t);
    const row: Row = blankRow(obj);
    if ('IsDeleted' in row) row.IsDeleted = false;
    if ('OwnerId' in row) row.OwnerId = t.userId;
    if ('AuthorId' in row) row.AuthorId = t.userId;
    if ('CreatedById' in row) row.CreatedById = t.userId;
    if ('LastModifiedById' in row) row.LastModifiedById = t.userId;
    for (const f of obj.fields)
      if (f.stored && f.type === 'boolean' && row[f.name] === null)
        row[f.name] = f.describe.defaultValue === true;
    Object.assign(row, fields);
    row.Id = id;
    if ('CreatedDate' in row && typeof fields.CreatedDate !== 'number') row.CreatedDate = sm;
    if ('LastModifiedDate' in row && typeof fields.LastModifiedDate !== 'number') row.LastModifiedDate = sm;
    if (obj.hasModstamp) row.SystemModstamp = sm;
    deriveFields(obj, row, store.nextNumber - 1);
    this.commit(obj, id, row, { ...t, systemModstamp: sm });
    return id;
  }

  /** The latest committed row of an Id of `obj` (including deleted), or throws NOT_FOUND. */
  latest(obj: ObjectDef, id: string): { id: string; row: Row } {
    const norm = normaliseId(id);
    if (!norm)
      throw new SimError(400, 'MALFORMED_ID', `${obj.name} ID: id value of incorrect type: ${id}`, ['Id']);
    if (this.bench && obj === this.bench.obj) {
      const i = this.bench.indexOf(norm);
      const row = i === null ? null : this.bench.latestAt(i);
      const e = this.bench.overlay.get(norm);
      if (!row || (e && e.latestPurged))
        throw new SimError(404, 'NOT_FOUND', 'The requested resource does not exist');
      return { id: norm, row };
    }
    const store = this.stores.get(obj.lower);
    const e = store?.get(norm);
    if (!e || e.latestPurged) throw new SimError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return { id: norm, row: e.latest };
  }

  modify(obj: ObjectDef, id: string, set: Row, t: WriteTiming): void {
    const cur = this.latest(obj, id);
    if (cur.row.IsDeleted === true) throw new SimError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    const sm = this.stamp(obj, t);
    const row: Row = { ...cur.row, ...set, Id: cur.id };
    if ('LastModifiedDate' in row) row.LastModifiedDate = sm;
    if ('LastModifiedById' in row) row.LastModifiedById = t.userId;
    if (obj.hasModstamp) row.SystemModstamp = sm;
    deriveFields(obj, row, null);
    this.commit(obj, cur.id, row, { ...t, systemModstamp: sm });
    this.trackHistory(obj, cur.id, cur.row, row, { ...t, systemModstamp: sm });
  }

  /** Writes a history row per tracked field that changed (Salesforce field history tracking). */
  private trackHistory(obj: ObjectDef, id: string, before: Row, after: Row, t: WriteTiming): void {
    const tracking = HISTORY_TRACKING[obj.name];
    if (!tracking) return;
    const [historyName, parentField, fields] = tracking;
    const history = this.object(historyName);
    if (!history) return;
    for (const name of fields) {
      const oldValue = before[name] ?? null;
      const newValue = after[name] ?? null;
      if (oldValue === newValue) continue;
      const f = obj.byLower.get(name.toLowerCase());
      const dataType =
        f?.type === 'currency'
          ? 'Currency'
          : f?.type === 'reference'
            ? 'EntityId'
            : f?.type === 'picklist'
              ? 'DynamicEnum'
              : f?.type === 'date'
                ? 'Date'
                : 'Text';
      this.insert(
        history,
        {
          [parentField]: id,
          Field: name === 'OwnerId' ? 'Owner' : name,
          DataType: dataType,
          OldValue: oldValue,
          NewValue: newValue,
          CreatedDate: t.systemModstamp ?? truncateToSecond(t.nowMs),
        },
        t,
      );
    }
  }

  softDelete(obj: ObjectDef, id: string, t: WriteTiming): void {
    const cur = this.latest(obj, id);
    if (cur.row.IsDeleted === true) throw new SimError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    const sm = this.stamp(obj, t);
    const row: Row = { ...cur.row, IsDeleted: true };
    if ('LastModifiedDate' in row) row.LastModifiedDate = sm;
    if ('LastModifiedById' in row) row.LastModifiedById = t.userId;
    if (obj.hasModstamp) row.SystemModstamp = sm;
    this.commit(obj, cur.id, row, { ...t, systemModstamp: sm });
    this.setDeleted(this.storeOf(obj), cur.id, sm);
  }

  /** Hard delete / purge: gone from query and queryAll; stays in getDeleted until its window passes. */
  hardDelete(obj: ObjectDef, id: string, t: WriteTiming): void {
    const cur = this.latest(obj, id);
    const sm = this.stamp(obj, t);
    const row: Row = { ...cur.row, IsDeleted: true };
    if (obj.hasModstamp) row.SystemModstamp = sm;
    const store = this.storeOf(obj);
    this.commit(obj, cur.id, row, { ...t, systemModstamp: sm }, true);
    if (cur.row.IsDeleted !== true || !store.deleted.has(cur.id)) this.setDeleted(store, cur.id, sm);
  }

  undelete(obj: ObjectDef, id: string, t: WriteTiming): void {
    const cur = this.latest(obj, id);
    if (cur.row.IsDeleted !== true)
      throw new SimError(400, 'UNDELETE_FAILED', `Entity is not in the recycle bin: ${cur.id}`, []);
    const sm = this.stamp(obj, t);
    const row: Row = { ...cur.row, IsDeleted: false };
    if ('LastModifiedDate' in row) row.LastModifiedDate = sm;
    if ('LastModifiedById' in row) row.LastModifiedById = t.userId;
    if (obj.hasModstamp) row.SystemModstamp = sm;
    this.commit(obj, cur.id, row, { ...t, systemModstamp: sm });
    this.setDeleted(this.storeOf(obj), cur.id, null);
  }
}

/** Values the platform computes on save (person names, file sizes, auto numbers). */
function deriveFields(obj: ObjectDef, row: Row, number: number | null): void {
  if (
    (obj.name === 'Contact' || obj.name === 'Lead' || obj.name === 'User') &&
    ('FirstName' in row || 'LastName' in row)
  ) {
    row.Name =
      [row.FirstName, row.LastName].filter((x) => typeof x === 'string' && x !== '').join(' ') || null;
  }
  const body = (
    obj.name === 'Attachment' || obj.name === 'Document'
      ? row.Body
      : obj.name === 'ContentVersion'
        ? row.VersionData
        : undefined
  ) as BlobRef | null | undefined;
  if (body && typeof body === 'object') {
    if (obj.name === 'ContentVersion') {
      row.ContentSize = body.bytes;
      // Checksum: the body's MD5, which Salesforce computes on save. Read lazily (and once per distinct body) so a
      // seeded org does not hash every generated body up front; the value is the same whenever it is read.
      if ('Checksum' in row) {
        const ref = body;
        Object.defineProperty(row, 'Checksum', {
          get: () => blobMd5(ref),
          enumerable: true,
          configurable: true,
        });
      }
    } else row.BodyLength = body.bytes;
  }
  if ('DeveloperName' in row && row.DeveloperName === null && typeof row.Name === 'string')
    row.DeveloperName = row.Name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'X';
  if (number !== null) {
    if (obj.name === 'Case' && row.CaseNumber === null) row.CaseNumber = String(number).padStart(8, '0');
    if (obj.name === 'Contract' && row.ContractNumber === null)
      row.ContractNumber = String(number).padStart(8, '0');
    if (obj.name === 'Solution' && row.SolutionNumber === null)
      row.SolutionNumber = String(number).padStart(8, '0');
  }
}
