/**
 * Bulk API 2.0 query jobs, driven by hand (jsforce's own helper breaks on multi-page results): create the job,
 * poll until JobComplete, then read CSV result pages following Sforce-Locator until it is the literal "null"
 * (Bulk API 2.0 developer guide, "Get Results for a Query Job":
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm).
 *
 * Every call here counts against the org's daily API allowance, so a job is read with as few as it can:
 * create (1) + polls (one or two when the job's pace is known, see `waitForJob`) + one call per results page, pages
 * sized to about `pageBytes` of CSV each. Pages are streamed to the caller (`bulkQueryPages`), never held whole,
 * so a page's size costs no memory and pages can be large. A finished job is left for Salesforce to delete (it
 * keeps results 7 days): a DELETE would be one more call per job and frees nothing of the daily result-storage
 * allocation.
 */
import { Transform, type Readable } from 'node:stream';
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
  /** Rows of the first results page (maxRecords); later pages are sized from the bytes per row seen. */
  pageSize?: number;
  /** Bytes per row when known beforehand (a probe's rows): the first page is sized by `pageBytes` too. */
  rowBytes?: number;
  /** About this many bytes of CSV per results page (the page is held in memory while it is parsed). */
  pageBytes?: number;
  /** The first wait before a poll; each later wait doubles, up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  /** Rows the job is expected to read: a large job's first poll waits longer (see `firstPollWait`). */
  expectedRows?: number;
  maxPollIntervalMs?: number;
  /** Gives up (and aborts the job) after this long without completion. */
  timeoutMs?: number;
}

/** The most rows asked for per page: Salesforce documents no maximum for maxRecords (the page stays subject to
 * its size limits), so pages are sized by bytes and this only bounds a page of very narrow rows. */
export const MAX_PAGE_ROWS = 1_000_000;

/** One results page of a Bulk query job, as it arrives. */
export interface BulkResultPage {
  /** Rows Salesforce says the page holds (Sforce-NumberOfRecords). */
  rows: number;
  /** The page's CSV (header line first), streamed: read it to its end before asking for the next page. */
  body: Readable;
  /** Asks for this same page again (after its stream broke part-way): a new body, from its first byte. */
  reopen(): Promise<Readable>;
}

/**
 * Runs one Bulk 2.0 query job and yields its CSV result pages as streams. The next page's size (maxRecords) is
 * set from the bytes per row of the page before, so each is about `pageBytes`.
 */
export async function* bulkQueryPages(
  session: SalesforceSession,
  soql: string,
  options: BulkQueryOptions = {},
): AsyncGenerator<BulkResultPage> {
  const jobId = await createJob(session, soql, options);
  let finished = false;
  try {
    await waitForJob(session, jobId, options);
    let locator: string | undefined;
    let maxRecords =
      options.rowBytes && options.pageBytes
        ? pageRows(options.rowBytes, 1, options.pageBytes)
        : options.pageSize;
    let read = 0;
    for (;;) {
      if (maxRecords && options.expectedRows) maxRecords = withTail(maxRecords, options.expectedRows - read);
      const params = new URLSearchParams();
      if (maxRecords) params.set('maxRecords', String(maxRecords));
      if (locator) params.set('locator', locator);
      const query = params.toString();
      const path = `/jobs/query/${jobId}/results${query ? `?${query}` : ''}`;
      const open = async () => {
        const res = await session.openStream({
          path,
          kind: session.defaultKind,
          accept: 'text/csv',
          compressed: true,
          what: 'a Bulk results page',
        });
        return { res, counter: byteCounter() };
      };
      const first = await open();
      const next = first.res.headers['sforce-locator'];
      const rows = Number(first.res.headers['sforce-numberofrecords'] ?? 0);
      let counter = first.counter;
      yield {
        rows,
        body: first.res.body.pipe(counter),
        reopen: async () => {
          const again = await open();
          counter = again.counter;
          return again.res.body.pipe(counter);
        },
      };
      read += rows;
      if (options.pageBytes && rows > 0 && counter.bytes > 0)
        maxRecords = pageRows(counter.bytes, rows, options.pageBytes);
      if (!next || next === 'null') break;
      locator = next;
    }
    finished = true;
  } finally {
    if (!finished) await abortJob(session, jobId);
  }
}

/** A pass-through that counts the bytes of a page as they flow (to size the next page). */
function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

async function createJob(
  session: SalesforceSession,
  soql: string,
  options: BulkQueryOptions,
): Promise<string> {
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
  return created.body.id;
}

/** A job abandoned part-way (an error, the caller stopped reading) is aborted so it stops working. */
async function abortJob(session: SalesforceSession, jobId: string): Promise<void> {
  await session
    .request({ method: 'PATCH', path: `/jobs/query/${jobId}`, body: { state: 'Aborted' }, retries: 1 })
    .catch(() => undefined);
}

/**
 * Rows to ask for the next page: `rows` (about the target size), or every row still expected when they are at
 * most a quarter more than that, with a tenth to spare: a short last page would cost a call of its own, and pages
 * are streamed, so a larger one costs no memory.
 */
export function withTail(rows: number, rowsLeft: number): number {
  if (rowsLeft <= 0 || rowsLeft > rows * 1.25) return rows;
  // Bounded by the page it extends (at most ~1.4 times it), past MAX_PAGE_ROWS when that page was at the bound.
  return Math.max(rows, Math.ceil(rowsLeft * 1.1));
}

/** Rows for a page of about `pageBytes`, from the size of the page just read (its header line included). */
export function pageRows(pageLength: number, rows: number, pageBytes: number): number {
  const perRow = Math.max(1, pageLength / rows);
  return Math.max(1, Math.min(MAX_PAGE_ROWS, Math.floor(pageBytes / perRow)));
}

/**
 * The wait before a job's first poll: `pollIntervalMs`, or for a large job about 60 ms per thousand rows it is
 * expected to read (a million rows: a minute), at most 5 minutes. A job of a million rows takes minutes to
 * prepare, so its polls at 1, 2, 4, 8 and 16 s would each be a call spent on "InProgress"; a small job keeps its
 * short first wait, and a poll that finds a job in progress follows its pace from there (`nextPollWait`). When
 * the org's pace is known from its earlier jobs (bulk-pace.ts), the wait is the time it expects instead.
 */
export function firstPollWait(pollIntervalMs: number, expectedRows = 0, expectedMs?: number): number {
  if (expectedMs !== undefined) return clampEstimate(expectedMs, pollIntervalMs);
  return Math.min(MAX_ESTIMATED_WAIT_MS, Math.max(pollIntervalMs, Math.round(expectedRows * 0.06)));
}

/**
 * The wait before the next poll of a job still in progress. A job reports the rows it has read so far
 * (numberRecordsProcessed, Bulk API 2.0 developer guide, "Get Information About a Query Job":
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_one_job.htm), so with the
 * rows it is expected to read the rest of its time follows from its pace so far: the next poll waits that long
 * (a little more), and a job of minutes costs two or three polls instead of one every `maxInterval`; once it has
 * read every row expected it is looked at again soon. Without progress the wait doubles from `previous` up to
 * `maxInterval`.
 */
export function nextPollWait(
  progress: { processed: number; expectedRows?: number; elapsedMs: number },
  previous: number,
  pollIntervalMs: number,
  maxInterval: number,
): number {
  const { processed, expectedRows, elapsedMs } = progress;
  if (processed > 0 && expectedRows !== undefined && elapsedMs > 0) {
    if (expectedRows > processed)
      return clampEstimate(((expectedRows - processed) * elapsedMs) / processed, pollIntervalMs);
    // Every row expected is read: the job is finishing (or holds more rows than the estimate said), so it is
    // looked at again after a quarter of its time so far, not after the doubled wait.
    return Math.min(maxInterval, Math.max(pollIntervalMs, Math.round(elapsedMs / 4)));
  }
  return Math.min(previous * 2, maxInterval);
}

/** The longest wait an estimate may set: a wrong estimate costs at most this much lateness. */
const MAX_ESTIMATED_WAIT_MS = 5 * 60_000;

/** An estimated time left, with a margin (a job seen one poll early costs a call), within sane bounds. */
function clampEstimate(ms: number, pollIntervalMs: number): number {
  return Math.round(Math.min(MAX_ESTIMATED_WAIT_MS, Math.max(pollIntervalMs, ms * 1.15 + 250)));
}

/**
 * Polls until the job is JobComplete. Each poll is a call, so the waits follow the job's own progress where it
 * reports any (`nextPollWait`), and otherwise double from `pollIntervalMs` up to `maxPollIntervalMs` (1 s, 2 s,
 * 4 s … 30 s: a 1-minute job costs 7 polls, where polling every second cost 60). The pace seen is remembered for
 * the org's next job's first wait (`pace`).
 */
async function waitForJob(
  session: SalesforceSession,
  jobId: string,
  options: BulkQueryOptions,
): Promise<void> {
  const started = Date.now();
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const maxInterval = Math.max(pollIntervalMs, options.maxPollIntervalMs ?? 30_000);
  const expectedRows = options.expectedRows;
  const pace = session.bulkPace;
  let interval = firstPollWait(
    pollIntervalMs,
    expectedRows,
    expectedRows ? pace.expectedMs(expectedRows) : undefined,
  );
  for (;;) {
    await sleep(interval);
    const info = (await session.request<BulkJobInfo>({ path: `/jobs/query/${jobId}` })).body;
    const processed = info.numberRecordsProcessed ?? 0;
    const elapsedMs = Date.now() - started;
    if (info.state === 'JobComplete' || (info.state === 'InProgress' && processed > 0))
      pace.observe(processed, elapsedMs);
    if (info.state === 'JobComplete') return;
    interval = nextPollWait(
      { processed, elapsedMs, ...(expectedRows ? { expectedRows } : {}) },
      interval,
      pollIntervalMs,
      maxInterval,
    );
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
  }
}
