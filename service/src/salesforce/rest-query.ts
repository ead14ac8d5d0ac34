/**
 * REST query and queryAll, page by page through nextRecordsUrl (REST API developer guide, "Query" /
 * "QueryAll"). Used for small deltas and for objects Bulk API 2.0 does not support.
 */
import type { CompositeGet } from './composite.js';
import type { SalesforceSession } from './session.js';

export interface QueryPage<R> {
  records: R[];
  totalSize: number;
  done: boolean;
}

/** A query's answer as Salesforce sends it (e.g. a query subrequest's body in a `/composite` response). */
export interface RawQueryPage {
  records: Array<Record<string, unknown>>;
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
}

/** Salesforce accepts batch sizes from 200 to 2,000 (Sforce-Query-Options header). */
export function clampBatchSize(n: number): number {
  return Math.min(2000, Math.max(200, Math.floor(n)));
}

interface QueryOptions {
  /** queryAll: deleted and archived rows too. */
  scanAll?: boolean;
  /** Rows per page (Sforce-Query-Options). */
  batchSize?: number;
}

/** The resource path and headers of a query's first page. */
function queryRequest(
  soql: string,
  options: QueryOptions,
): { path: string; headers: Record<string, string> } {
  return {
    path: `/${options.scanAll ? 'queryAll' : 'query'}/?q=${encodeURIComponent(soql)}`,
    headers: options.batchSize
      ? { 'Sforce-Query-Options': `batchSize=${clampBatchSize(options.batchSize)}` }
      : {},
  };
}

/** A query's first page as a `/composite` subrequest (one of the 5 queries a call may carry). */
export function querySubrequest(referenceId: string, soql: string, options: QueryOptions = {}): CompositeGet {
  const { path, headers } = queryRequest(soql, options);
  return { referenceId, path, query: true, ...(Object.keys(headers).length > 0 ? { headers } : {}) };
}

/** Where a query starts when its first page was read ahead (in a `/composite` call). */
export interface QueryStart {
  /** This query's first page, already fetched: the pages after it are asked for. */
  first?: RawQueryPage;
  /** How the pages after the first are fetched, when not on their own (first-slices.ts reads them ahead). */
  more?: (nextRecordsUrl: string) => Promise<RawQueryPage>;
}

export async function* queryPages<R extends Record<string, unknown>>(
  session: SalesforceSession,
  soql: string,
  options: QueryOptions &
    QueryStart & {
      /**
       * Records as Salesforce sent them, `attributes` included: for a reader that ignores that member (as
       * canonicalizeRecord does), which spares a copy of every record.
       */
      keepAttributes?: boolean;
    } = {},
): AsyncGenerator<QueryPage<R>> {
  const request = queryRequest(soql, options);
  const headers = request.headers;
  let path: string | undefined = request.path;
  let prefetched = options.first;
  while (path) {
    const page: RawQueryPage =
      prefetched ??
      (options.more && path !== request.path
        ? await options.more(path)
        : (await session.request<RawQueryPage>({ path, headers })).body);
    prefetched = undefined;
    const records = options.keepAttributes
      ? (page.records as R[])
      : (page.records as R[]).map(stripAttributes);
    yield { records, totalSize: page.totalSize, done: page.done };
    path = page.done ? undefined : page.nextRecordsUrl;
  }
}

/** Drops the `attributes` member Salesforce adds to every record. */
function stripAttributes<R extends Record<string, unknown>>(record: R): R {
  if (!('attributes' in record)) return record;
  const { attributes: _attributes, ...rest } = record;
  return rest as R;
}
