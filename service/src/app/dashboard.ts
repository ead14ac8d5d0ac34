/**
 * The dashboard and the object lists, as the package and `autobackup status` show them. Everything comes from
 * the stored counters and state (statuses are computed at read time in backup/status.ts); nothing counts rows.
 */
import { z } from 'zod';
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
import { decodeCursor, encodeCursor, pageLimit, type Page } from './paging.js';

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

export interface ObjectQuery {
  status?: ObjectStatus | undefined;
  /** Part of the API name or label, any case. */
  q?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

const objectCursor = z.object({ after: z.string().min(1) }).strict();

/** The object list, by API name, filtered by status and a search text, a page at a time. */
export async function listObjects(
  ctx: AppContext,
  orgId: string,
  query: ObjectQuery,
): Promise<Page<ObjectListItem>> {
  const { org, registry, withErrors } = await orgState(ctx, orgId);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, objectCursor).after;
  const needle = query.q?.trim().toLowerCase();
  const limit = pageLimit(query.limit);
  const matching = listItems(org, registry, withErrors)
    .filter((i) => query.status === undefined || i.status === query.status)
    .filter((i) => !needle || i.name.toLowerCase().includes(needle) || i.label.toLowerCase().includes(needle))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .filter((i) => after === undefined || i.name > after);
  const counters = await fileCounters(ctx.store.knex, org.orgId);
  const items = matching.slice(0, limit).map((i) => withFileCounters(i, counters));
  const more = matching.length > limit;
  return { items, next: more ? encodeCursor({ after: items[items.length - 1]!.name }) : null };
}

/** Objects not backed up because Salesforce will not list them in full, with the reason. */
export async function listExcluded(ctx: AppContext, orgId: string): Promise<{ items: ExcludedObject[] }> {
  const { registry } = await orgState(ctx, orgId);
  return { items: excludedObjects(registry) };
}
