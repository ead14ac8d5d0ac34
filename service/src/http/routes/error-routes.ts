/**
 * The error list, dismissing an error, and the CSV with the stack traces — through the package's callout (key)
 * or, when larger than a callout may carry, through a signed link the user's browser opens.
 */
import { dismissError, errorsCsv, errorsCsvLink, listErrors } from '../../app/error-list.js';
import * as s from '../api-schemas.js';
import { responseSink } from '../response-sink.js';
import { route, type RouteSpec } from '../route-spec.js';

export const errorRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/errors',
    summary: 'Open errors, newest first, optionally for one object',
    auth: 'key',
    params: s.orgParams,
    query: s.errorsQuery,
    answer: s.errorPage,
    errors: ['INVALID_CURSOR'],
    handle: async ({ params, query }, deps) => ({ body: await listErrors(deps.app, params.orgId, query) }),
  }),
  route({
    method: 'post',
    path: '/api/v1/orgs/{orgId}/errors/{errorId}/dismiss',
    summary: 'Dismisses one open error',
    auth: 'key',
    params: s.errorParams,
    body: s.emptyBody,
    answer: s.dismissed,
    errors: [],
    handle: async ({ params }, deps) => ({
      body: await dismissError(deps.app, params.orgId, params.errorId),
    }),
  }),
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/errors.csv',
    summary:
      'The open errors as CSV (RFC 4180, UTF-8 with BOM, stack traces included); with a service key or a signed link',
    auth: 'key-or-link',
    params: s.orgParams,
    query: s.signedLinkQuery.partial().strict(),
    answer: {
      mediaType: 'text/csv',
      description: 'columns at, object, recordId, code, message, hint, stack, id',
    },
    errors: [],
    handle: async ({ params, res }, deps) => {
      const csv = await errorsCsv(deps.app, params.orgId);
      await csv.writeTo(
        responseSink(res, {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${csv.fileName}"`,
        }),
      );
      return undefined;
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/orgs/{orgId}/errors.csv/link',
    summary:
      'A signed link to the CSV, valid for 5 minutes, and its size: the package fetches the CSV itself only up to 1,000,000 bytes',
    auth: 'key',
    params: s.orgParams,
    body: s.emptyBody,
    answer: s.csvLink,
    errors: ['NOT_CONFIGURED'],
    handle: async ({ params }, deps) => ({ body: await errorsCsvLink(deps.app, params.orgId, deps.signer) }),
  }),
];
