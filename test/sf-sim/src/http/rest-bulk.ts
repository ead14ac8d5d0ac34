import type { DataRequest, DataRoute, SimContext, WireResponse } from './context.js';
import { json } from './context.js';
import { parseJsonObject } from './body.js';
import type { BulkJob } from './bulk-jobs.js';
import { DELIMITERS, LINE_ENDINGS } from './csv.js';
import { WireError } from './errors.js';

/**
 * Bulk API 2.0 query routes (facts §4): create (`POST jobs/query`), list, job info, abort
 * (`PATCH` state Aborted), delete, and results pages with `Sforce-Locator` /
 * `Sforce-NumberOfRecords`, gzip when the client accepts it.
 */
function invalidJob(message: string): WireError {
  return new WireError(400, 'INVALIDJOB', message);
}

function stringField(
  body: Record<string, unknown>,
  name: string,
  allowed: readonly string[],
  fallback: string,
): string {
  const value = body[name] ?? fallback;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalidJob(`Invalid ${name}: ${String(value)}. Expected one of ${allowed.join(', ')}`);
  }
  return value;
}

/** The `bulkJobFailed` fault: a rule matching this path makes the job end in Failed. */
function applyFailureFault(ctx: SimContext, path: string, job: BulkJob): void {
  const rule = ctx.faults.match(path, ['bulkJobFailed']);
  if (rule) ctx.bulk.failJob(job, rule.message);
}

/** The `queryTimeout` fault, drawn when the job is created: the job fails if it reads more than `rows` rows. */
function applyTimeoutFault(ctx: SimContext, path: string, job: BulkJob): void {
  const rule = ctx.faults.match(path, ['queryTimeout']);
  if (rule) ctx.bulk.timeOutAbove(job, rule.rows, `${rule.errorCode} : ${rule.message}`);
}

function fullPath(req: DataRequest): string {
  return `/services/data/v${req.apiVersion}${req.rest}`;
}

function createJob(req: DataRequest, ctx: SimContext): WireResponse {
  const body = parseJsonObject(req.bodyText);
  const operation = stringField(body, 'operation', ['query', 'queryAll'], '');
  if (typeof body.query !== 'string' || body.query.trim() === '')
    throw invalidJob('The query field is required');
  stringField(body, 'contentType', ['CSV'], 'CSV');
  const job = ctx.bulk.create({
    operation: operation as 'query' | 'queryAll',
    query: body.query,
    columnDelimiter: stringField(body, 'columnDelimiter', Object.keys(DELIMITERS), 'COMMA'),
    lineEnding: stringField(body, 'lineEnding', Object.keys(LINE_ENDINGS), 'LF'),
    apiVersion: req.apiVersion,
    createdById: req.session.userId,
  });
  applyFailureFault(ctx, fullPath(req), job);
  applyTimeoutFault(ctx, fullPath(req), job);
  return json(200, ctx.bulk.info(job, job.state, false));
}

function jobOf(req: DataRequest, ctx: SimContext): BulkJob {
  return ctx.bulk.get(decodeURIComponent(req.params.id ?? ''));
}

function jobInfo(req: DataRequest, ctx: SimContext): WireResponse {
  const job = jobOf(req, ctx);
  if (req.method === 'DELETE') {
    ctx.bulk.delete(job);
    return { status: 204, empty: true };
  }
  if (req.method === 'PATCH') {
    const body = parseJsonObject(req.bodyText);
    if (body.state !== 'Aborted')
      throw invalidJob(`Invalid state: ${String(body.state)}. A query job can only be set to Aborted`);
    ctx.bulk.abort(job);
    return json(200, ctx.bulk.info(job, job.state, false));
  }
  applyFailureFault(ctx, fullPath(req), job);
  return json(200, ctx.bulk.info(job, ctx.bulk.observeState(job), true));
}

/** One optional enum parameter of the job list; a value outside `allowed` is a 400. */
function listParam<T extends string>(
  req: DataRequest,
  name: string,
  allowed: readonly T[],
  caseInsensitive = false,
): T | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  const found = allowed.find((a) => (caseInsensitive ? a.toLowerCase() === raw.toLowerCase() : a === raw));
  if (found === undefined) throw invalidJob(`Invalid ${name}: ${raw}. Expected one of ${allowed.join(', ')}`);
  return found;
}

/**
 * `GET /jobs/query[?isPkChunkingEnabled&jobType&concurrencyMode|queryLocator]`: pages of up to
 * 1,000 jobs (`ctx.bulk.listPageSize`), `nextRecordsUrl` `…/jobs/query?queryLocator=…` until the
 * last page, which has `"nextRecordsUrl":null`.
 */
function listJobs(req: DataRequest, ctx: SimContext): WireResponse {
  const locator = req.query.get('queryLocator');
  let page;
  if (locator !== null && locator !== '') {
    page = ctx.bulk.listPage({ locator });
  } else {
    const pk = listParam(req, 'isPkChunkingEnabled', ['true', 'false'] as const);
    const jobType = listParam(req, 'jobType', ['Classic', 'V2Query', 'V2Ingest', 'BigObjectIngest'] as const);
    const mode = listParam(req, 'concurrencyMode', ['serial', 'parallel'] as const, true);
    page = ctx.bulk.listPage({
      filter: {
        ...(pk !== undefined ? { isPkChunkingEnabled: pk === 'true' } : {}),
        ...(jobType !== undefined ? { jobType } : {}),
        ...(mode !== undefined ? { concurrencyMode: mode } : {}),
      },
    });
  }
  const records = page.jobs.map((job) => ctx.bulk.listEntry(job));
  const nextRecordsUrl =
    page.nextLocator === null
      ? null
      : `/services/data/v${req.apiVersion}/jobs/query?queryLocator=${encodeURIComponent(page.nextLocator)}`;
  return json(200, { done: page.nextLocator === null, records, nextRecordsUrl });
}

async function results(req: DataRequest, ctx: SimContext): Promise<WireResponse> {
  const job = jobOf(req, ctx);
  if (job.apiVersion !== req.apiVersion) {
    throw new WireError(
      409,
      'API_ERROR',
      `Job ${job.id} was created with API version ${job.apiVersion}; request its results with the same version`,
    );
  }
  if (job.state !== 'JobComplete') {
    throw new WireError(400, 'API_ERROR', `Job is not in a valid state for getting results: ${job.state}`);
  }
  const rawMax = req.query.get('maxRecords');
  let maxRecords: number | null = null;
  if (rawMax !== null) {
    if (!/^\d+$/.test(rawMax) || Number(rawMax) < 1) {
      throw new WireError(400, 'INVALIDMAXRECORDS', `maxRecords must be a positive integer, got '${rawMax}'`);
    }
    maxRecords = Number(rawMax);
  }
  const page = await ctx.bulk.page(job, req.query.get('locator'), maxRecords);
  return {
    status: 200,
    stream: page.body,
    headers: {
      'Content-Type': 'text/csv',
      'Sforce-Locator': page.nextLocator,
      'Sforce-NumberOfRecords': String(page.rows),
    },
  };
}

export const bulkRoutes: DataRoute[] = [
  {
    methods: ['GET', 'POST'],
    pattern: /^\/jobs\/query\/?$/,
    kind: 'bulkQueryJob',
    compositeAllowed: false,
    handle: (req, ctx) => (req.method === 'POST' ? createJob(req, ctx) : listJobs(req, ctx)),
  },
  {
    methods: ['GET', 'PATCH', 'DELETE'],
    pattern: /^\/jobs\/query\/(?<id>[^/]+)\/?$/,
    kind: 'bulkQueryJob',
    compositeAllowed: false,
    handle: jobInfo,
  },
  {
    methods: ['GET'],
    pattern: /^\/jobs\/query\/(?<id>[^/]+)\/results\/?$/,
    kind: 'bulkQueryResults',
    compositeAllowed: false,
    handle: results,
  },
];
