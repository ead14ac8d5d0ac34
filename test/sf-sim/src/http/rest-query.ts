import type { QueryPage } from '../org/api.js';
import type { DataRequest, DataRoute } from './context.js';
import { json } from './context.js';
import { WireError } from './errors.js';
import { queryColumns } from './query-columns.js';

/**
 * `/query` and `/queryAll` (facts §2.5): first pages from the org, `nextRecordsUrl` paging through
 * `/query/<locator>` (queryAll cursors too), `Sforce-Query-Options: batchSize=N`.
 */
function batchSize(req: DataRequest): number | undefined {
  const header = req.headers['sforce-query-options'];
  if (typeof header !== 'string') return undefined;
  const match = /batchSize\s*=\s*(\d+)/i.exec(header);
  return match ? Number(match[1]) : undefined;
}

function pageBody(page: QueryPage, apiVersion: string): Record<string, unknown> {
  const body: Record<string, unknown> = { totalSize: page.totalSize, done: page.done };
  if (!page.done && page.nextLocator)
    body.nextRecordsUrl = `/services/data/v${apiVersion}/query/${page.nextLocator}`;
  body.records = page.records;
  return body;
}

function firstPage(req: DataRequest, ctx: Parameters<DataRoute['handle']>[1], scanAll: boolean) {
  const soql = req.query.get('q');
  if (soql === null || soql.trim() === '')
    throw new WireError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  const size = batchSize(req);
  const page = ctx.org.query(soql, {
    scanAll,
    apiVersion: req.apiVersion,
    ...(size !== undefined ? { batchSize: size } : {}),
  });
  if (req.query.get('columns') === 'true') return json(200, queryColumns(ctx.org, soql, req.apiVersion));
  applyTimeoutFault(req, ctx, soql, page.totalSize);
  return json(200, pageBody(page, req.apiVersion));
}

/** The `queryTimeout` fault: a query (not COUNT()) over more rows than the rule's `rows` ran too long. */
function applyTimeoutFault(
  req: DataRequest,
  ctx: Parameters<DataRoute['handle']>[1],
  soql: string,
  rows: number,
): void {
  if (/^\s*SELECT\s+COUNT\(\s*\)/i.test(soql)) return;
  const search = req.query.toString();
  const target = `/services/data/v${req.apiVersion}${req.rest}${search ? `?${search}` : ''}`;
  const rule = ctx.faults.match(target, ['queryTimeout'], (r) => rows > r.rows);
  if (rule) throw new WireError(rule.status, rule.errorCode, rule.message);
}

function nextPage(req: DataRequest, ctx: Parameters<DataRoute['handle']>[1]) {
  const locator = decodeURIComponent(req.params.locator ?? '');
  const size = batchSize(req);
  const page = ctx.org.queryMore(locator, {
    apiVersion: req.apiVersion,
    ...(size !== undefined ? { batchSize: size } : {}),
  });
  return json(200, pageBody(page, req.apiVersion));
}

export const queryRoutes: DataRoute[] = [
  {
    methods: ['GET'],
    pattern: /^\/query\/?$/,
    kind: 'query',
    handle: (req, ctx) => firstPage(req, ctx, false),
  },
  {
    methods: ['GET'],
    pattern: /^\/queryAll\/?$/,
    kind: 'queryAll',
    handle: (req, ctx) => firstPage(req, ctx, true),
  },
  {
    methods: ['GET'],
    pattern: /^\/query(?:All)?\/(?<locator>[^/]+)\/?$/,
    kind: 'queryMore',
    handle: nextPage,
  },
];
