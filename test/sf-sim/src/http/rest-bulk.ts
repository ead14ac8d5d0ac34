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

function listJobs(req: DataRequest, ctx: SimContext): WireResponse {
  const records = ctx.bulk.list().map((job) => ctx.bulk.info(job, job.state, true));
  return json(200, { done: true, records, nextRecordsUrl: null });
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
