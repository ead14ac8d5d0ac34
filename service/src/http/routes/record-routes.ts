/** A record's backed-up versions, newest first, a page at a time. */
import { recordVersions } from '../../app/record-history.js';
import * as s from '../api-schemas.js';
import { route, type RouteSpec } from '../route-spec.js';

export const recordRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/records/{object}/{id}/versions',
    summary: "A record's versions, newest first; `next` is the `before` of the next (older) page",
    auth: 'key',
    params: s.recordParams,
    query: s.historyQuery,
    answer: s.recordVersions,
    errors: [],
    handle: async ({ params, query }, deps) => ({
      body: await recordVersions(deps.app, params.orgId, params.object, params.id, query),
    }),
  }),
];
