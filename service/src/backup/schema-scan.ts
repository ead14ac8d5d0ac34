/**
 * The schema scan: describeGlobal plus a describe of every object the integration user can read (with
 * If-Modified-Since, so unchanged objects cost a 304). New objects and fields join on their own; an object that
 * disappears from describeGlobal becomes Unavailable; a field that loses access stops being queried; every such
 * change is recorded, and changed describes are snapshotted by hash.
 */
import pLimit from 'p-limit';
import {
  describeGlobal,
  describeObject,
  type DescribeField,
  type GlobalObject,
} from '../salesforce/describe.js';
import { EXCLUDED_FIELD_TYPES } from '../store/packs/canonical-record.js';
import { findOrg, updateOrgSettings } from '../store/orgs/org-repository.js';
import {
  applyExclusions,
  listRegistry,
  recordSchemaChanges,
  setObjectAccess,
  queueFieldRefresh,
  setObjectFields,
  upsertScannedObject,
  type ObjectField,
  type RegistryObject,
} from '../store/registry/object-registry.js';
import { saveSchemaSnapshot } from '../store/schemas/schema-snapshots.js';
import { scanDueAt } from '../jobs/due-work.js';
import type { EngineContext } from './engine-context.js';
import { trackFieldDefinitions } from './field-history.js';
import { decideObjectSupport } from './object-support.js';

export interface ScanResult {
  objects: number;
  supported: number;
  unsupported: number;
  unavailable: string[];
  changes: Array<{ object: string; field?: string; change: string }>;
  /** False when the scan stopped early (ctx.signal): what it described is recorded, and it is not counted as run. */
  complete: boolean;
}

/** The fields a backup reads: every readable field except blobs and compound address/location values. */
export function versionedFields(fields: readonly DescribeField[]): ObjectField[] {
  return fields.filter((f) => !EXCLUDED_FIELD_TYPES.has(f.type)).map((f) => ({ name: f.name, type: f.type }));
}

/**
 * A scan when one is due by the org's clock, on the cadence the scheduler keeps (due-work.ts `scanDueAt`). A
 * foreground pass that loops (`autobackup backup`) scans on its first pass and then on this cadence, not every 30 s
 * (each scan costs a describeGlobal call even when nothing changed). Otherwise the registry's account, unchanged.
 */
export async function scanSchemaWhenDue(engine: EngineContext): Promise<ScanResult> {
  const org = await findOrg(engine.store.knex, engine.org.orgId);
  const dueAt = scanDueAt(
    org?.lastScanAt,
    org?.schedule ?? engine.org.schedule,
    engine.options.scanIntervalMs,
  );
  return dueAt <= engine.session.clock.now().getTime() ? scanSchema(engine) : schemaAsKnown(engine);
}

/** The schema as the registry holds it (a scan that found nothing changed, or none due). */
async function schemaAsKnown(ctx: EngineContext): Promise<ScanResult> {
  const known = (await listRegistry(ctx.store.knex, ctx.org.orgId)).filter((o) => o.access === 'available');
  const supported = known.filter((o) => o.support === 'supported').length;
  return {
    objects: known.length,
    supported,
    unsupported: known.length - supported,
    unavailable: [],
    changes: [],
    complete: true,
  };
}

/** How far before the last scan an unchanged-schema check asks from. */
const UNCHANGED_SCAN_MARGIN_MS = 5 * 60_000;

export async function scanSchema(engine: EngineContext): Promise<ScanResult> {
  // A scan's calls are `schema` calls for the API budget governor (they share the check reserve).
  const ctx: EngineContext = { ...engine, session: engine.session.forKind('schema') };
  const { org, session, store, logger } = ctx;
  const knex = store.knex;
  // Unchanged metadata costs one call: describeGlobal with If-Modified-Since answers 304 when no object's metadata
  // changed since (REST API Developer Guide, "Get a List of Objects If Metadata Has Changed"), and then no describe
  // is needed. Asked from a little before the last scan (a change during it is looked at again); the first scan of
  // each UTC day describes everything regardless, for changes Salesforce might not date (field access).
  const askedAt = session.clock.now();
  // The last scan as stored now: a context kept across passes (`autobackup backup` looping) holds an older copy.
  const lastScanAt = (await findOrg(knex, org.orgId))?.lastScanAt ?? org.lastScanAt;
  const since =
    lastScanAt && lastScanAt.toISOString().slice(0, 10) === askedAt.toISOString().slice(0, 10)
      ? new Date(lastScanAt.getTime() - UNCHANGED_SCAN_MARGIN_MS)
      : undefined;
  const globalList = await describeGlobal(session, since);
  if (globalList === 'not-modified') {
    await updateOrgSettings(knex, org.orgId, { lastScanAt: askedAt });
    const known = await schemaAsKnown(ctx);
    logger.info({ type: 'schema-scan', orgId: org.orgId, objects: known.objects }, 'schema unchanged');
    return known;
  }
  const scanTime = session.clock.now();
  const registry = new Map((await listRegistry(knex, org.orgId)).map((o) => [o.name, o]));
  const visible = new Map(globalList.map((g) => [g.name, g]));
  const changes: ScanResult['changes'] = [];

  // Objects the user no longer sees.
  const lost = [...registry.values()]
    .filter((o) => o.access === 'available' && o.support !== 'unknown' && !visible.has(o.name))
    .map((o) => o.name);
  await setObjectAccess(knex, org.orgId, lost, 'unavailable');
  for (const name of lost) changes.push({ object: name, change: 'object_unavailable' });

  const limit = pLimit(ctx.options.describeConcurrency);
  let supported = 0;
  let unsupported = 0;
  await Promise.all(
    [...visible.values()].map((entry) =>
      limit(async () => {
        // Stopping (Ctrl-C, SIGTERM): no new describes; the ones under way finish and are recorded.
        if (ctx.signal?.aborted) return;
        const previous = registry.get(entry.name);
        const verdict = decideObjectSupport(entry);
        if (!verdict.supported) {
          unsupported += 1;
          await upsertScannedObject(knex, org.orgId, {
            name: entry.name,
            label: entry.label,
            support: 'unsupported',
            supportReason: verdict.reason,
            supportDetail: verdict,
          });
          return;
        }
        const outcome = await describeAndRecord(ctx, entry, previous, scanTime, changes);
        if (outcome === 'supported') supported += 1;
        else unsupported += 1;
      }),
    ),
  );
  await applyExclusions(knex, org.orgId, org.exclusions);
  await recordSchemaChanges(knex, org.orgId, changes, scanTime);
  const complete = !ctx.signal?.aborted;
  // Field metadata history and the missing-field report: only objects whose describe or access changed cost calls.
  if (complete) await trackFieldDefinitions(ctx, scanTime);
  if (complete) await updateOrgSettings(knex, org.orgId, { lastScanAt: scanTime });
  logger.info(
    {
      type: 'schema-scan',
      orgId: org.orgId,
      objects: visible.size,
      supported,
      unsupported,
      changes: changes.length,
      complete,
    },
    complete ? 'schema scanned' : 'schema scan stopped',
  );
  return { objects: visible.size, supported, unsupported, unavailable: lost, changes, complete };
}

async function describeAndRecord(
  ctx: EngineContext,
  entry: GlobalObject,
  previous: RegistryObject | undefined,
  scanTime: Date,
  changes: ScanResult['changes'],
): Promise<'supported' | 'unsupported'> {
  const { org, session, store } = ctx;
  const knex = store.knex;
  const since = previous?.fields && previous.describeSeenAt ? previous.describeSeenAt : undefined;
  const described = await describeObject(session, entry.name, since);
  let fields: ObjectField[];
  let newSnapshot: string | undefined; // hash of a describe that changed, recorded with the fields below
  const added: string[] = [];
  if (described === 'not-modified' && previous?.fields) {
    fields = previous.fields;
  } else {
    const describe = described === 'not-modified' ? await describeObject(session, entry.name) : described;
    if (describe === 'not-modified')
      throw new Error(`describe of ${entry.name} answered 304 without If-Modified-Since`);
    fields = versionedFields(describe.fields);
    newSnapshot = (await saveSchemaSnapshot(store, org.orgId, entry.name, describe)).hash;
    if (previous?.fields) {
      const before = new Set(previous.fields.map((f) => f.name));
      const after = new Set(fields.map((f) => f.name));
      for (const f of after) if (!before.has(f)) added.push(f);
      for (const f of added) changes.push({ object: entry.name, field: f, change: 'field_added' });
      for (const f of before)
        if (!after.has(f)) changes.push({ object: entry.name, field: f, change: 'field_unavailable' });
    } else if (!previous || previous.support === 'unknown') {
      changes.push({ object: entry.name, change: 'object_added' });
    }
  }
  if (previous?.access === 'unavailable') changes.push({ object: entry.name, change: 'object_available' });
  const verdict = decideObjectSupport(entry, { fieldNames: new Set(fields.map((f) => f.name)) });
  await upsertScannedObject(knex, org.orgId, {
    name: entry.name,
    label: entry.label,
    support: verdict.supported ? 'supported' : 'unsupported',
    supportReason: verdict.supported ? null : verdict.reason,
    supportDetail: verdict,
  });
  if (newSnapshot) await setObjectFields(knex, org.orgId, entry.name, fields, newSnapshot, scanTime);
  // Records already stored lack the fields that became readable: they are read again for them (field-refresh.ts).
  if (added.length > 0 && previous?.fields)
    await queueFieldRefresh(
      knex,
      org.orgId,
      entry.name,
      added,
      previous.fields.map((f) => f.name),
    );
  return verdict.supported ? 'supported' : 'unsupported';
}
