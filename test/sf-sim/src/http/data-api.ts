import type { DataRequest, DataRoute, SimContext, WireResponse } from './context.js';
import { json } from './context.js';
import { methodNotAllowed, notFound, toWireError, WireError } from './errors.js';
import { bulkRoutes } from './rest-bulk.js';
import { compositeRoutes } from './rest-composite.js';
import { limitRoutes } from './rest-limits.js';
import { queryRoutes } from './rest-query.js';
import { sobjectRoutes } from './rest-sobjects.js';
import { identityUrl } from './oauth.js';
import { resourceList } from './versions.js';

/**
 * The routing table of the data API (`/services/data/vNN.0/...`): finds the route of a request
 * and runs it, turning the org's `SimError`s into Salesforce error responses. Authentication and
 * API-call counting happen around it (server.ts, and composite for its subrequests).
 */
const resourceRoute: DataRoute = {
  methods: ['GET'],
  pattern: /^\/?$/,
  kind: 'resources',
  handle: (req, ctx) => json(200, resourceList(req.apiVersion, identityUrl(ctx, req.session.userId))),
};

const ROUTES: DataRoute[] = [
  resourceRoute,
  ...sobjectRoutes,
  ...queryRoutes,
  ...limitRoutes,
  ...compositeRoutes,
  ...bulkRoutes,
];

export interface RouteMatch {
  route: DataRoute;
  params: Record<string, string>;
}

/** The route for `method rest`; WireError 404 when no path matches, 405 when the method does not. */
export function findDataRoute(method: string, rest: string): RouteMatch {
  let allowed: string[] | undefined;
  for (const route of ROUTES) {
    const m = route.pattern.exec(rest);
    if (!m) continue;
    if (route.methods.includes(method) || (method === 'HEAD' && route.methods.includes('GET'))) {
      return { route, params: { ...(m.groups ?? {}) } };
    }
    allowed ??= [...route.methods];
  }
  if (allowed) throw methodNotAllowed(method, allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed);
  throw notFound();
}

/** Renders anything thrown while handling a request as the response Salesforce would send. */
export function errorResponse(err: unknown): WireResponse {
  const wire = toWireError(err);
  if (wire) return json(wire.status, wire.toBody());
  console.error('[sf-sim] unexpected error:', err);
  const message = err instanceof Error ? err.message : String(err);
  return json(
    500,
    new WireError(500, 'UNKNOWN_EXCEPTION', `An unexpected error occurred: ${message}`).toBody(),
  );
}

export async function runDataRoute(
  ctx: SimContext,
  match: RouteMatch,
  req: DataRequest,
): Promise<WireResponse> {
  try {
    return await match.route.handle(req, ctx);
  } catch (err) {
    return errorResponse(err);
  }
}
