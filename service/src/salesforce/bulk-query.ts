/**
 * Bulk API 2.0 query jobs, driven by hand (jsforce's own helper breaks on multi-page results): create the job,
 * poll until JobComplete, then read CSV result pages following Sforce-Locator until it is the literal "null"
 * (Bulk API 2.0 developer guide, "Get Results for a Query Job").
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SalesforceError } from './errors.js';
import type { SalesforceSession } from './session.js';

export interface BulkJobInfo {
  id: string;
  state: 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  numberRecordsProcessed?: number;
  errorMessage?: string;
}

export interface BulkQueryOptions {
  scanAll?: boolean;
  /** Rows per results page (maxRecords). */
  pageSize?: number;
  pollIntervalMs?: number;
  /** Gives up (and aborts the job) after this long without completion. */
  timeoutMs?: number;
}

/** Runs one Bulk 2.0 query job and yields its CSV result pages (each with its header line). */
export async function* bulkQueryCsvPages(
  session: SalesforceSession,
  soql: string,
  options: BulkQueryOptions = {},
): AsyncGenerator<string> {
  const created = await session.request<BulkJobInfo>({
    method: 'POST',
    path: '/jobs/query',
    body: {
      operation: options.scanAll ? 'queryAll' : 'query',
      query: soql,
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    },
    retries: 0, // a repeated create would start a second job
  });
  const jobId = created.body.id;
  let finished = false;
  try {
    await waitForJob(session, jobId, options);
    let locator: string | undefined;
    for (;;) {
      const params = new URLSearchParams();
      if (options.pageSize) params.set('maxRecords', String(options.pageSize));
      if (locator) params.set('locator', locator);
      const query = params.toString();
      const res = await session.request<string>({
        path: `/jobs/query/${jobId}/results${query ? `?${query}` : ''}`,
        headers: { Accept: 'text/csv' },
        responseType: 'text',
      });
      yield res.body;
      const next = res.headers['sforce-locator'];
      if (!next || next === 'null') break;
      locator = next;
    }
    finished = true;
  } finally {
    // Results are kept by Salesforce for 7 days; delete them once read, or abort the job when abandoned.
    await session
      .request({
        method: finished ? 'DELETE' : 'PATCH',
        path: `/jobs/query/${jobId}`,
        ...(finished ? {} : { body: { state: 'Aborted' } }),
        retries: 1,
      })
      .catch(() => undefined);
  }
}

async function waitForJob(
  session: SalesforceSession,
  jobId: string,
  options: BulkQueryOptions,
): Promise<void> {
  const started = Date.now();
  let interval = options.pollIntervalMs ?? 500;
  for (;;) {
    const info = (await session.request<BulkJobInfo>({ path: `/jobs/query/${jobId}` })).body;
    if (info.state === 'JobComplete') return;
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw new SalesforceError(
        `Bulk query job ${jobId} ${info.state.toLowerCase()}: ${info.errorMessage ?? 'no message'}`,
        400,
        'BULK_JOB_FAILED',
        `/jobs/query/${jobId}`,
      );
    }
    if (Date.now() - started > (options.timeoutMs ?? 30 * 60_000)) {
      throw new SalesforceError(
        `Bulk query job ${jobId} did not complete in time`,
        0,
        'TIMEOUT',
        `/jobs/query/${jobId}`,
      );
    }
    await sleep(interval);
    interval = Math.min(interval * 1.5, 10_000);
  }
}
