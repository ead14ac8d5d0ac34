/**
 * Backs up one object's record versions: oldest first by the cursor (SystemModstamp — or CreatedDate for
 * immutable objects — then Id), up to the org's now − lag. Large backlogs go through Bulk API 2.0 over closed
 * windows without ORDER BY (the cursor jumps to the window's end once the whole window is stored); small
 * deltas through REST query slices, each page committed with the cursor after its last row. queryAll is
 * used throughout, so soft deletes arrive as versions with IsDeleted = true. Once caught up, each pass also
 * re-reads a short overlap before the cursor, catching transactions that committed late.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { bulkQueryCsvPages } from '../salesforce/bulk-query.js';
import { queryPages } from '../salesforce/rest-query.js';
import { canonicalDatetime, canonicalizeRecord, type FieldTypes } from '../store/packs/canonical-record.js';
import type { PackCursor } from '../store/packs/pack-format.js';
import { markCaughtUp, type RegistryObject } from '../store/registry/object-registry.js';
import { compareVersions, type VersionInput } from '../store/versions/version-entry.js';
import { recordBackfillComplete, writeVersions } from '../store/versions/version-writer.js';
import { leaseOf, windowUpperBound, type EngineContext } from './engine-context.js';
import type { ObjectSupport } from './object-support.js';
import { idList, parentIdBatches } from './org-ids.js';
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

export async function backupRecords(
  ctx: EngineContext,
  object: RegistryObject,
  onProgress?: (read: number) => void,
): Promise<RecordBackupResult> {
  const support = object.supportDetail as Supported;
  if (!support?.supported || !object.fields)
    throw new Error(`${object.name} is not ready for backup (scan it first)`);
  const fieldTypes: FieldTypes = Object.fromEntries(object.fields.map((f) => [f.name, f.type]));
  const fields = object.fields.map((f) => f.name);
  const upTo = windowUpperBound(ctx);
  const state = { read: 0, written: 0, usedBulk: false, usedRest: false };
  const report = (n: number) => {
    state.read += n;
    onProgress?.(state.read);
  };

  let complete = true;
  if (support.access.kind === 'parent-id-batches') {
    await backupThroughParents(ctx, object, support, support.access, fields, fieldTypes, upTo, report, state);
  } else {
    complete = await backupByCursor(ctx, object, support, fields, fieldTypes, upTo, report, state);
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
 * Bulk windows for a large backlog, then REST slices until one comes back short of its LIMIT. Returns false when
 * it stopped early because the process is stopping (after storing the slice or window at hand).
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
): Promise<boolean> {
  let cursor = object.cursor;
  if (!object.backfillCompletedAt && support.bulk) {
    const backlog = await countRows(ctx, object.name, support.cursorField, cursor, upTo);
    if (backlog > ctx.options.bulkThreshold) {
      cursor = await bulkBackfill(ctx, object, support, fields, fieldTypes, cursor, upTo, report, state);
      state.usedBulk = true;
      if (ctx.signal?.aborted) return false;
    }
  }

  // REST slices until a slice comes back short: then everything up to `upTo` is stored.
  const overlapFrom =
    object.backfillCompletedAt && cursor
      ? new Date(new Date(cursor.systemModstamp).getTime() - ctx.options.overlapMs)
      : undefined;
  // Where the reading stands, apart from the stored `cursor`: a caught-up object is re-read from `overlapFrom`
  // (null: not started) through every slice up to the cursor and beyond, since a late commit can sit behind more
  // than a slice of changes in a busy overlap (issue #14); past the cursor the two are the same.
  let readAfter: PackCursor | null = overlapFrom ? null : cursor;
  for (;;) {
    const soql = selectWindow({
      object: object.name,
      fields,
      cursorField: support.cursorField,
      after: readAfter,
      upTo,
      ...(readAfter === null && overlapFrom ? { from: overlapFrom } : {}),
      limit: ctx.options.restSliceSize,
    });
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
    const slice = { full: false };
    for await (const page of slicePages(
      ctx,
      object.name,
      fields,
      support.cursorField,
      soql,
      ctx.options.restSliceSize,
      slice,
    )) {
      if (page.length === 0) continue;
      const versions = page.map((r) => toVersion(r, fieldTypes, 'rest', support.cursorField));
      batch.push(...versions);
      const last = versions[versions.length - 1]!;
      readAfter = laterCursor(readAfter, { systemModstamp: last.systemModstamp, id: last.id });
      if (batch.length >= MAX_BATCH_VERSIONS) await flush();
      report(page.length);
    }
    await flush();
    // A slice that was not cut short by its LIMIT reached `upTo`: everything up to there is stored.
    if (!slice.full) return true;
    // Stopping (in the overlap too): what was read is stored, the cursor never moved back, the next pass starts over.
    if (ctx.signal?.aborted) return false;
    if (readAfter?.systemModstamp === sliceStart?.systemModstamp && readAfter?.id === sliceStart?.id) {
      // Only possible when split queries disagreed on every row (heavy concurrent change): try again next pass.
      throw new Error(
        `${object.name}: a full slice made no progress from ${JSON.stringify(sliceStart)}; retrying on the next pass`,
      );
    }
  }
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
  fields: string[],
  fieldTypes: FieldTypes,
  upTo: Date,
  report: (n: number) => void,
  state: PassState,
): Promise<void> {
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
  for await (const parents of parentIdBatches(ctx, access.parentObject, PARENT_IDS_PER_QUERY, false)) {
    const soql = selectWindow({
      object: object.name,
      fields,
      cursorField: support.cursorField,
      after: start,
      upTo,
      filter: `${access.parentField} IN (${idList(parents)})`,
      orderBy: false,
    });
    for await (const page of queryPages<Record<string, unknown>>(ctx.session, soql, { batchSize: 2000 })) {
      if (page.records.length === 0) continue;
      const versions = page.records.map((r) => toVersion(r, fieldTypes, 'rest', support.cursorField));
      batch.push(...versions);
      for (const v of versions) newest = laterCursor(newest, { systemModstamp: v.systemModstamp, id: v.id });
      if (batch.length >= MAX_BATCH_VERSIONS) await flush();
      report(page.records.length);
    }
  }
  if (newest && newest !== start) await flush(newest);
  else if (batch.length > 0) await flush();
}

/** Parent Ids per query: keeps the query URL well under Salesforce's 16 KB limit. */
const PARENT_IDS_PER_QUERY = 300;

/**
 * Salesforce refuses request lines over 16 KB (414), and there is no POST form of query, so a field list that
 * would make the URL too long is read as several queries over the same window, each with Id and the cursor field,
 * merged by (cursor field, Id). A record that changed between those queries drops out of the later ones and is
 * left for a later slice; the slice ends where the first of the queries was cut short by its LIMIT.
 */
const MAX_QUERY_CHARS = 12_000;

export async function* slicePages(
  ctx: EngineContext,
  object: string,
  fields: string[],
  cursorField: string,
  soql: string,
  limit: number,
  slice: { full: boolean },
): AsyncGenerator<Array<Record<string, unknown>>> {
  const options = { scanAll: true, batchSize: 2000 };
  if (encodeURIComponent(soql).length <= MAX_QUERY_CHARS) {
    let rows = 0;
    for await (const page of queryPages<Record<string, unknown>>(ctx.session, soql, options)) {
      rows += page.records.length;
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

/** The latest whole second `end` in (start, upTo] whose window holds at most `max` rows (binary search on COUNT()). */
async function windowEnd(
  ctx: EngineContext,
  object: string,
  cursorField: string,
  after: PackCursor | null,
  upTo: Date,
  max: number,
): Promise<Date> {
  if ((await countRows(ctx, object, cursorField, after, upTo)) <= max) return upTo;
  let low = after ? new Date(after.systemModstamp).getTime() : upTo.getTime() - 30 * 365 * 24 * 3600_000;
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
): Promise<PackCursor | null> {
  let cursor = start;
  while (!cursor || new Date(cursor.systemModstamp).getTime() < upTo.getTime()) {
    // The window's packs: the write that moves the cursor past the window names them (`requires`).
    const windowPacks: string[] = [];
    const end = await windowEnd(
      ctx,
      object.name,
      support.cursorField,
      cursor,
      upTo,
      ctx.options.bulkWindowMaxRows,
    );
    const soql = selectWindow({
      object: object.name,
      fields,
      cursorField: support.cursorField,
      after: cursor,
      upTo: end,
      orderBy: false,
    });
    for await (const csv of bulkQueryCsvPages(ctx.session, soql, {
      scanAll: true,
      pageSize: ctx.options.bulkPageSize,
      pollIntervalMs: ctx.options.bulkPollIntervalMs,
    })) {
      const rows = parseCsv(csv, {
        columns: true,
        skip_empty_lines: true,
        relax_column_count: false,
      }) as Array<Record<string, string>>;
      if (rows.length === 0) continue;
      const versions = rows.map((r) => toVersion(r, fieldTypes, 'bulk', support.cursorField));
      // Stored without moving the cursor: the window counts as done only when all of it is stored.
      const result = await writeVersions(ctx.store, ctx.org.orgId, object.name, versions, {
        schemaHash: object.describeHash,
        ...leaseOf(ctx),
      });
      state.written += result.written;
      windowPacks.push(...result.packs);
      report(rows.length);
    }
    const done: PackCursor = { systemModstamp: end.toISOString(), id: MAX_ID };
    // No versions: the cursor goes to the bucket as a progress pack that requires the window's packs.
    await writeVersions(ctx.store, ctx.org.orgId, object.name, [], {
      cursor: done,
      expectedCursor: cursor,
      requires: windowPacks,
      ...leaseOf(ctx),
    });
    cursor = done;
    if (end.getTime() >= upTo.getTime() || ctx.signal?.aborted) break;
  }
  return cursor;
}
