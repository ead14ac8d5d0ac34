/** The dashboard, the object lists and "Start Auto Backup": what the package's main screens read. */
import { getDashboard, listExcluded, listObjects } from '../../app/dashboard.js';
import { enableBackup } from '../../app/settings.js';
import * as s from '../api-schemas.js';
import { route, type RouteSpec } from '../route-spec.js';

export const orgRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/dashboard',
    summary: 'Overall status, totals, time covered, progress by day, open errors and API use',
    auth: 'key',
    params: s.orgParams,
    answer: s.dashboard,
    errors: [],
    handle: async ({ params }, deps) => ({ body: await getDashboard(deps.app, params.orgId) }),
  }),
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/objects',
    summary:
      'The objects backed up or to be backed up, sorted by a column (default the API name); filter by status, ' +
      'search name or label, file objects only; with the figures of the whole list',
    auth: 'key',
    params: s.orgParams,
    query: s.objectsQuery,
    answer: s.objectPage,
    errors: ['INVALID_CURSOR'],
    handle: async ({ params, query }, deps) => ({ body: await listObjects(deps.app, params.orgId, query) }),
  }),
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/excluded',
    summary:
      'Objects not backed up because Salesforce will not list them in full, with the reason; by API name or ' +
      'label, a page at a time, with their total',
    auth: 'key',
    params: s.orgParams,
    query: s.excludedQuery,
    answer: s.excludedObjects,
    errors: ['INVALID_CURSOR'],
    handle: async ({ params, query }, deps) => ({ body: await listExcluded(deps.app, params.orgId, query) }),
  }),
  route({
    method: 'post',
    path: '/api/v1/orgs/{orgId}/enable',
    summary: 'Starts Auto Backup for an org registered paused or never enabled (to the configured bucket)',
    auth: 'key',
    params: s.orgParams,
    body: s.emptyBody,
    answer: s.enabled,
    errors: [],
    handle: async ({ params }, deps) => ({ body: await enableBackup(deps.app, params.orgId) }),
  }),
];
