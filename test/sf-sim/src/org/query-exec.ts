/**
 * Runs compiled SOQL plans against the records: REST pages with query locators (cursors that
 * expire after 15 idle minutes of simulated time, with a cap on open ones) and streaming rows for
 * Bulk 2.0. Ordinary objects are snapshotted at query time; Bench__c streams from its ordered index.
 */
import { SimError, type QueryPage, type BulkQuery, type JsonRecord } from './api.js';
import type { Row } from './schema/model.js';
import type { RecordBook } from './records.js';
import type { QueryPlan } from '../soql/compile.js';
import { makeId, normaliseId } from './ids.js';

export const CURSOR_IDLE_MS = 15 * 60_000;
export const MAX_OPEN_CURSORS = 200;
/** Above this many matching rows, sorting Bench__c on a non-indexed order times out, as a real org would. */
const MAX_SORT_ROWS = 500_000;

interface Cursor {
  id: string;
  plan: QueryPlan;
  total: number;
  /** Snapshot of the result (ordinary objects) … */
  rows: Row[] | null;
  /** … or a stream positioned at `position` (Bench__c). */
  iter: Iterator<Row> | null;
  position: number;
  lastPage: { offset: number; rows: Row[] } | null;
  lastUsedMs: number;
  apiVersion: string;
}

function clampBatch(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return 2000;
  return Math.min(2000, Math.max(200, Math.floor(n)));
}

function* filtered(rows: Iterable<Row>, pred: ((r: Row) => boolean) | null): Generator<Row> {
  if (!pred) {
    yield* rows;
    return;
  }
  for (const r of rows) if (pred(r)) yield r;
}

function* window(rows: Iterable<Row>, offset: number, limit: number | null): Generator<Row> {
  let skipped = 0;
  let taken = 0;
  if (limit !== null && limit <= 0) return;
  for (const r of rows) {
    if (skipped < offset) {
      skipped++;
      continue;
    }
    yield r;
    if (limit !== null && ++taken >= limit) return;
  }
}

export class QueryEngine {
  private readonly cursors = new Map<string, Cursor>();
  private cursorNumber = 1;

  constructor(
    private readonly book: RecordBook,
    private readonly nowMs: () => number,
    private readonly pod: string,
  ) {}

  private isBench(plan: QueryPlan): boolean {
    return this.book.bench !== null && plan.obj === this.book.bench.obj;
  }

  /** Matching rows in the plan's order, before OFFSET/LIMIT. `materialize` says whether it is a snapshot array. */
  private ordered(
    plan: QueryPlan,
    scanAll: boolean,
  ): { rows: Iterable<Row>; materialized: boolean; fresh: () => Iterable<Row> } {
    const book = this.book;
    const bench = this.isBench(plan) ? book.bench! : null;
    if (bench) {
      const keys = plan.orderKeys.map((k) => `${k.field}:${k.desc ? 'd' : 'a'}`).join(',');
      const natural = keys === '' || keys === 'systemmodstamp:a' || keys === 'systemmodstamp:a,id:a';
      const byId = keys === 'id:a';
      if (natural || byId) {
        const fresh = (): Iterable<Row> => {
          book.settle();
          const src = natural
            ? bench.scanByModstamp(plan.bounds, scanAll, this.nowMs())
            : bench.scanById(plan.bounds, scanAll, this.nowMs());
          return filtered(src, plan.predicate);
        };
        return { rows: fresh(), materialized: false, fresh };
      }
      const arr: Row[] = [];
      for (const r of filtered(book.scan(plan.obj, plan.bounds, scanAll), plan.predicate)) {
        arr.push(r);
        if (arr.length > MAX_SORT_ROWS)
          throw new SimError(400, 'QUERY_TIMEOUT', 'Your query request was running for too long.');
      }
      arr.sort(plan.compare!);
      return { rows: arr, materialized: true, fresh: () => arr };
    }
    const arr: Row[] = [];
    const predicate = plan.predicate;
    for (const r of book.scan(plan.obj, plan.bounds, scanAll)) if (!predicate || predicate(r)) arr.push(r);
    if (plan.compare) arr.sort(plan.compare);
    return { rows: arr, materialized: true, fresh: () => arr };
  }

  private expire(): void {
    const now = this.nowMs();
    for (const [id, c] of this.cursors) if (now - c.lastUsedMs > CURSOR_IDLE_MS) this.cursors.delete(id);
    while (this.cursors.size >= MAX_OPEN_CURSORS) {
      const oldest = [...this.cursors.values()].sort((a, b) => a.lastUsedMs - b.lastUsedMs)[0];
      if (!oldest) break;
      this.cursors.delete(oldest.id);
    }
  }

  firstPage(plan: QueryPlan, opts: { scanAll: boolean; batchSize?: number; apiVersion: string }): QueryPage {
    if (plan.countOnly) {
      if (this.isBench(plan) && plan.boundsExact) {
        const all = this.book.bench!.countInBounds(plan.bounds, opts.scanAll, this.nowMs(), plan.predicate);
        const n = Math.max(0, all - plan.offset);
        return { totalSize: plan.limit !== null ? Math.min(n, plan.limit) : n, done: true, records: [] };
      }
      let n = 0;
      for (const _ of window(this.ordered(plan, opts.scanAll).rows, plan.offset, plan.limit)) n++;
      return { totalSize: n, done: true, records: [] };
    }
    if (plan.aggregates || plan.groupBy.length > 0) {
      const records = plan.aggregate(this.ordered(plan, opts.scanAll).rows) as JsonRecord[];
      const page = [
        ...window(records as unknown as Row[], plan.offset, plan.limit),
      ] as unknown as JsonRecord[];
      return { totalSize: page.length, done: true, records: page };
    }
    const batch = clampBatch(opts.batchSize);
    const { rows, materialized, fresh } = this.ordered(plan, opts.scanAll);
    let total: number;
    let cursorRows: Row[] | null = null;
    let iter: Iterator<Row> | null = null;
    if (materialized) {
      cursorRows = [...window(rows, plan.offset, plan.limit)];
      total = cursorRows.length;
    } else {
      const bench = this.book.bench!;
      if (plan.boundsExact) {
        const all = bench.countInBounds(plan.bounds, opts.scanAll, this.nowMs(), plan.predicate);
        total = Math.max(0, all - plan.offset);
        if (plan.limit !== null) total = Math.min(total, plan.limit);
      } else {
        total = 0;
        for (const _ of window(fresh(), plan.offset, plan.limit)) total++;
      }
      iter = window(rows, plan.offset, plan.limit)[Symbol.iterator]();
    }
    const cursor: Cursor = {
      id: makeId('01g', this.pod, this.cursorNumber++),
      plan,
      total,
      rows: cursorRows,
      iter,
      position: 0,
      lastPage: null,
      lastUsedMs: this.nowMs(),
      apiVersion: opts.apiVersion,
    };
    const page = this.take(cursor, 0, batch);
    if (!page.done) {
      this.expire();
      this.cursors.set(cursor.id, cursor);
    }
    return page;
  }

  private take(c: Cursor, offset: number, batch: number): QueryPage {
    let rows: Row[];
    if (c.rows) {
      rows = c.rows.slice(offset, offset + batch);
    } else if (c.lastPage && c.lastPage.offset === offset) {
      rows = c.lastPage.rows;
    } else {
      if (offset !== c.position) throw new SimError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      rows = [];
      while (rows.length < batch) {
        const n = c.iter!.next();
        if (n.done) break;
        rows.push(n.value);
      }
      c.position = offset + rows.length;
      c.lastPage = { offset, rows };
    }
    const next = offset + rows.length;
    const done = next >= c.total || rows.length === 0;
    const records = rows.map((r) => c.plan.toJson(r, c.apiVersion) as JsonRecord);
    const page: QueryPage = { totalSize: c.total, done, records };
    if (!done) page.nextLocator = `${c.id}-${next}`;
    return page;
  }

  nextPage(locator: string, opts: { batchSize?: number; apiVersion?: string }): QueryPage {
    if (typeof locator !== 'string')
      throw new SimError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const dash = locator.lastIndexOf('-');
    const idPart = dash > 0 ? locator.slice(0, dash) : locator;
    const offsetPart = dash > 0 ? locator.slice(dash + 1) : null;
    const id = normaliseId(idPart);
    this.expire();
    const c = id ? this.cursors.get(id) : undefined;
    const offset = offsetPart === null ? (c?.position ?? 0) : Number(offsetPart);
    if (!c || !Number.isInteger(offset) || offset < 0 || offset > c.total)
      throw new SimError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    c.lastUsedMs = this.nowMs();
    if (opts.apiVersion) c.apiVersion = opts.apiVersion;
    const page = this.take(c, offset, clampBatch(opts.batchSize));
    if (page.done) this.cursors.delete(c.id);
    return page;
  }

  private *csvRows(plan: QueryPlan, scanAll: boolean): Generator<(string | null)[]> {
    const { rows } = this.ordered(plan, scanAll);
    for (const r of window(rows, 0, plan.limit)) yield plan.toCsv(r);
  }

  /** A validated Bulk 2.0 query (SimError for what Bulk rejects at job creation). */
  bulk(plan: QueryPlan, scanAll: boolean): BulkQuery {
    const obj = plan.obj;
    if (!obj.bulkSupported)
      throw new SimError(400, 'INVALIDENTITY', `${obj.name} is not supported by the Bulk API`);
    if (plan.countOnly || plan.aggregates || plan.groupBy.length > 0)
      throw new SimError(
        400,
        'API_ERROR',
        'Aggregate Relationships and aggregate functions are not supported in Bulk API 2.0 queries.',
      );
    if (plan.offset > 0)
      throw new SimError(400, 'API_ERROR', 'OFFSET clause is not supported in Bulk API 2.0 queries.');
    if (plan.usesFieldsFn)
      throw new SimError(400, 'API_ERROR', 'FIELDS() is not supported in Bulk API 2.0 queries.');
    if (plan.compoundColumns.length > 0)
      throw new SimError(400, 'API_ERROR', 'Selecting compound data not supported in Bulk Query');
    if (plan.base64Fields > 0)
      throw new SimError(400, 'API_ERROR', 'FeatureNotEnabled : Binary field not supported');
    return {
      object: obj.name,
      columns: plan.columns.map((c) => c.alias ?? c.header),
      rows: () => this.csvRows(plan, scanAll),
    };
  }
}
