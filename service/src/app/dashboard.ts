/**
 * The dashboard and the object lists, as the package and `autobackup status` show them. Everything comes from
 * the stored counters and state (statuses are computed at read time in backup/status.ts); nothing counts rows.
 */
import { findRegisteredOrg } from '../backup/engine-factory.js';
import { fileObjectSpec } from '../backup/file-backup.js';
import {
  buildDashboard,
  listedObjects,
  objectStatus,
  toListItem,
  type Dashboard,
  type ObjectListItem,
  type ObjectStatus,
} from '../backup/status.js';
import { fileCounters } from '../store/files/file-bodies.js';
import type { OrgRecord } from '../store/orgs/org-repository.js';
import { dashboardFigures, objectErrorNames } from '../store/registry/dashboard-data.js';
import { listRegistryForStatus, type RegistryObject } from '../store/registry/object-registry.js';
import type { AppContext } from './app-context.js';
import type { Page } from './paging.js';
import { sortedPage, type SortOrder, type SortValue } from './sorted-paging.js';

export interface ExcludedObject {
  name: string;
  label: string;
  reason: string;
}

interface OrgState {
  org: OrgRecord;
  registry: RegistryObject[];
  withErrors: ReadonlySet<string>;
}

async function orgState(ctx: AppContext, orgId: string): Promise<OrgState> {
  return stateOf(ctx, await findRegisteredOrg(ctx.store.knex, orgId));
}

async function stateOf(ctx: AppContext, org: OrgRecord): Promise<OrgState> {
  const [registry, withErrors] = await Promise.all([
    listRegistryForStatus(ctx.store.knex, org.orgId),
    objectErrorNames(ctx.store.knex, org.orgId),
  ]);
  return { org, registry, withErrors };
}

function listItems(
  org: OrgRecord,
  registry: RegistryObject[],
  withErrors: ReadonlySet<string>,
): ObjectListItem[] {
  return listedObjects(registry).map((o) => toListItem(o, objectStatus(o, org, withErrors)));
}

/** A file object's item with its bodies backed up and their bytes (other objects unchanged). */
function withFileCounters(
  item: ObjectListItem,
  counters: Map<string, { files: number; fileBytes: number }>,
): ObjectListItem {
  if (!fileObjectSpec(item.name)) return item;
  const c = counters.get(item.name);
  return { ...item, files: c?.files ?? 0, fileBytes: c?.fileBytes ?? 0 };
}

function excludedObjects(registry: RegistryObject[]): ExcludedObject[] {
  return registry
    .filter((o) => o.support === 'unsupported')
    .map((o) => ({ name: o.name, label: o.label ?? o.name, reason: o.supportReason ?? '' }));
}

/** The dashboard and the state it was computed from; the figures and the registry are read at once. */
async function readDashboard(
  ctx: AppContext,
  orgId: string,
): Promise<{ state: OrgState; dashboard: Dashboard }> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  const [state, figures] = await Promise.all([
    stateOf(ctx, org),
    dashboardFigures(ctx.store.knex, org.orgId),
  ]);
  const dashboard = buildDashboard({
    org,
    objects: state.registry,
    figures,
    storage: ctx.store.blobs.url,
    objectsWithErrors: state.withErrors,
    now: ctx.now(),
  });
  return { state, dashboard };
}

export async function getDashboard(ctx: AppContext, orgId: string): Promise<Dashboard> {
  return (await readDashboard(ctx, orgId)).dashboard;
}

/** `autobackup status`: the dashboard, every listed object and the excluded ones, read at one moment. */
export async function getStatusReport(
  ctx: AppContext,
  orgId: string,
): Promise<Dashboard & { objects: ObjectListItem[]; excluded: ExcludedObject[] }> {
  const { state, dashboard } = await readDashboard(ctx, orgId);
  const counters = await fileCounters(ctx.store.knex, state.org.orgId);
  return {
    ...dashboard,
    objects: listItems(state.org, state.registry, state.withErrors).map((i) => withFileCounters(i, counters)),
    excluded: excludedObjects(state.registry),
  };
}

export const OBJECT_SORTS = [
  'name',
  'label',
  'status',
  'records',
  'versions',
  'files',
  'fileBytes',
  'lastBackupAt',
  'caughtUpTo',
] as const;
export type ObjectSort = (typeof OBJECT_SORTS)[number];

export interface ObjectQuery {
  status?: ObjectStatus | undefined;
  /** Part of the API name or label, any case. */
  q?: string | undefined;
  /** Only the file objects (ContentVersion, Attachment, Document). */
  files?: boolean | undefined;
  /** The column the list is sorted by (default: the API name) and its direction (default ascending). */
  sort?: ObjectSort | undefined;
  order?: SortOrder | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** The whole list in figures, whatever the filter: what the list's header says. */
export interface ObjectListSummary {
  /** Objects listed (backed up or to be backed up). */
  objects: number;
  /** Of them, those the filter and search match. */
  matching: number;
  /** File objects listed, the file bodies backed up for them and their bytes. */
  fileObjects: number;
  files: number;
  fileBytes: number;
  /** Objects not backed up because they are unsupported (the excluded objects list). */
  unsupported: number;
}

function sortValue(item: ObjectListItem, sort: ObjectSort): SortValue {
  return item[sort] ?? null;
}

/**
 * The object list, filtered by status, a search text and files, sorted by a column, a page at a time, with
 * the figures of the whole list.
 */
export async function listObjects(
  ctx: AppContext,
  orgId: string,
  query: ObjectQuery,
): Promise<Page<ObjectListItem> & { summary: ObjectListSummary }> {
  const { org, registry, withErrors } = await orgState(ctx, orgId);
  const needle = query.q?.trim().toLowerCase();
  const counters = await fileCounters(ctx.store.knex, org.orgId);
  const listed = listItems(org, registry, withErrors).map((i) => withFileCounters(i, counters));
  const matching = listed
    .filter((i) => query.status === undefined || i.status === query.status)
    .filter((i) => !query.files || i.files !== undefined)
    .filter(
      (i) => !needle || i.name.toLowerCase().includes(needle) || i.label.toLowerCase().includes(needle),
    );
  const page = sortedPage(
    matching,
    { sort: query.sort ?? 'name', order: query.order ?? 'asc', cursor: query.cursor, limit: query.limit },
    sortValue,
    (i) => i.name,
  );
  const fileObjects = listed.filter((i) => i.files !== undefined);
  const summary: ObjectListSummary = {
    objects: listed.length,
    matching: matching.length,
    fileObjects: fileObjects.length,
    files: fileObjects.reduce((sum, i) => sum + (i.files ?? 0), 0),
    fileBytes: fileObjects.reduce((sum, i) => sum + (i.fileBytes ?? 0), 0),
    unsupported: excludedObjects(registry).length,
  };
  return { ...page, summary };
}

export const EXCLUDED_SORTS = ['name', 'label'] as const;
export type ExcludedSort = (typeof EXCLUDED_SORTS)[number];

export interface ExcludedQuery {
  sort?: ExcludedSort | undefined;
  order?: SortOrder | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * Objects not backed up because Salesforce will not list them in full, with the reason: sorted by API name or
 * label, a page at a time, with how many there are.
 */
export async function listExcluded(
  ctx: AppContext,
  orgId: string,
  query: ExcludedQuery = {},
): Promise<Page<ExcludedObject> & { total: number }> {
  const { registry } = await orgState(ctx, orgId);
  const all = excludedObjects(registry);
  const page = sortedPage(
    all,
    { sort: query.sort ?? 'name', order: query.order ?? 'asc', cursor: query.cursor, limit: query.limit },
    (o, sort) => o[sort],
    (o) => o.name,
  );
  return { ...page, total: all.length };
}
