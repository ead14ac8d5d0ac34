/**
 * Field refresh: when fields become readable (a permission granted, a custom field added), the records stored
 * before hold no value for them. Those records are read again in cursor order, up to the object's cursor (later
 * ones are read with the new fields anyway). A record whose new fields hold a value gets a new version — a
 * revision when its SystemModstamp did not change (see the version writer); one whose new fields are all empty is
 * left as it is, since an absent field reads as empty. The refresh keeps its own cursor, so it spans slices; once
 * it reaches the object's cursor, the fields count as held for every record (`covered_fields`, checked by verify).
 */
import { canonicalDatetime, type FieldTypes } from '../store/packs/canonical-record.js';
import type { PackCursor } from '../store/packs/pack-format.js';
import {
  advanceFieldRefresh,
  completeFieldRefresh,
  type RegistryObject,
} from '../store/registry/object-registry.js';
import { writeVersions } from '../store/versions/version-writer.js';
import { leaseOf, type EngineContext } from './engine-context.js';
import type { ObjectSupport } from './object-support.js';
import { slicePages, toVersion } from './record-backup.js';
import { selectWindow } from './soql.js';

type Supported = Extract<ObjectSupport, { supported: true }>;

export interface FieldRefreshResult {
  /** False when the run stopped before the refresh reached the object's cursor. */
  complete: boolean;
  written: number;
}

export async function refreshFields(ctx: EngineContext, object: RegistryObject): Promise<FieldRefreshResult> {
  const refresh = object.fieldRefresh;
  const support = object.supportDetail as Supported | null;
  if (!refresh || !object.fields || !support?.supported) return { complete: true, written: 0 };
  const knex = ctx.store.knex;
  const readable = new Set(object.fields.map((f) => f.name));
  // A field that became unreadable again is dropped from the refresh.
  const wanted = refresh.fields.filter((f) => readable.has(f));
  if (wanted.length === 0 || !object.cursor || support.access.kind !== 'query') {
    // Objects listed only through batches of their parents' Ids have no cursor order to re-read by: their records
    // get the new fields' values with their next change.
    await completeFieldRefresh(knex, object.objectKey, [], refresh.fields, ctx.lease);
    return { complete: true, written: 0 };
  }
  const fields = object.fields.map((f) => f.name);
  const fieldTypes: FieldTypes = Object.fromEntries(object.fields.map((f) => [f.name, f.type]));
  const cursorField = support.cursorField;
  const upTo = new Date(object.cursor.systemModstamp);
  let cursor: PackCursor | null = refresh.cursor;
  let written = 0;
  for (;;) {
    const soql = selectWindow({
      object: object.name,
      fields,
      cursorField,
      after: cursor,
      upTo,
      limit: ctx.options.restSliceSize,
    });
    const slice = { full: false };
    for await (const page of slicePages(
      ctx,
      object.name,
      fields,
      cursorField,
      soql,
      ctx.options.restSliceSize,
      slice,
    )) {
      if (page.length === 0) continue;
      const valued = page
        .filter((r) => wanted.some((f) => r[f] !== null && r[f] !== undefined))
        .map((r) => toVersion(r, fieldTypes, 'rest', cursorField));
      if (valued.length > 0)
        written += (
          await writeVersions(ctx.store, ctx.org.orgId, object.name, valued, {
            schemaHash: object.describeHash,
            ...leaseOf(ctx),
          })
        ).written;
      const last = page[page.length - 1]!;
      cursor = { systemModstamp: canonicalDatetime(cursorField, last[cursorField]), id: String(last.Id) };
      await advanceFieldRefresh(knex, object.objectKey, cursor, ctx.lease);
    }
    if (!slice.full) {
      await completeFieldRefresh(knex, object.objectKey, wanted, refresh.fields, ctx.lease);
      return { complete: true, written };
    }
    if (ctx.signal?.aborted) return { complete: false, written };
  }
}
