/**
 * Backs up one object's record versions: oldest first by the cursor (SystemModstamp — or CreatedDate for
 * immutable objects — then Id), up to the org's now − lag. Large backlogs go through Bulk API 2.0 over closed
 * windows without ORDER BY (the cursor jumps to the window's end once the whole window is stored); small
 * deltas through REST query slices, each page committed with the cursor after its last row. queryAll is
 * used throughout, so soft deletes arrive as versions with IsDeleted = true. Once caught up, each pass also
 * re-reads a short overlap before the cursor, catching transactions that committed late.
 */
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { SalesforceError } from '../salesforce/errors.js';
import { BudgetExhaustedError } from '../salesforce/api-governor.js';
import { bulkQueryPages } from '../salesforce/bulk-query.js';
import { compositeGets, MAX_QUERY_SUBREQUESTS } from '../salesforce/composite.js';
import { queryPages, querySubrequest, type QueryStart, type RawQueryPage } from '../salesforce/rest-query.js';
import { canonicalDatetime, canonicalizeRecord, type FieldTypes } from '../store/packs/canonical-record.js';
import type { PackCursor } from '../store/packs/pack-format.js';
import { markCaughtUp, type RegistryObject } from '../store/registry/object-registry.js';
import { compareVersions, type VersionInput } from '../store/versions/version-entry.js';
import { recordBackfillComplete, writeVersions } from '../store/versions/version-writer.js';
import { leaseOf, windowUpperBound, type EngineContext } from './engine-context.js';
import type { ObjectSupport } from './object-support.js';
import { idList, inBatches, parentIdBatches, parentIdsQuery } from './org-ids.js';
import { estimatedBacklog } from './backlog-estimate.js';
import { countWindow, MAX_ID, selectWindow } from './soql.js';

export interface RecordBackupResult {
  object: string;
  written: number;
  read: number;
  via: 'rest' | 'bulk' | 'rest+bulk';
  /** Null when the run stopped early (the process is stopping); what was read is stored, the rest waits. */
  caughtUpTo: Date | null;
}

type Supported = Extract<ObjectSupport, { supported: true }>;

/**
 * An object's first REST slice, already read with other objects' in one `/composite` call (first-slices.ts): its
 * query (as `firstSliceQuery` wrote it for `upTo`) and the first page Salesforce answered.
 */
export interface PrefetchedSlice {
  upTo: Date;
  soql: string;
  page: RawQueryPage;
  /** How its next pages are fetched (read ahead with other queries); on their own when not given. */
  more?: (nextRecordsUrl: string) => Promise<RawQueryPage>;
  /**
   * How the run's further queries are asked (an object read through its parents' Ids: its batches), read ahead
   * when they were known or riding in the next call; a page missing from the answer is asked on its own.
   */
  ask?: (soqls: readonly string[]) => Promise<(RawQueryPage | undefined)[]>;
  /**
   * An object read through its parents' Ids: its batch queries for all of them, as they were read ahead (some
   * planned from the parents the backup holds, the rest from the parents' Ids answered). The run asks these.
   */
  batches?: string[];
}

/** Where `soql` starts when it is the prefetched query (a run asks its first query as `firstSliceQuery` wrote it). */
function prefetchedStart(prefetched: PrefetchedSlice | undefined, soql: string): QueryStart {
  if (prefetched?.soql !== soql) return {};
  return { first: prefetched.page, ...(prefetched.more ? { more: prefetched.more } : {}) };
}

export async function backupRecords(
  ctx: EngineContext,
  object: RegistryObject,
  onProgress?: (read: number) => void,
  prefetched?: PrefetchedSlice,
): Promise<RecordBackupResult> {
  const support = object.supportDetail as Supported;
  if (!support?.supported || !object.fields)
    throw new Error(`${object.name} is not ready for backup (scan it first)`);
  const fieldTypes: FieldTypes = Object.fromEntries(object.fields.map((f) => [f.name, f.type]));
  const fields = object.fields.map((f) => f.name);
  // A prefetched first slice was asked up to its own bound: the run keeps it, so the query is the same.
  const upTo = prefetched?.upTo ?? windowUpperBound(ctx);
  const state = { read: 0, written: 0, usedBulk: false, usedRest: false };
  const report = (n: number) => {
    state.read += n;
    onProgress?.(state.read);
  };

  let complete = true;
  if (support.access.kind === 'parent-id-batches') {
    await backupThroughParents(
      ctx,
      object,
      support,
      support.access,
      fieldTypes,
      upTo,
      report,
      state,
      prefetched,
    );
  } else {
    complete = await backupByCursor(
      ctx,
      object,
      support,
      fields,
      fieldTypes,
      upTo,
      report,
      state,
      prefetched,
    );
  }
  if (complete) {
    await markCaughtUp(ctx.store.knex, object.objectKey, upTo, ctx.lease);
    // Once per object, in the bucket too (a rebuilt index must not start the backfill over).
    if (!object.backfillCompletedAt)
      await recordBackfillComplete(
        ctx.store,
        ctx.org.orgId,
        object.name,
        ctx.session.clock.now(),
        leaseOf(ctx),
      );
  }
  return {
    object: object.name,
    written: state.written,
    read: state.read,
    via: state.usedBulk ? (state.usedRest ? 'rest+bulk' : 'bulk') : 'rest',
    caughtUpTo: complete ? upTo : null,
  };
}

interface PassState {
  written: number;
  usedBulk: boolean;
  usedRest: boolean;
}

/**
 * How a backlog is read, by what it costs in API calls (each REST page, Bulk create, poll and results page is one):
 * an object not yet backfilled starts with its first REST slice (LIMIT `restSliceSize`, at least `bulkThreshold`).
 * Its first page's `totalSize` is the backlog up to that LIMIT, so no COUNT() call is spent: a backlog under
 * `bulkThreshold` is paged through on that query (N / 2,000 calls), a larger one goes to Bulk API 2.0 whole (about 1 create + log2(seconds) polls +
 * one call per page of `bulkPageBytes`; the first page's rows tell how large a Bulk row is). With slices smaller
 * than the threshold, or a field list too long for one query, a COUNT() decides instead.
 * Caught-up objects read their deltas in REST slices of `restSliceSize` with LIMIT (a new query per slice keeps
 * locators short-lived). A QUERY_TIMEOUT narrows the slices' time span by halves (see `halveSpan`).
 * Returns false when it stopped early because the process is stopping (after storing what it read).
 */
async function backupByCursor(
  ctx: EngineContext,
  object: RegistryObject,
  support: Supported,
  fields: string[],
  fieldTypes: FieldTypes,
  upTo: Date,
  report: (n: number) => void,
  state: PassState,
  prefetched?: PrefetchedSlice,
): Promise<boolean> {
  let cursor = object.cursor;
  /** CSV bytes per row as the probe's first page suggests: sizes the first Bulk results page (0: unknown). */
  let rowBytes = 0;
  const throughBulk = async (backlog: number): Promise<boolean> => {
    cursor = await bulkBackfill(
      ctx,
      object,
      support,
      fields,
      fieldTypes,
      cursor,
      upTo,
      report,
      state,
      backlog,
      rowBytes,
    );
    state.usedBulk = true;
    // The windows reach `upTo` unless stopped: a REST slice after them would find nothing and cost a call.
    return reached(cursor, upTo);
  };
  let probe = !object.backfillCompletedAt && support.bulk;
  if (probe) {
    if (probeNeedsCount(ctx, object.name, support, fields, cursor, upTo)) {
      probe = false;
      const backlog = await countRows(ctx, object.name, support.cursorField, cursor, upTo);
      if (backlog > ctx.options.bulkThreshold) return throughBulk(backlog);
    }
  }

  // REST slices until a slice comes back short: then everything up to `upTo` is stored.
  const overlapFrom = overlapStart(ctx, object);
  // Where the reading stands, apart from the stored `cursor`: a caught-up object is re-read from `overlapFrom`
  // (null: not started) through every slice up to the cursor and beyond, since a late commit can sit behind more
  // than a slice of changes in a busy overlap (issue #14); past the cursor the two are the same.
  let readAfter: PackCursor | null = overlapFrom ? null : cursor;
  /** Set by a QUERY_TIMEOUT: each slice then covers at most this much time. */
  let spanMs: number | null = null;
  let halvings = 0;
  for (;;) {
    const lower = readAfter ? new Date(readAfter.systemModstamp) : (overlapFrom ?? null);
    const sliceUpTo = spanMs === null ? upTo : spanEnd(lower ?? earliest(upTo), spanMs, upTo);
    const limit = ctx.options.restSliceSize;
    const soql = sliceQuery(
      object.name,
      fields,
      support.cursorField,
      readAfter,
      overlapFrom,
      sliceUpTo,
      limit,
    );
    // The prefetched first page serves this query once, if the query is the one it answered.
    const start = prefetchedStart(prefetched, soql);
    prefetched = undefined;
    const sliceStart = readAfter;
    state.usedRest = true;
    // A slice is stored as one batch, so its versions share packs of a useful size; the cursor moves with it.
    let batch: VersionInput[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const last = batch[batch.length - 1]!;
      // `cursor` is the stored cursor (this run holds the object's lease); the write checks it did not move.
      const next = laterCursor(cursor, { systemModstamp: last.systemModstamp, id: last.id });
      const result = await writeVersions(ctx.store, ctx.org.orgId, object.name, batch, {
        cursor: next,
        expectedCursor: cursor,
        schemaHash: object.describeHash,
        ...leaseOf(ctx),
      });
      state.written += result.written;
      cursor = next;
      batch = [];
    };
    const slice: SliceState = { full: false };
    /** Rows the probe left for Bulk API 2.0 (null: the slice is read through REST). */
    let toBulk: number | null = null;
    /** Stopped between two pages: a probe reads up to `bulkThreshold` rows in one query, too long to finish first. */
    let stopped = false;
    try {
      for await (const page of slicePages(
        ctx,
        object.name,
        fields,
        support.cursorField,
        soql,
        limit,
        slice,
        start,
      )) {
        // The probe's LIMIT (a slice, at least the threshold) caps totalSize: reaching the threshold means Bulk.
        if (probe && (slice.totalSize ?? 0) >= ctx.options.bulkThreshold) {
          // A backlog for Bulk: the job reads all of it, this page included (2,000 rows read twice, no call more).
          toBulk = slice.totalSize!;
          rowBytes = csvRowBytes(page);
          break;
        }
        if (page.length > 0) {
          const versions = page.map((r) => toVersion(r, fieldTypes, 'rest', support.cursorField));
          batch.push(...versions);
          const last = versions[versions.length - 1]!;
          readAfter = laterCursor(readAfter, { systemModstamp: last.systemModstamp, id: last.id });
          // A probe has no LIMIT: its rows are still stored a slice's worth at a time.
          if (batch.length >= Math.min(MAX_BATCH_VERSIONS, ctx.options.restSliceSize)) await flush();
          report(page.length);
        }
        if (ctx.signal?.aborted) {
          stopped = true;
          break;
        }
      }
    } catch (err) {
      // The API budget refused the next page: the pages at hand are stored first, as at a stop (object-slice.ts).
      if (err instanceof BudgetExhaustedError) await flush();
      if (!isQueryTimeout(err)) throw err;
      // What was read is kept (in cursor order); the rest of the range is asked for again in a smaller piece.
      await flush();
      if (probe) {
        // The whole backlog at once was too much: a COUNT() decides between Bulk and LIMIT slices.
        probe = false;
        const backlog = await countRows(ctx, object.name, support.cursorField, readAfter ?? cursor, upTo);
        if (backlog > ctx.options.bulkThreshold) return throughBulk(backlog);
        continue;
      }
      spanMs = halveSpan(err, lower ?? earliest(upTo), sliceUpTo, ++halvings);
      ctx.logger.warn(
        { event: 'query-timeout', object: object.name, spanMs },
        'Salesforce timed out on a REST slice; retrying with a smaller time span',
      );
      continue;
    }
    await flush();
    // Stopping (in the overlap too): what was read is stored, the cursor never moved back, the next pass goes on.
    if (stopped) return false;
    probe = false;
    if (toBulk !== null) {
      // A totalSize the slice's LIMIT capped says only "at least this many": the org's count tells the rest.
      if (toBulk >= limit) toBulk = Math.max(toBulk, (await estimatedBacklog(ctx, object)) ?? 0);
      return throughBulk(toBulk);
    }
    if (!slice.full) {
      // A slice that was not cut short by its LIMIT reached its upper bound: everything up to there is stored.
      if (sliceUpTo.getTime() >= upTo.getTime()) return true;
      readAfter = laterCursor(readAfter, { systemModstamp: sliceUpTo.toISOString(), id: MAX_ID });
      if (ctx.signal?.aborted) return false;
      continue;
    }
    // Stopping (in the overlap too): what was read is stored, the cursor never moved back, the next pass starts over.
    if (ctx.signal?.aborted) return false;
    // A caught-up object's delta larger than a slice (a mass update, an import) is a backlog: its further reads
    // spend the backfill share, not the reserve that keeps every object's checks going (api-governor.ts).
    if (ctx.session.defaultKind === 'check') ctx = { ...ctx, session: ctx.session.forKind('backfill') };
    if (readAfter?.systemModstamp === sliceStart?.systemModstamp && readAfter?.id === sliceStart?.id) {
      // Only possible when split queries disagreed on every row (heavy concurrent change): try again next pass.
      throw new Error(
        `${object.name}: a full slice made no progress from ${JSON.stringify(sliceStart)}; retrying on the next pass`,
      );
    }
  }
}

/** Salesforce's answer to a query that ran too long (REST API, errorCode QUERY_TIMEOUT). */
function isQueryTimeout(err: unknown): err is SalesforceError {
  return err instanceof SalesforceError && err.errorCode === 'QUERY_TIMEOUT';
}

/**
 * The time span of the next try after a timeout over (from, to]: half of it, in whole seconds. Gives up (throws
 * the timeout, whose hint tells the user) when the span is one second or after MAX_HALVINGS in a row.
 */
function halveSpan(err: SalesforceError, from: Date, to: Date, halvings: number): number {
  const span = to.getTime() - from.getTime();
  if (span <= 1000 || halvings > MAX_HALVINGS) throw err;
  return Math.max(1000, Math.floor(span / 2000) * 1000);
}

/** Halvings before a timeout is final: 2^-12 of the first range (a 30-year range down to under 3 days). */
const MAX_HALVINGS = 12;

/** The end of a span starting at `from`: whole seconds, at least one second on, at most `upTo`. */
function spanEnd(from: Date, spanMs: number, upTo: Date): Date {
  const end = Math.floor((from.getTime() + spanMs) / 1000) * 1000;
  return new Date(Math.min(upTo.getTime(), Math.max(end, Math.floor(from.getTime() / 1000) * 1000 + 1000)));
}

/** A lower bound for an object's first range when nothing is known of it: older than any Salesforce record. */
function earliest(upTo: Date): Date {
  return new Date(upTo.getTime() - 30 * 365 * 24 * 3600_000);
}

function reached(cursor: PackCursor | null, upTo: Date): boolean {
  return !!cursor && new Date(cursor.systemModstamp).getTime() >= upTo.getTime();
}

/**
 * Objects Salesforce only lists with an Id filter (ContentDocumentLink) are read through batches of their
 * parents' Ids. Rows arrive grouped by parent, not in cursor order, so the cursor moves once, with the pass's last
 * write, after every batch is stored; that write names the pass's earlier packs (`requires`), so a rebuild restores
 * the cursor only with all of them. An interrupted pass reads again and deduplication absorbs the repeat.
 */
async function backupThroughParents(
  ctx: EngineContext,
  object: RegistryObject,
  support: Supported,
  access: { parentObject: string; parentField: string },
  fieldTypes: FieldTypes,
  upTo: Date,
  report: (n: number) => void,
  state: PassState,
  /** The query of the parents' Ids and the batches, as read ahead (first-slices.ts); asked here when not given. */
  prefetched: PrefetchedSlice | undefined,
): Promise<void> {
  const parentIdsStart = prefetchedStart(prefetched, parentIdsQuery(access.parentObject));
  const ask = prefetched?.ask;
  const start = object.cursor;
  let newest: PackCursor | null = start;
  state.usedRest = true;
  // Rows are stored in batches of a useful pack size; the last batch (maybe empty) carries the cursor.
  let batch: VersionInput[] = [];
  const written: string[] = [];
  const flush = async (cursor?: PackCursor) => {
    const result = await writeVersions(ctx.store, ctx.org.orgId, object.name, batch, {
      schemaHash: object.describeHash,
      ...(cursor ? { cursor, expectedCursor: start, requires: [...written] } : {}),
      ...leaseOf(ctx),
    });
    state.written += result.written;
    written.push(...result.packs);
    batch = [];
  };
  const read = async (soql: string, first: RawQueryPage | undefined) => {
    const more = parentIdsStart.more;
    const options = {
      batchSize: 2000,
      keepAttributes: true,
      ...(first ? { first } : {}),
      ...(more ? { more } : {}),
    };
    for await (const page of queryPages<Record<string, unknown>>(ctx.session, soql, options)) {
      if (page.records.length === 0) continue;
      const versions = page.records.map((r) => toVersion(r, fieldTypes, 'rest', support.cursorField));
      batch.push(...versions);
      for (const v of versions) newest = laterCursor(newest, { systemModstamp: v.systemModstamp, id: v.id });
      if (batch.length >= MAX_BATCH_VERSIONS) await flush();
      report(page.records.length);
    }
  };
  // The queries of 5 parent batches go in one `/composite` call (composite.ts): an org's documents cost a call per
  // 1,500 instead of per 300. Read ahead, they ride in other runs' calls (first-slices.ts). A subrequest that failed
  // is asked again on its own, which reports its error as usual.
  const readGroup = async (soqls: string[]) => {
    const firsts = ask ? await ask(soqls) : await readTogether(soqls);
    for (const [i, soql] of soqls.entries()) await read(soql, firsts[i]);
  };
  const readTogether = async (soqls: string[]): Promise<(RawQueryPage | undefined)[]> => {
    if (soqls.length <= 1) return [];
    const results = await compositeGets(
      ctx.session,
      soqls.map((soql, i) => querySubrequest(`parents${i}`, soql, PARENT_BATCH_OPTIONS)),
      ctx.session.defaultKind,
    );
    return soqls.map((_, i) => {
      const result = results.get(`parents${i}`);
      return result?.ok ? (result.body as RawQueryPage) : undefined;
    });
  };
  let group: string[] = [];
  for await (const soql of batchQueries(
    ctx,
    object,
    access,
    start,
    upTo,
    parentIdsStart,
    prefetched?.batches,
  )) {
    group.push(soql);
    if (group.length === MAX_QUERY_SUBREQUESTS) {
      await readGroup(group);
      group = [];
    }
  }
  if (group.length > 0) await readGroup(group);
  if (newest && newest !== start) await flush(newest);
  else if (batch.length > 0) await flush();
}

/** Parent Ids per query: keeps the query URL well under Salesforce's 16 KB limit. */
export const PARENT_IDS_PER_QUERY = 300;

/** The batch queries of a run through parents' Ids: as read ahead, or one per batch of the parents' Ids it reads. */
async function* batchQueries(
  ctx: EngineContext,
  object: RegistryObject,
  access: { parentObject: string; parentField: string },
  after: PackCursor | null,
  upTo: Date,
  parentIdsStart: QueryStart,
  readAhead: string[] | undefined,
): AsyncGenerator<string> {
  if (readAhead) return yield* readAhead;
  const batches = parentIdBatches(ctx, access.parentObject, PARENT_IDS_PER_QUERY, false, parentIdsStart);
  for await (const parents of batches) yield parentBatchQuery(object, access, after, upTo, parents);
}

/** How a batch of an object read through its parents' Ids is asked: pages of 2,000 rows. */
export const PARENT_BATCH_OPTIONS = { batchSize: 2000 };

/** One batch's query: the rows of these parents changed after `after`, up to `upTo`. */
function parentBatchQuery(
  object: RegistryObject,
  access: { parentField: string },
  after: PackCursor | null,
  upTo: Date,
  parents: readonly string[],
): string {
  const support = object.supportDetail as Supported;
  return selectWindow({
    object: object.name,
    fields: object.fields!.map((f) => f.name),
    cursorField: support.cursorField,
    after,
    upTo,
    filter: `${access.parentField} IN (${idList(parents)})`,
    orderBy: false,
  });
}

/**
 * The batch queries a run of an object read through its parents' Ids asks once it has these Ids (all of them), up
 * to `upTo`: the same queries as the run's (first-slices.ts reads them ahead). Empty for other objects.
 */
export function parentBatchQueries(
  object: RegistryObject,
  upTo: Date,
  parentIds: readonly string[],
): string[] {
  const support = object.supportDetail as Supported | undefined;
  if (!support?.supported || !object.fields || support.access.kind !== 'parent-id-batches') return [];
  const access = support.access;
  return inBatches(parentIds, PARENT_IDS_PER_QUERY).map((parents) =>
    parentBatchQuery(object, access, object.cursor, upTo, parents),
  );
}

/**
 * Salesforce refuses request lines over 16 KB (414), and there is no POST form of query, so a field list that
 * would make the URL too long is read as several queries over the same window, each with Id and the cursor field,
 * merged by (cursor field, Id). A record that changed between those queries drops out of the later ones and is
 * left for a later slice; the slice ends where the first of the queries was cut short by its LIMIT.
 */
const MAX_QUERY_CHARS = 12_000;

/** What a slice's reading found: cut short by its LIMIT (`full`), and the query's totalSize (single query only). */
export interface SliceState {
  full: boolean;
  totalSize?: number;
}

/** Whether `soql` goes to Salesforce as one REST query (else slicePages splits its field list). */
function fitsOneQuery(soql: string): boolean {
  return encodeURIComponent(soql).length <= MAX_QUERY_CHARS;
}

/** Where a caught-up object's reading starts: `overlapMs` before its cursor (late commits), else undefined. */
function overlapStart(ctx: EngineContext, object: RegistryObject): Date | undefined {
  const cursor = object.cursor;
  return object.backfillCompletedAt && cursor
    ? new Date(new Date(cursor.systemModstamp).getTime() - ctx.options.overlapMs)
    : undefined;
}

/** A REST slice's query: rows after `readAfter` (or from `overlapFrom` when not started) up to `upTo`, LIMIT `limit`. */
function sliceQuery(
  object: string,
  fields: string[],
  cursorField: string,
  readAfter: PackCursor | null,
  overlapFrom: Date | undefined,
  upTo: Date,
  limit: number,
): string {
  return selectWindow({
    object,
    fields,
    cursorField,
    after: readAfter,
    upTo,
    ...(readAfter === null && overlapFrom ? { from: overlapFrom } : {}),
    limit,
  });
}

/** A run's first REST query: queryAll for records' windows (deleted rows too), query for parents' Ids. */
export interface FirstQuery {
  soql: string;
  scanAll: boolean;
  /** The query of the parents' Ids of an object read through them: its batch queries follow from the answer. */
  parents?: true;
}

/**
 * The query an object's run starts with, up to `upTo`, when that is one REST query whose first page can be read
 * ahead with other objects' (first-slices.ts); undefined when the run starts otherwise (a COUNT(), a split field
 * list). An object read through its parents' Ids starts with the query of those Ids.
 */
export function firstSliceQuery(
  ctx: EngineContext,
  object: RegistryObject,
  upTo: Date,
): FirstQuery | undefined {
  const support = object.supportDetail as Supported | undefined;
  if (!support?.supported || !object.fields) return undefined;
  // Read through batches of its parents' Ids: the run starts with the query of those Ids.
  if (support.access.kind === 'parent-id-batches')
    return { soql: parentIdsQuery(support.access.parentObject), scanAll: false, parents: true };
  if (support.access.kind !== 'query') return undefined;
  const fields = object.fields.map((f) => f.name);
  const overlapFrom = overlapStart(ctx, object);
  const readAfter = overlapFrom ? null : object.cursor;
  const soql = sliceQuery(
    object.name,
    fields,
    support.cursorField,
    readAfter,
    overlapFrom,
    upTo,
    ctx.options.restSliceSize,
  );
  if (!fitsOneQuery(soql)) return undefined;
  // A backfill's probe (backupByCursor) may have to start with a COUNT() instead.
  if (
    !object.backfillCompletedAt &&
    support.bulk &&
    probeNeedsCount(ctx, object.name, support, fields, object.cursor, upTo)
  )
    return undefined;
  return { soql, scanAll: true };
}

/**
 * Whether a backfill's backlog is told by a COUNT() rather than by its first REST slice's totalSize: a field list
 * too long for one REST query is read as several (slicePages), and a slice smaller than the Bulk threshold cannot
 * tell a backlog past it.
 */
function probeNeedsCount(
  ctx: EngineContext,
  object: string,
  support: Supported,
  fields: string[],
  after: PackCursor | null,
  upTo: Date,
): boolean {
  const whole = selectWindow({ object, fields, cursorField: support.cursorField, after, upTo });
  return !fitsOneQuery(whole) || ctx.options.restSliceSize < ctx.options.bulkThreshold;
}

export async function* slicePages(
  ctx: EngineContext,
  object: string,
  fields: string[],
  cursorField: string,
  soql: string,
  limit: number,
  slice: SliceState,
  start: QueryStart = {},
): AsyncGenerator<Array<Record<string, unknown>>> {
  // Pages of 2,000 rows, the most Salesforce gives (Sforce-Query-Options batchSize): one call per 2,000 rows.
  // Each record keeps its `attributes` (toVersion ignores them): no copy of every record.
  const options = { scanAll: true, batchSize: 2000, keepAttributes: true };
  if (fitsOneQuery(soql)) {
    let rows = 0;
    const pages = queryPages<Record<string, unknown>>(ctx.session, soql, {
      ...options,
      ...start,
    });
    for await (const page of pages) {
      rows += page.records.length;
      slice.totalSize ??= page.totalSize;
      yield page.records;
    }
    slice.full = rows >= limit;
    return;
  }
  const selectList = `SELECT ${fields.join(', ')} FROM ${object}`;
  if (!soql.startsWith(selectList)) throw new Error(`cannot split the field list of: ${soql.slice(0, 200)}`);
  const tail = soql.slice(selectList.length);
  const keyFields = ['Id', cursorField, ...(fields.includes('IsDeleted') ? ['IsDeleted'] : [])];
  const groups = splitFields(
    fields.filter((f) => !keyFields.includes(f)),
    keyFields,
    (group) => encodeURIComponent(`SELECT ${group.join(', ')} FROM ${object}${tail}`).length,
  );
  const results: Array<Array<Record<string, unknown>>> = [];
  for (const group of groups) {
    const rows: Array<Record<string, unknown>> = [];
    const groupSoql = `SELECT ${group.join(', ')} FROM ${object}${tail}`;
    for await (const page of queryPages<Record<string, unknown>>(ctx.session, groupSoql, options))
      rows.push(...page.records);
    results.push(rows);
  }
  const keyOf = (r: Record<string, unknown>) =>
    `${canonicalDatetime(cursorField, r[cursorField])}|${String(r.Id)}`;
  // Where a query hit its LIMIT, nothing after its last row is known to the others.
  const cuts = results.filter((rows) => rows.length >= limit).map((rows) => keyOf(rows[rows.length - 1]!));
  const end = cuts.length > 0 ? cuts.sort()[0] : undefined;
  const byKey = results.slice(1).map((rows) => new Map(rows.map((r) => [keyOf(r), r])));
  const merged: Array<Record<string, unknown>> = [];
  for (const row of results[0]!) {
    const key = keyOf(row);
    if (end !== undefined && key > end) break;
    const parts = byKey.map((m) => m.get(key));
    if (parts.every((p) => p !== undefined)) merged.push(Object.assign({}, row, ...parts));
  }
  slice.full = end !== undefined;
  yield merged;
}

/** Splits fields into groups (each starting with the key fields) whose query stays under MAX_QUERY_CHARS. */
function splitFields(rest: string[], keyFields: string[], lengthOf: (group: string[]) => number): string[][] {
  const groups: string[][] = [];
  let current = [...keyFields];
  for (const field of rest) {
    const candidate = [...current, field];
    if (current.length > keyFields.length && lengthOf(candidate) > MAX_QUERY_CHARS) {
      groups.push(current);
      current = [...keyFields, field];
    } else current = candidate;
  }
  groups.push(current);
  return groups;
}

/** Versions stored per write: large enough for packs of several MiB, small enough to bound memory. */
const MAX_BATCH_VERSIONS = 20_000;

function laterCursor(a: PackCursor | null, b: PackCursor): PackCursor {
  return a && compareVersions(a, b) >= 0 ? a : b;
}

/** A record as read (REST JSON or Bulk CSV row) → its canonical version, keyed by the object's cursor field. */
export function toVersion(
  record: Record<string, unknown>,
  fieldTypes: FieldTypes,
  source: 'rest' | 'bulk',
  cursorField: string,
): VersionInput {
  const fields = canonicalizeRecord(record, fieldTypes, source);
  const id = fields.Id;
  const stamp = fields[cursorField];
  if (typeof id !== 'string' || id.length !== 18) throw new Error(`a ${source} row has no 18-character Id`);
  if (typeof stamp !== 'string') throw new Error(`record ${id} has no ${cursorField}`);
  return {
    id,
    systemModstamp: canonicalDatetime(cursorField, stamp),
    deleted: fields.IsDeleted === true,
    fields,
  };
}

async function countRows(
  ctx: EngineContext,
  object: string,
  cursorField: string,
  after: PackCursor | null,
  upTo: Date,
): Promise<number> {
  const page = await queryPages(ctx.session, countWindow(object, cursorField, after, upTo), {
    scanAll: true,
  }).next();
  return page.value?.totalSize ?? 0;
}

/** The oldest cursor-field value after `after` (one small query), where a window's time span starts. */
async function firstStamp(
  ctx: EngineContext,
  object: string,
  cursorField: string,
  after: PackCursor | null,
  upTo: Date,
): Promise<Date> {
  const soql = selectWindow({ object, fields: ['Id', cursorField], cursorField, after, upTo, limit: 1 });
  const page = await queryPages<Record<string, unknown>>(ctx.session, soql, { scanAll: true }).next();
  const stamp = page.value?.records[0]?.[cursorField];
  return typeof stamp === 'string' ? new Date(canonicalDatetime(cursorField, stamp)) : upTo;
}

interface BulkWindow {
  /** Inclusive end (whole seconds) of the window after the cursor. */
  end: Date;
  /** Rows in it: counted, or the whole backlog when the window runs to `upTo`. */
  rows: number;
}

/**
 * The next Bulk window after `after`: up to `upTo` when the `backlog` fits in `maxRows` (no call), else an end
 * placed by the rows' spread in time and checked with COUNT(): the guess assumes rows spread evenly, each
 * COUNT() corrects it by the ratio found, and a window of half to all of `maxRows` is taken — usually one or two
 * COUNT() calls a window, where a binary search on COUNT() spent about 30. Skewed spreads that do not settle
 * within a few tries fall back to that search.
 */
async function planWindow(
  ctx: EngineContext,
  object: string,
  cursorField: string,
  after: PackCursor | null,
  upTo: Date,
  backlog: number,
  maxRows: number,
): Promise<BulkWindow> {
  if (backlog <= maxRows) return { end: upTo, rows: backlog };
  const from = after
    ? new Date(after.systemModstamp)
    : await firstStamp(ctx, object, cursorField, after, upTo);
  const startMs = Math.floor(from.getTime() / 1000) * 1000;
  const aim = Math.floor(maxRows * 0.9);
  let spanMs = Math.max(1000, ((upTo.getTime() - startMs) * aim) / backlog);
  let best: BulkWindow | null = null;
  for (let tries = 0; tries < 4; tries++) {
    const end = spanEnd(new Date(startMs), spanMs, upTo);
    const rows = await countRows(ctx, object, cursorField, after, end);
    if (rows <= maxRows && (best === null || rows > best.rows)) best = { end, rows };
    // One second can hold more rows than `maxRows` (a mass update): then that second is the window.
    if (
      rows <= maxRows
        ? rows >= maxRows / 2 || end.getTime() >= upTo.getTime()
        : end.getTime() - startMs <= 1000
    )
      return { end, rows };
    spanMs = Math.max(1000, ((end.getTime() - startMs) * aim) / Math.max(rows, 1));
  }
  if (best && best.rows > 0) return best;
  const end = await windowEnd(ctx, object, cursorField, after, upTo, maxRows);
  return { end, rows: await countRows(ctx, object, cursorField, after, end) };
}

/** The latest whole second `end` in (start, upTo] whose window holds at most `max` rows (binary search on COUNT()). */
async function windowEnd(
  ctx: EngineContext,
  object: string,
  cursorField: string,
  after: PackCursor | null,
  upTo: Date,
  max: number,
): Promise<Date> {
  let low = after ? new Date(after.systemModstamp).getTime() : earliest(upTo).getTime();
  let high = upTo.getTime();
  for (let i = 0; i < 40 && high - low > 1000; i++) {
    const mid = Math.floor((low + high) / 2000) * 1000;
    if ((await countRows(ctx, object, cursorField, after, new Date(mid))) <= max) low = mid;
    else high = mid;
  }
  // One second can hold more rows than `max` (a mass update): then that second is the window.
  return new Date(
    Math.max(low, after ? Math.floor(new Date(after.systemModstamp).getTime() / 1000) * 1000 + 1000 : low),
  );
}

/**
 * Bulk API 2.0 over closed windows of at most `bulkWindowMaxRows` rows, the cursor jumping to each window's end
 * once all of it is stored. A window whose job fails (Salesforce reports a query that ran too long as a Failed
 * job, after its own retries) or times out is tried again at half the rows, down to `bulkMinWindowRows`, and the
 * windows after it stay at that size; below that the error stands, with its hint.
 */
async function bulkBackfill(
  ctx: EngineContext,
  object: RegistryObject,
  support: Supported,
  fields: string[],
  fieldTypes: FieldTypes,
  start: PackCursor | null,
  upTo: Date,
  report: (n: number) => void,
  state: PassState,
  backlog: number,
  rowBytes = 0,
): Promise<PackCursor | null> {
  let cursor = start;
  let maxRows = ctx.options.bulkWindowMaxRows;
  let rowsLeft = backlog;
  while (!reached(cursor, upTo)) {
    const window = await planWindow(ctx, object.name, support.cursorField, cursor, upTo, rowsLeft, maxRows);
    let done: PackCursor;
    try {
      done = await readBulkWindow(
        ctx,
        object,
        support,
        fields,
        fieldTypes,
        cursor,
        window,
        report,
        state,
        rowBytes,
      );
    } catch (err) {
      if (!isBulkTimeout(err)) throw err;
      const spanMs = window.end.getTime() - (cursor ? new Date(cursor.systemModstamp).getTime() : 0);
      if (window.rows <= ctx.options.bulkMinWindowRows || spanMs <= 1000) throw asQueryTimeout(err);
      maxRows = Math.max(ctx.options.bulkMinWindowRows, Math.floor(window.rows / 2));
      // The smaller window is planned from a count (the window's rows are known, the backlog's may be stale).
      rowsLeft = Math.max(rowsLeft, window.rows);
      ctx.logger.warn(
        {
          event: 'query-timeout',
          object: object.name,
          rows: window.rows,
          nextRows: maxRows,
          error: err.message,
        },
        'a Bulk query window failed; retrying with smaller windows',
      );
      continue;
    }
    cursor = done;
    rowsLeft = Math.max(0, rowsLeft - window.rows);
    if (ctx.signal?.aborted) break;
  }
  return cursor;
}

/** A failed job whose message says it timed out is filed as QUERY_TIMEOUT (whose hint explains it). */
function asQueryTimeout(err: SalesforceError): SalesforceError {
  if (err.errorCode !== 'BULK_JOB_FAILED' || !/QUERY_TIMEOUT/.test(err.message)) return err;
  return new SalesforceError(err.message, err.status, 'QUERY_TIMEOUT', err.path);
}

/** A Bulk job that failed (how Salesforce reports a query that ran too long) or a query timeout. */
function isBulkTimeout(err: unknown): err is SalesforceError {
  return err instanceof SalesforceError && ['BULK_JOB_FAILED', 'QUERY_TIMEOUT'].includes(err.errorCode);
}

/** Reads one window (cursor, end] through one Bulk job and moves the cursor to its end; returns that cursor. */
async function readBulkWindow(
  ctx: EngineContext,
  object: RegistryObject,
  support: Supported,
  fields: string[],
  fieldTypes: FieldTypes,
  cursor: PackCursor | null,
  window: BulkWindow,
  report: (n: number) => void,
  state: PassState,
  rowBytes: number,
): Promise<PackCursor> {
  const end = window.end;
  // The window's packs: the write that moves the cursor past the window names them (`requires`).
  const windowPacks: string[] = [];
  const soql = selectWindow({
    object: object.name,
    fields,
    cursorField: support.cursorField,
    after: cursor,
    upTo: end,
    orderBy: false,
  });
  // Stored without moving the cursor: the window counts as done only when all of it is stored.
  const store = async (versions: VersionInput[]) => {
    const result = await writeVersions(ctx.store, ctx.org.orgId, object.name, versions, {
      schemaHash: object.describeHash,
      ...leaseOf(ctx),
    });
    state.written += result.written;
    windowPacks.push(...result.packs);
    report(versions.length);
  };
  // A page's rows are stored as they arrive, a batch at a time: memory holds one batch, whatever the page's size.
  const storePage = async (body: Readable) => {
    let batch: VersionInput[] = [];
    for await (const row of csvRows(body)) {
      batch.push(toVersion(row, fieldTypes, 'bulk', support.cursorField));
      if (batch.length >= MAX_BATCH_VERSIONS) {
        await store(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await store(batch);
  };
  for await (const page of bulkQueryPages(ctx.session, soql, {
    scanAll: true,
    pageSize: ctx.options.bulkPageSize,
    // The first page sized from the probe's rows when known (later pages from what Bulk sent).
    ...(rowBytes > 0 ? { rowBytes } : {}),
    pageBytes: ctx.options.bulkPageBytes,
    pollIntervalMs: ctx.options.bulkPollIntervalMs,
    maxPollIntervalMs: ctx.options.bulkMaxPollIntervalMs,
    expectedRows: window.rows,
  })) {
    for (let attempt = 1; ; attempt++) {
      try {
        await storePage(attempt === 1 ? page.body : await page.reopen());
        break;
      } catch (err) {
        // A page whose stream broke part-way is read again from its start: what was stored of it is deduplicated.
        if (!isBrokenStream(err) || attempt >= PAGE_ATTEMPTS || ctx.signal?.aborted) throw err;
        ctx.logger.warn(
          { event: 'bulk-page-retry', object: object.name, attempt, err },
          'a Bulk results page broke off while being read; reading it again',
        );
      }
    }
  }
  const done: PackCursor = { systemModstamp: end.toISOString(), id: MAX_ID };
  // No versions: the cursor goes to the bucket as a progress pack that requires the window's packs.
  await writeVersions(ctx.store, ctx.org.orgId, object.name, [], {
    cursor: done,
    expectedCursor: cursor,
    requires: windowPacks,
    ...leaseOf(ctx),
  });
  return done;
}

/** About how many bytes a row takes in Bulk CSV: its values' text, quoted and separated (REST `attributes` aside). */
function csvRowBytes(rows: Array<Record<string, unknown>>): number {
  if (rows.length === 0) return 0;
  let bytes = 0;
  for (const row of rows)
    for (const [key, value] of Object.entries(row))
      if (key !== 'attributes')
        bytes += (value === null || value === undefined ? 0 : String(value).length) + 3;
  return Math.ceil(bytes / rows.length);
}

/** The rows of a Bulk CSV page (header line first), parsed as a stream from 1 MiB slices of the text. */
function csvRows(body: Readable): AsyncIterable<Record<string, string>> {
  const parser = parseCsv({ columns: true, skip_empty_lines: true, relax_column_count: false });
  // A failing source fails the parse (pipe alone would leave it waiting).
  body.on('error', (err) => parser.destroy(err));
  body.pipe(parser);
  return parser as AsyncIterable<Record<string, string>>;
}

/** Reads of one Bulk results page before its failure is final. */
const PAGE_ATTEMPTS = 3;

/** A results page cut off in transit (a reset, a premature close), as opposed to a CSV the parser refused. */
function isBrokenStream(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if ((err as { code?: string }).code?.startsWith('CSV_')) return false;
  if (err instanceof SalesforceError) return err.retryable;
  return true;
}
