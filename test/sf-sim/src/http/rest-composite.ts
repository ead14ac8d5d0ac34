import type { DataRequest, DataRoute, SimContext, WireResponse } from './context.js';
import { json } from './context.js';
import { parseJsonObject } from './body.js';
import { errorResponse, findDataRoute, runDataRoute } from './data-api.js';
import { toWireError, WireError } from './errors.js';
import { isServedVersion } from './versions.js';

/**
 * Composite resources (facts §5): `/composite` (one API call for the lot, `@{ref.path}`
 * references, allOrNone), `/composite/batch` (each subrequest is one API call, haltOnError) and
 * sObject Collections `/composite/sobjects` (create/update/delete up to 200 records, retrieve
 * by ids).
 *
 * allOrNone (`/composite` body flag, sObject Collections body flag or `allOrNone=true` query
 * parameter for DELETE) runs the request in one org transaction: when any part fails nothing is
 * committed, and the parts that had succeeded report that they were rolled back. A composite with
 * allOrNone makes its collection subrequests all-or-none too (REST API guide, "allOrNone
 * Parameters in Composite and Collections Requests"). `/composite/batch` has no allOrNone: each
 * subrequest commits on its own and haltOnError only skips the rest (facts §5.2).
 */
const MAX_SUBREQUESTS = 25;
const MAX_COLLECTION_RECORDS = 200;
const PROCESSING_HALTED =
  'The transaction was rolled back since another operation in the same transaction failed.';

interface SubResult {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * The error fault rule (`action: "status"`, JSON format) that fires on a subrequest's url (path and query, as the
 * client wrote it), as its own answer: Salesforce answers a failing subrequest inside the 200 composite response
 * with that subrequest's status code and error body ("Composite" response body,
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/responses_composite.htm). Rules are
 * matched once per subrequest, and a rule that fires uses one of its `count` for it; a rule that fired on the
 * outer HTTP request already answered it, so its subrequests never ran and nothing is counted twice. Delay, reset
 * and hang rules, and HTML pages (an edge or CDN answering for the whole HTTP request) apply to the outer request
 * only.
 */
function subrequestFault(ctx: SimContext, target: string): SubResult | undefined {
  const rule = ctx.faults.match(target, ['status'], (r) => r.format === 'json');
  if (!rule) return undefined;
  ctx.stats.record(`fault:${rule.action}`, false);
  return {
    status: rule.status,
    body: new WireError(rule.status, rule.errorCode, rule.message).toBody(),
    headers: {},
  };
}

/** Runs one subrequest through the data API with the outer request's session. */
async function runSub(
  ctx: SimContext,
  outer: DataRequest,
  method: string,
  url: string,
  body: unknown,
  counted: boolean,
  allOrNone = false,
  subHeaders: Record<string, string> = {},
): Promise<SubResult> {
  const m = /^\/services\/data\/v(\d+\.\d)(\/[^?]*)?(?:\?(.*))?$/.exec(url);
  if (!m) {
    return {
      status: 400,
      body: [{ errorCode: 'INVALID_API_INPUT', message: `Invalid subrequest url: ${url}` }],
      headers: {},
    };
  }
  const apiVersion = m[1] ?? '';
  const rest = (m[2] ?? '').replace(/\/{2,}/g, '/');
  const query = new URLSearchParams(m[3] ?? '');
  const log = outer.logged;
  const loggedSub = log && ctx.requests.subrequest(log, rest, query);
  const fault = subrequestFault(
    ctx,
    url.replace(/^[^?]*/, (path) => path.replace(/\/{2,}/g, '/')),
  );
  if (fault) return fault;
  if (!isServedVersion(apiVersion, ctx.apiVersion)) {
    return {
      status: 404,
      body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
      headers: {},
    };
  }
  let response: WireResponse;
  try {
    const match = findDataRoute(method.toUpperCase(), rest);
    if (match.route.compositeAllowed === false) {
      throw new WireError(
        400,
        'INVALID_API_INPUT',
        `The ${match.route.kind} resource is not supported in a composite request.`,
      );
    }
    if (counted) {
      const allowed = ctx.limits.consume();
      ctx.stats.record(match.route.kind, true);
      if (!allowed) throw new WireError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    const req: DataRequest = {
      method: method.toUpperCase(),
      rest,
      query,
      headers: { ...outer.headers, ...subHeaders },
      params: match.params,
      apiVersion,
      session: outer.session,
      bodyText: body === undefined || body === null ? '' : JSON.stringify(body),
      sub: true,
      ...(allOrNone ? { allOrNone: true } : {}),
    };
    response = await runDataRoute(ctx, match, req);
  } catch (err) {
    response = errorResponse(err);
  }
  if (log && loggedSub) ctx.requests.learnSubrequest(log, loggedSub, response);
  if ('stream' in response) {
    return {
      status: 400,
      body: [
        {
          errorCode: 'INVALID_API_INPUT',
          message: 'Binary content is not supported in a composite request.',
        },
      ],
      headers: {},
    };
  }
  return {
    status: response.status,
    body: 'json' in response ? response.json : null,
    headers: response.headers ?? {},
  };
}

/**
 * A composite subrequest's own `httpHeaders` (e.g. If-Modified-Since on a describe), which Salesforce applies to
 * that subrequest ("You can also specify headers for each subrequest",
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite_post.htm).
 */
function subrequestHeaders(raw: unknown): Record<string, string> {
  if (raw === null || typeof raw !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>))
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  return out;
}

/** Reads `path` (e.g. `records[0].Id`) out of an earlier subresponse body. */
function lookupPath(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const token of path.match(/[^.[\]]+/g) ?? []) {
    if (value === null || value === undefined || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[token];
  }
  return value;
}

class ReferenceError_ extends Error {}

function resolveRefs(text: string, results: Map<string, SubResult>): string {
  return text.replace(
    /@\{([A-Za-z0-9_]+)((?:\.[^}.[\]]+|\[\d+\])*)\}/g,
    (_all, refId: string, path: string) => {
      const earlier = results.get(refId);
      const value = earlier && earlier.status < 400 ? lookupPath(earlier.body, path) : undefined;
      if (value === undefined || value === null || typeof value === 'object') {
        throw new ReferenceError_(
          `Invalid reference specified. No value for ${refId}${path} found in ${refId}. Provided referenceId ('${refId}') should be valid.`,
        );
      }
      return String(value);
    },
  );
}

function asArray(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new WireError(400, 'JSON_PARSER_ERROR', `"${name}" must be an array.`);
  return value;
}

interface CompositeEntry {
  entry: Record<string, unknown>;
  /** The subrequest failed: an error status, or a collection with a record that failed. */
  failed: boolean;
}

function haltedEntry(referenceId: string): Record<string, unknown> {
  return {
    body: [{ errorCode: 'PROCESSING_HALTED', message: PROCESSING_HALTED }],
    httpHeaders: {},
    httpStatusCode: 400,
    referenceId,
  };
}

function subFailed(result: SubResult): boolean {
  if (result.status >= 400) return true;
  return (
    Array.isArray(result.body) &&
    result.body.some(
      (r) => r !== null && typeof r === 'object' && (r as { success?: unknown }).success === false,
    )
  );
}

/** Runs the subrequests in order; with allOrNone, the ones after a failure are not run. */
async function runComposite(
  req: DataRequest,
  ctx: SimContext,
  subs: unknown[],
  allOrNone: boolean,
): Promise<CompositeEntry[]> {
  const results = new Map<string, SubResult>();
  const out: CompositeEntry[] = [];
  let failed = false;
  for (const raw of subs) {
    const sub = (raw ?? {}) as {
      method?: unknown;
      url?: unknown;
      referenceId?: unknown;
      body?: unknown;
      httpHeaders?: unknown;
    };
    const referenceId = typeof sub.referenceId === 'string' ? sub.referenceId : '';
    if (failed && allOrNone) {
      out.push({ entry: haltedEntry(referenceId), failed: false });
      continue;
    }
    let result: SubResult;
    if (!/^[A-Za-z0-9_]+$/.test(referenceId) || results.has(referenceId)) {
      result = {
        status: 400,
        body: [
          { errorCode: 'INVALID_API_INPUT', message: `Invalid or duplicate referenceId: '${referenceId}'` },
        ],
        headers: {},
      };
    } else {
      try {
        const url = resolveRefs(String(sub.url ?? ''), results);
        const subBody =
          sub.body === undefined ? undefined : JSON.parse(resolveRefs(JSON.stringify(sub.body), results));
        result = await runSub(
          ctx,
          req,
          String(sub.method ?? 'GET'),
          url,
          subBody,
          false,
          allOrNone,
          subrequestHeaders(sub.httpHeaders),
        );
      } catch (err) {
        if (!(err instanceof ReferenceError_)) throw err;
        result = {
          status: 400,
          body: [{ errorCode: 'PROCESSING_HALTED', message: err.message }],
          headers: {},
        };
      }
    }
    const subFailure = allOrNone ? subFailed(result) : result.status >= 400;
    if (subFailure) failed = true;
    results.set(referenceId, result);
    out.push({
      entry: { body: result.body, httpHeaders: result.headers, httpStatusCode: result.status, referenceId },
      failed: subFailure,
    });
  }
  return out;
}

/** The subrequests of a composite or batch body: 1 to MAX_SUBREQUESTS of them. */
function subrequests(
  body: Record<string, unknown>,
  field: 'compositeRequest' | 'batchRequests',
  kind: 'composite' | 'batch',
): unknown[] {
  const subs = asArray(body[field], field);
  if (subs.length === 0 || subs.length > MAX_SUBREQUESTS) {
    throw new WireError(
      400,
      'INVALID_API_INPUT',
      `A ${kind} request must have between 1 and ${MAX_SUBREQUESTS} subrequests, got ${subs.length}.`,
    );
  }
  return subs;
}

/** Route kinds that count as query or sObject Collections operations inside `/composite`. */
const QUERY_LIKE_KINDS = new Set(['query', 'queryAll', 'queryMore', 'sobjectCollections']);
const MAX_QUERY_SUBREQUESTS = 5;

/**
 * "You can have up to 25 subrequests in a single call. Up to 5 of these subrequests can be sObject Collections or
 * query operations, including Query and QueryAll requests" (REST API Developer Guide, "Send Multiple Requests Using
 * Composite": https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite_post.htm).
 * Like the 26th subrequest, a 6th query refuses the whole request before any subrequest runs.
 */
function checkQueryCount(subs: unknown[]): void {
  let queries = 0;
  for (const raw of subs) {
    const sub = (raw ?? {}) as { method?: unknown; url?: unknown };
    const m = /^\/services\/data\/v\d+\.\d(\/[^?]*)?/.exec(String(sub.url ?? ''));
    if (!m) continue;
    try {
      const match = findDataRoute(
        String(sub.method ?? 'GET').toUpperCase(),
        (m[1] ?? '').replace(/\/{2,}/g, '/'),
      );
      if (QUERY_LIKE_KINDS.has(match.route.kind)) queries += 1;
    } catch {
      // An unknown resource fails as its own subrequest.
    }
  }
  if (queries > MAX_QUERY_SUBREQUESTS) {
    throw new WireError(
      400,
      'INVALID_API_INPUT',
      `A composite request can have at most ${MAX_QUERY_SUBREQUESTS} query or sObject Collections subrequests, got ${queries}.`,
    );
  }
}

async function composite(req: DataRequest, ctx: SimContext): Promise<WireResponse> {
  const body = parseJsonObject(req.bodyText);
  const subs = subrequests(body, 'compositeRequest', 'composite');
  checkQueryCount(subs);
  if (body.allOrNone !== true) {
    const out = await runComposite(req, ctx, subs, false);
    return json(200, { compositeResponse: out.map((r) => r.entry) });
  }
  return ctx.org.transaction(async (tx) => {
    const out = await runComposite(req, ctx, subs, true);
    if (out.some((r) => r.failed)) {
      tx.rollback();
      // The failing subrequest keeps its own answer; every other one was rolled back or never ran.
      return json(200, {
        compositeResponse: out.map((r) =>
          r.failed ? r.entry : haltedEntry(String(r.entry.referenceId ?? '')),
        ),
      });
    }
    return json(200, { compositeResponse: out.map((r) => r.entry) });
  });
}

async function batch(req: DataRequest, ctx: SimContext): Promise<WireResponse> {
  const body = parseJsonObject(req.bodyText);
  const subs = subrequests(body, 'batchRequests', 'batch');
  const haltOnError = body.haltOnError === true;
  let hasErrors = false;
  const results: Array<{ statusCode: number; result: unknown }> = [];
  for (const raw of subs) {
    const sub = (raw ?? {}) as { method?: unknown; url?: unknown; richInput?: unknown };
    if (hasErrors && haltOnError) {
      results.push({
        statusCode: 412,
        result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }],
      });
      continue;
    }
    const relative = String(sub.url ?? '')
      .replace(/^\/+/, '')
      .replace(/^services\/data\//, '');
    const r = await runSub(
      ctx,
      req,
      String(sub.method ?? 'GET'),
      `/services/data/${relative}`,
      sub.richInput,
      true,
    );
    if (r.status >= 400) hasErrors = true;
    results.push({ statusCode: r.status, result: r.body });
  }
  return json(200, { hasErrors, results });
}

interface CollectionRecord {
  attributes?: { type?: unknown };
  id?: unknown;
  Id?: unknown;
  [field: string]: unknown;
}

function failure(err: unknown, id?: string): Record<string, unknown> {
  const wire = toWireError(err);
  if (!wire) throw err;
  return {
    ...(id ? { id } : {}),
    success: false,
    errors: [{ statusCode: wire.errorCode, message: wire.message, fields: wire.fields ?? [] }],
  };
}

/** The result of a record that succeeded but was rolled back because another one failed. */
function rolledBack(id?: string): Record<string, unknown> {
  return {
    ...(id ? { id } : {}),
    success: false,
    errors: [
      {
        statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        message:
          'Record rolled back because not all records were valid and the request was using AllOrNone header',
        fields: [],
      },
    ],
  };
}

function checkCount(n: number): void {
  if (n > MAX_COLLECTION_RECORDS) {
    throw new WireError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
    );
  }
}

/**
 * Runs one write per item. Without allOrNone each stands alone; with it they run in one
 * transaction and, when any fails, all are undone: failures keep their errors and the others
 * report ALL_OR_NONE_OPERATION_ROLLED_BACK (with the record's id for updates and deletes).
 */
async function writeAll<T>(
  ctx: SimContext,
  allOrNone: boolean,
  items: T[],
  writeOne: (item: T) => Record<string, unknown>,
  idOf: (item: T) => string | undefined,
): Promise<WireResponse> {
  if (!allOrNone) return json(200, items.map(writeOne));
  return ctx.org.transaction((tx) => {
    const out = items.map(writeOne);
    if (out.every((r) => r.success === true)) return json(200, out);
    tx.rollback();
    return json(
      200,
      out.map((r, i) => (r.success === true ? rolledBack(idOf(items[i]!)) : r)),
    );
  });
}

function recordId(record: CollectionRecord): string | undefined {
  return typeof record.id === 'string' ? record.id : typeof record.Id === 'string' ? record.Id : undefined;
}

function collectionWrite(req: DataRequest, ctx: SimContext): Promise<WireResponse> {
  const body = parseJsonObject(req.bodyText);
  const records = asArray(body.records, 'records') as CollectionRecord[];
  checkCount(records.length);
  const create = req.method === 'POST';
  const writeOne = (record: CollectionRecord): Record<string, unknown> => {
    const id = recordId(record);
    try {
      const type = record.attributes?.type;
      if (typeof type !== 'string' || type === '') {
        throw new WireError(400, 'INVALID_FIELD', 'No SObject Type defined in the attributes of a record.');
      }
      const { attributes: _a, id: _id, Id: _Id, ...fields } = record;
      if (create) return { ...ctx.org.create(type, fields) };
      if (!id) throw new WireError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
      ctx.org.update(type, id, fields);
      return { id, success: true, errors: [] };
    } catch (err) {
      return failure(err, id);
    }
  };
  // A rolled-back create has no id to report: the record never existed.
  return writeAll(ctx, body.allOrNone === true || req.allOrNone === true, records, writeOne, (r) =>
    create ? undefined : recordId(r),
  );
}

function collectionDelete(req: DataRequest, ctx: SimContext): Promise<WireResponse> {
  const ids = (req.query.get('ids') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new WireError(400, 'MISSING_ARGUMENT', 'ids parameter not specified');
  checkCount(ids.length);
  const deleteOne = (id: string): Record<string, unknown> => {
    try {
      ctx.org.delete(objectOfId(ctx, id), id);
      return { id, success: true, errors: [] };
    } catch (err) {
      return failure(err, id);
    }
  };
  return writeAll(
    ctx,
    req.query.get('allOrNone') === 'true' || req.allOrNone === true,
    ids,
    deleteOne,
    (id) => id,
  );
}

/** The object an Id belongs to, by its key prefix (from describe global). */
function objectOfId(ctx: SimContext, id: string): string {
  const global = ctx.org.describeGlobal().body as {
    sobjects?: Array<{ name: string; keyPrefix: string | null }>;
  };
  const prefix = id.slice(0, 3);
  const object = global.sobjects?.find((o) => o.keyPrefix === prefix)?.name;
  if (!object) throw new WireError(400, 'MALFORMED_ID', `malformed id ${id}`);
  return object;
}

function collectionRetrieve(req: DataRequest, ctx: SimContext): WireResponse {
  const object = decodeURIComponent(req.params.object ?? '');
  let ids: string[];
  let fields: string[];
  if (req.method === 'POST') {
    const body = parseJsonObject(req.bodyText);
    ids = asArray(body.ids, 'ids').map(String);
    fields = asArray(body.fields, 'fields').map(String);
  } else {
    ids = (req.query.get('ids') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    fields = (req.query.get('fields') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (ids.length === 0) throw new WireError(400, 'MISSING_ARGUMENT', 'ids parameter not specified');
  if (fields.length === 0) throw new WireError(400, 'MISSING_ARGUMENT', 'fields parameter not specified');
  if (ids.length > 2000)
    throw new WireError(
      400,
      'EXCEEDED_ID_LIMIT',
      'record limit reached. cannot submit more than 2000 records into this call',
    );
  const out = ids.map((id) => {
    try {
      return ctx.org.retrieve(object, id, fields, req.apiVersion);
    } catch (err) {
      const wire = toWireError(err);
      if (wire?.status === 404) return null;
      throw err;
    }
  });
  return json(200, out);
}

export const compositeRoutes: DataRoute[] = [
  {
    methods: ['GET'],
    pattern: /^\/composite\/?$/,
    kind: 'composite',
    handle: (req) => {
      const base = `/services/data/v${req.apiVersion}/composite`;
      return json(200, {
        tree: `${base}/tree`,
        batch: `${base}/batch`,
        sobjects: `${base}/sobjects`,
        graph: `${base}/graph`,
      });
    },
  },
  {
    methods: ['POST'],
    pattern: /^\/composite\/?$/,
    kind: 'composite',
    compositeAllowed: false,
    handle: composite,
  },
  {
    methods: ['POST'],
    pattern: /^\/composite\/batch\/?$/,
    kind: 'compositeBatch',
    counted: false,
    compositeAllowed: false,
    handle: batch,
  },
  {
    methods: ['POST', 'PATCH', 'DELETE'],
    pattern: /^\/composite\/sobjects\/?$/,
    kind: 'sobjectCollections',
    handle: (req, ctx) => (req.method === 'DELETE' ? collectionDelete(req, ctx) : collectionWrite(req, ctx)),
  },
  {
    methods: ['GET', 'POST'],
    pattern: /^\/composite\/sobjects\/(?<object>[^/]+)\/?$/,
    kind: 'sobjectCollections',
    handle: collectionRetrieve,
  },
];
