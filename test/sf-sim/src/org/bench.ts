/**
 * `Bench__c`: a custom object of N rows generated on demand from (seed, row number), so memory
 * stays flat at millions of rows. Row i has Id number i+1 and a SystemModstamp that never
 * decreases with i (several rows share each second), so SystemModstamp/Id ranges map to row
 * ranges by binary search. Changes to rows live in an overlay ObjectStore.
 */
import type { ObjectDef, Row } from './schema/model.js';
import { makeObjectDef } from './schema/catalog.js';
import { idNumber, makeId } from './ids.js';
import { isoDate, DAY_MS } from './datetime.js';
import { mix32 } from '../seed/random.js';
import { ObjectStore, type Entry } from './store.js';
import type { Bounds } from '../soql/compile.js';

export const BENCH_OBJECT = 'Bench__c';
/** Rows per shared second: bulk loads write many rows in the same second. */
const ROWS_PER_SECOND = 5;

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'mike',
  'november',
  'oscar',
  'papa',
];
const STATUSES = ['New', 'Working', 'Escalated', 'Closed'];

export function benchObjectDef(keyPrefix: string, nowMs: number): ObjectDef {
  const ref = (to: string[], rel: string): Record<string, unknown> => ({
    referenceTo: to,
    relationshipName: rel,
  });
  const pick = (values: string[]): Record<string, unknown> => ({
    picklistValues: values.map((v, i) => ({
      active: true,
      defaultValue: i === 0,
      label: v,
      validFor: null,
      value: v,
    })),
  });
  const fields: Record<string, unknown>[] = [
    { name: 'Id', type: 'id', label: 'Record ID' },
    {
      name: 'OwnerId',
      type: 'reference',
      label: 'Owner ID',
      nillable: false,
      ...ref(['Group', 'User'], 'Owner'),
    },
    { name: 'IsDeleted', type: 'boolean', label: 'Deleted' },
    { name: 'Name', type: 'string', label: 'Bench Name', length: 80, nillable: true, nameField: true },
    { name: 'CreatedDate', type: 'datetime', label: 'Created Date' },
    { name: 'CreatedById', type: 'reference', label: 'Created By ID', ...ref(['User'], 'CreatedBy') },
    { name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date' },
    {
      name: 'LastModifiedById',
      type: 'reference',
      label: 'Last Modified By ID',
      ...ref(['User'], 'LastModifiedBy'),
    },
    { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' },
  ];
  for (let i = 1; i <= 5; i++)
    fields.push({ name: `Text_${i}__c`, type: 'string', label: `Text ${i}`, length: 80 });
  for (let i = 1; i <= 4; i++)
    fields.push({ name: `Number_${i}__c`, type: 'double', label: `Number ${i}`, precision: 18, scale: 2 });
  fields.push(
    { name: 'Amount__c', type: 'currency', label: 'Amount', precision: 18, scale: 2 },
    { name: 'Count__c', type: 'int', label: 'Count', digits: 9 },
    { name: 'Share__c', type: 'percent', label: 'Share', precision: 5, scale: 2 },
    { name: 'Flag_1__c', type: 'boolean', label: 'Flag 1', nillable: false, defaultValue: false },
    { name: 'Flag_2__c', type: 'boolean', label: 'Flag 2', nillable: false, defaultValue: false },
    { name: 'Day__c', type: 'date', label: 'Day' },
    { name: 'Moment__c', type: 'datetime', label: 'Moment' },
    { name: 'Status__c', type: 'picklist', label: 'Status', ...pick(STATUSES) },
    { name: 'Email__c', type: 'email', label: 'Email' },
    { name: 'Phone__c', type: 'phone', label: 'Phone' },
    { name: 'Website__c', type: 'url', label: 'Website' },
    { name: 'Notes__c', type: 'textarea', label: 'Notes', length: 32768, extraTypeInfo: 'plaintextarea' },
  );
  return makeObjectDef({
    name: BENCH_OBJECT,
    fields,
    keyPrefix,
    idPrefix: keyPrefix,
    custom: true,
    nowMs,
    global: { label: 'Bench', labelPlural: 'Benches' },
  });
}

export class BenchSource {
  readonly overlay: ObjectStore;
  private readonly startMs: number;
  private readonly spanSeconds: number;

  constructor(
    readonly obj: ObjectDef,
    readonly count: number,
    private readonly seed: number,
    /** Rows' SystemModstamps spread over [startMs, endMs]. */
    startMs: number,
    endMs: number,
    private readonly ownerId: string,
    readonly pod: string,
  ) {
    this.overlay = new ObjectStore(obj);
    this.overlay.nextNumber = count + 1;
    this.startMs = Math.floor(startMs / 1000) * 1000;
    const seconds = Math.max(1, Math.floor((endMs - this.startMs) / 1000));
    this.spanSeconds = seconds;
  }

  idOf(i: number): string {
    return makeId(this.obj.idPrefix, this.pod, i + 1);
  }

  /** Row index of an Id of this object (base or created), or null. */
  indexOf(id: string): number | null {
    const n = idNumber(id, this.obj.idPrefix, this.pod);
    return n === null ? null : n - 1;
  }

  modstampAt(i: number): number {
    const blocks = Math.ceil(this.count / ROWS_PER_SECOND);
    const block = Math.floor(i / ROWS_PER_SECOND);
    return this.startMs + Math.floor((block * this.spanSeconds) / Math.max(1, blocks)) * 1000;
  }

  /** First row index whose SystemModstamp is >= ms. */
  firstAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.modstampAt(mid) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The generated (original) row i. */
  baseRow(i: number, id: string = this.idOf(i)): Row {
    const h = mix32(this.seed, i);
    const h2 = mix32(h, 0x5bd1e995);
    const sm = this.modstampAt(i);
    const created = Math.max(this.startMs, sm - (h % 30) * DAY_MS);
    const n = i + 1;
    return {
      Id: id,
      OwnerId: this.ownerId,
      IsDeleted: false,
      Name: `BENCH-${String(n).padStart(8, '0')}`,
      CreatedDate: created,
      CreatedById: this.ownerId,
      LastModifiedDate: sm,
      LastModifiedById: this.ownerId,
      SystemModstamp: sm,
      Text_1__c: WORDS[h & 15]!,
      Text_2__c: `${WORDS[(h >>> 4) & 15]!} ${WORDS[(h >>> 8) & 15]!}`,
      Text_3__c: `ref-${(h >>> 12) & 0xffff}`,
      Text_4__c: h % 7 === 0 ? null : `Line "${n}", with comma`,
      Text_5__c: WORDS[(h2 >>> 3) & 15]!.toUpperCase(),
      Number_1__c: (h % 100000) / 100,
      Number_2__c: ((h2 % 2000001) - 1000000) / 100,
      Number_3__c: h2 % 13 === 0 ? null : h2 % 1000,
      Number_4__c: (h >>> 20) / 7,
      Amount__c: (h2 % 10000000) / 100,
      Count__c: h % 500,
      Share__c: (h2 % 10000) / 100,
      Flag_1__c: (h & 1) === 1,
      Flag_2__c: (h2 & 2) === 2,
      Day__c: isoDate(created + (h2 % 400) * DAY_MS),
      Moment__c: created + (h % 86400) * 1000,
      Status__c: STATUSES[h2 & 3]!,
      Email__c: `user${n}@bench.example.com`,
      Phone__c: `+1 555 ${String(h % 10000).padStart(4, '0')}`,
      Website__c: h % 3 === 0 ? null : `https://bench.example.com/r/${n}`,
      Notes__c: h % 5 === 0 ? `Notes for row ${n}\nsecond line` : null,
    };
  }

  /** Visible row of index i (overlay first), null when purged or never visible. */
  rowAt(i: number, nowMs: number): Row | null {
    const id = this.idOf(i);
    const e = this.overlay.get(id);
    if (e) {
      ObjectStore.settle(e, nowMs);
      if (e.visible) return e.purged ? null : e.visible;
    }
    return i < this.count ? this.baseRow(i) : null;
  }

  /** Latest committed row (for writes). */
  latestAt(i: number): Row | null {
    const e = this.overlay.get(this.idOf(i));
    if (e) return e.latest;
    return i < this.count ? this.baseRow(i) : null;
  }

  private overlayVisible(nowMs: number): Entry[] {
    const out: Entry[] = [];
    for (const e of this.overlay.order) {
      ObjectStore.settle(e, nowMs);
      if (e.visible && !e.purged) out.push(e);
    }
    return out;
  }

  private baseRange(b: Bounds): [number, number] {
    let lo = 0;
    let hi = this.count;
    if (b.smLo !== -Infinity) lo = Math.max(lo, this.firstAtOrAfter(b.smLo));
    if (b.smHi !== Infinity) hi = Math.min(hi, this.firstAtOrAfter(b.smHi + 1));
    if (b.idLo !== '') {
      const n = this.indexOf(b.idLo);
      if (n !== null) lo = Math.max(lo, n);
      else if (b.idLo > this.idOf(this.count)) lo = this.count;
    }
    if (b.idHi !== '\uffff') {
      const n = this.indexOf(b.idHi);
      if (n !== null) hi = Math.min(hi, n + 1);
      else if (b.idHi < this.idOf(0)) hi = 0;
    }
    return [lo, Math.max(lo, hi)];
  }

  /** Rows in (SystemModstamp, Id) order within the bounds; deleted ones only with scanAll. */
  *scanByModstamp(b: Bounds, scanAll: boolean, nowMs: number): Generator<Row> {
    const [lo, hi] = this.baseRange(b);
    const overlayRows = this.overlayVisible(nowMs)
      .map((e) => e.visible!)
      .filter((r) => scanAll || r.IsDeleted !== true)
      .sort(
        (a, c) =>
          (a.SystemModstamp as number) - (c.SystemModstamp as number) ||
          ((a.Id as string) < (c.Id as string) ? -1 : 1),
      );
    let k = 0;
    const overlay = this.overlay.entries;
    for (let i = lo; i < hi; i++) {
      const id = this.idOf(i);
      if (overlay.size > 0) {
        const e = overlay.get(id);
        if (e && (e.visible || e.purged)) continue;
      }
      const row = this.baseRow(i, id);
      while (k < overlayRows.length) {
        const o = overlayRows[k]!;
        const osm = o.SystemModstamp as number;
        const rsm = row.SystemModstamp as number;
        if (osm < rsm || (osm === rsm && (o.Id as string) < id)) {
          yield o;
          k++;
        } else break;
      }
      yield row;
    }
    while (k < overlayRows.length) yield overlayRows[k++]!;
  }

  /** Rows in Id order within the bounds. */
  *scanById(b: Bounds, scanAll: boolean, nowMs: number): Generator<Row> {
    const [lo, hi] = this.baseRange(b);
    for (let i = lo; i < hi; i++) {
      const row = this.rowAt(i, nowMs);
      if (row && (scanAll || row.IsDeleted !== true)) yield row;
    }
    const created = this.overlayVisible(nowMs)
      .map((e) => e.visible!)
      .filter((r) => (this.indexOf(r.Id as string) ?? 0) >= this.count && (scanAll || r.IsDeleted !== true))
      .sort((a, c) => ((a.Id as string) < (c.Id as string) ? -1 : 1));
    yield* created;
  }

  /**
   * Rows matching exact bounds without generating them: the base range, minus base rows the
   * overlay replaced or purged, plus overlay rows that match.
   */
  countInBounds(b: Bounds, scanAll: boolean, nowMs: number, predicate: ((r: Row) => boolean) | null): number {
    const [lo, hi] = this.baseRange(b);
    let n = hi - lo;
    for (const e of this.overlay.order) {
      ObjectStore.settle(e, nowMs);
      const idx = this.indexOf(e.id) ?? -1;
      if (idx >= lo && idx < hi && idx < this.count && (e.visible || e.purged)) n--;
      const r = e.visible;
      if (r && !e.purged && (scanAll || r.IsDeleted !== true) && (!predicate || predicate(r))) n++;
    }
    return n;
  }

  /** Visible, non-deleted rows count (fast: base minus overlay adjustments). */
  liveCount(nowMs: number): number {
    let n = this.count;
    for (const e of this.overlay.order) {
      ObjectStore.settle(e, nowMs);
      const idx = this.indexOf(e.id) ?? 0;
      const isBase = idx < this.count;
      const live = e.visible ? !e.purged && e.visible.IsDeleted !== true : isBase;
      if (isBase && !live) n--;
      if (!isBase && live) n++;
    }
    return n;
  }
}
