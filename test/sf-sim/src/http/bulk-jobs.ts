import { mkdirSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { BulkQuery, SimOrg } from '../org/api.js';
import { csvLine, DELIMITERS, LINE_ENDINGS } from './csv.js';
import { WireError } from './errors.js';
import { restDateTime } from '../org/datetime.js';
import { randomId } from './ids.js';

/**
 * Bulk API 2.0 query jobs (facts §4): state UploadComplete → InProgress → JobComplete (or Failed /
 * Aborted). When a job starts, its result is written once to a CSV file in the org's data dir;
 * pages are then byte ranges of that file, so every locator returns the same rows however the
 * org changes afterwards, and serving costs a file read, not a re-run of the query. Row offsets
 * are remembered every CHECKPOINT_ROWS rows, which keeps memory flat for millions of rows.
 */
export type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

const CHECKPOINT_ROWS = 1000;
const WRITE_CHUNK_ROWS = 2000;
/** Page size when the client gives no maxRecords: large, but never one unbounded page. */
export const DEFAULT_PAGE_ROWS = 100_000;
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
export const DAILY_QUERY_JOBS = 10_000;
/** Jobs per page of `GET /jobs/query`: Salesforce returns up to 1,000 and a `nextRecordsUrl`. */
export const JOB_LIST_PAGE_SIZE = 1000;
/** Open job-list cursors kept; the oldest is dropped beyond this. */
const MAX_LIST_CURSORS = 100;

/** Filters of `GET /jobs/query` (facts §4.2). Every job here is a Parallel V2Query job without PK chunking. */
export interface JobListFilter {
  isPkChunkingEnabled?: boolean;
  jobType?: 'Classic' | 'V2Query' | 'V2Ingest' | 'BigObjectIngest';
  concurrencyMode?: 'serial' | 'parallel';
}

export interface JobListPage {
  jobs: BulkJob[];
  /** Locator of the next page (`<01g id>-<offset>`), or null on the last page. */
  nextLocator: string | null;
}

export interface BulkJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  state: JobState;
  apiVersion: string;
  lineEnding: string;
  columnDelimiter: string;
  numberRecordsProcessed: number;
  totalProcessingTime: number;
  errorMessage?: string;
  /** Polls answered so far: the first one never reports completion (clients must poll). */
  polls: number;
  query: BulkQuery;
  file: string;
  header: Buffer;
  /** checkpoints[k] = byte offset of row k*CHECKPOINT_ROWS (row 0 right after the header). */
  checkpoints: number[];
  fileSize: number;
  failWith?: string;
  /** The `queryTimeout` fault: the job fails with `message` once it has read more than `rows` rows. */
  timeout?: { rows: number; message: string };
  timer?: NodeJS.Timeout;
}

export interface CreateJobInput {
  operation: 'query' | 'queryAll';
  query: string;
  columnDelimiter: string;
  lineEnding: string;
  apiVersion: string;
  createdById: string;
}

export interface Page {
  rows: number;
  /** Locator of the next page, or the literal `null` on the last page. */
  nextLocator: string;
  body: AsyncIterable<Buffer>;
}

export function encodeLocator(row: number): string {
  return Buffer.from(String(row)).toString('base64').replace(/=+$/, '');
}

function decodeLocator(locator: string): number {
  const text = Buffer.from(locator, 'base64').toString('utf8');
  if (!/^\d+$/.test(text)) throw new WireError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
  return Number(text);
}

export class BulkJobs {
  private readonly jobs = new Map<string, BulkJob>();
  private readonly createdTimes: number[] = [];
  private readonly dir: string;
  /** Delay before a new job starts running (real ms): long enough that clients see the states move. */
  startDelayMs = 25;
  /** Rows per results page when the client gives no maxRecords (`POST /__sim/bulk {"pageSize"}`). */
  defaultPageRows = DEFAULT_PAGE_ROWS;
  /** Polls that see a finished job still InProgress, as real jobs always take a while (`{"inProgressPolls"}`). */
  inProgressPolls = 1;
  /** Jobs per page of the job list (JOB_LIST_PAGE_SIZE; tests set it small). */
  listPageSize = JOB_LIST_PAGE_SIZE;
  /** Job-list cursors: the Ids matching the filters when the list was first asked for, in creation order. */
  private readonly listCursors = new Map<string, string[]>();

  constructor(private readonly org: SimOrg) {
    this.dir = path.join(org.dataDir, 'bulk-results');
    mkdirSync(this.dir, { recursive: true });
  }

  private now(): number {
    return this.org.clock.nowMs();
  }

  jobsInLastDay(): number {
    const since = this.now() - DAY_MS;
    while (this.createdTimes.length > 0 && (this.createdTimes[0] ?? 0) < since) this.createdTimes.shift();
    return this.createdTimes.length;
  }

  create(input: CreateJobInput): BulkJob {
    this.purgeExpired();
    if (this.jobsInLastDay() >= DAILY_QUERY_JOBS) {
      throw new WireError(
        400,
        'LIMIT_EXCEEDED',
        `Max bulk v2 query jobs per 24 hrs exceeded (${DAILY_QUERY_JOBS}).`,
      );
    }
    const query = this.org.bulkQuery(input.query, { scanAll: input.operation === 'queryAll' });
    const id = randomId('750');
    const now = this.now();
    const delimiter = DELIMITERS[input.columnDelimiter] ?? ',';
    const lineEnding = LINE_ENDINGS[input.lineEnding] ?? '\n';
    const job: BulkJob = {
      id,
      operation: input.operation,
      object: query.object,
      createdById: input.createdById,
      createdDate: now,
      systemModstamp: now,
      state: 'UploadComplete',
      apiVersion: input.apiVersion,
      lineEnding: input.lineEnding,
      columnDelimiter: input.columnDelimiter,
      numberRecordsProcessed: 0,
      totalProcessingTime: 0,
      polls: 0,
      query,
      file: path.join(this.dir, `${id}.csv`),
      header: Buffer.from(csvLine(query.columns, delimiter, lineEnding)),
      checkpoints: [0],
      fileSize: 0,
    };
    this.jobs.set(id, job);
    this.createdTimes.push(now);
    job.timer = setTimeout(() => void this.run(job, delimiter, lineEnding), this.startDelayMs);
    return job;
  }

  /** Marks a job to end in Failed (the `bulkJobFailed` fault). */
  failJob(job: BulkJob, message: string): void {
    if (this.isTerminal(job)) return;
    job.failWith = message;
    if (job.state === 'UploadComplete') this.finish(job, 'Failed');
  }

  /** Makes a job fail as timed out if it reads more than `rows` rows (the `queryTimeout` fault). */
  timeOutAbove(job: BulkJob, rows: number, message: string): void {
    job.timeout = { rows, message };
  }

  private async run(job: BulkJob, delimiter: string, lineEnding: string): Promise<void> {
    job.timer = undefined;
    if (job.state !== 'UploadComplete') return;
    job.state = 'InProgress';
    job.systemModstamp = this.now();
    const started = Date.now();
    let fh: FileHandle | undefined;
    try {
      fh = await open(job.file, 'w');
      let offset = 0;
      let rows = 0;
      let chunk = '';
      let chunkRows = 0;
      for (const row of job.query.rows()) {
        if (job.timeout && rows >= job.timeout.rows) {
          job.failWith ??= job.timeout.message;
          break;
        }
        chunk += csvLine(row, delimiter, lineEnding);
        rows++;
        chunkRows++;
        if (rows % CHECKPOINT_ROWS === 0 || chunkRows >= WRITE_CHUNK_ROWS) {
          const buf = Buffer.from(chunk);
          await fh.write(buf);
          offset += buf.length;
          chunk = '';
          chunkRows = 0;
          if (rows % CHECKPOINT_ROWS === 0) job.checkpoints.push(offset);
          job.numberRecordsProcessed = rows;
          if (this.isTerminal(job) || job.failWith) break;
        }
      }
      if (chunk) {
        const buf = Buffer.from(chunk);
        await fh.write(buf);
        offset += buf.length;
      }
      job.numberRecordsProcessed = rows;
      job.fileSize = offset;
    } catch (err) {
      job.failWith ??= err instanceof Error ? `InternalServerError : ${err.message}` : 'InternalServerError';
    } finally {
      await fh?.close();
    }
    job.totalProcessingTime = Date.now() - started;
    if ((job.state as JobState) === 'Aborted') return;
    this.finish(job, job.failWith ? 'Failed' : 'JobComplete');
  }

  private finish(job: BulkJob, state: JobState): void {
    job.state = state;
    job.systemModstamp = this.now();
    if (state === 'Failed') job.errorMessage = job.failWith ?? 'InternalServerError';
    if (state !== 'JobComplete') rmSync(job.file, { force: true });
  }

  isTerminal(job: BulkJob): boolean {
    return job.state === 'JobComplete' || job.state === 'Failed' || job.state === 'Aborted';
  }

  get(id: string): BulkJob {
    this.purgeExpired();
    const job =
      this.jobs.get(id) ??
      this.jobs.get(id.length === 15 ? ([...this.jobs.keys()].find((k) => k.startsWith(id)) ?? '') : '');
    if (!job) throw new WireError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return job;
  }

  /**
   * One page of the job list. The first request snapshots the Ids of matching jobs (creation
   * order); later pages read that snapshot by offset, leaving out jobs deleted since, so a
   * client paging through sees every job once even while new jobs are created.
   */
  listPage(request: { filter: JobListFilter } | { locator: string }): JobListPage {
    this.purgeExpired();
    let cursorId: string;
    let ids: string[];
    let offset: number;
    if ('locator' in request) {
      const m = /^(01g\w{15})-(\d+)$/.exec(request.locator);
      const snapshot = m ? this.listCursors.get(m[1]!) : undefined;
      if (!m || !snapshot || Number(m[2]) > snapshot.length)
        throw new WireError(400, 'INVALID_QUERY_LOCATOR', `invalid query locator: ${request.locator}`);
      cursorId = m[1]!;
      ids = snapshot;
      offset = Number(m[2]);
    } else {
      const f = request.filter;
      const matches =
        (f.isPkChunkingEnabled === undefined || f.isPkChunkingEnabled === false) &&
        (f.jobType === undefined || f.jobType === 'V2Query') &&
        (f.concurrencyMode === undefined || f.concurrencyMode === 'parallel');
      ids = matches ? [...this.jobs.keys()] : [];
      offset = 0;
      cursorId = '';
    }
    const size = Math.max(1, this.listPageSize);
    const end = Math.min(ids.length, offset + size);
    const jobs = ids
      .slice(offset, end)
      .map((id) => this.jobs.get(id))
      .filter((j): j is BulkJob => j !== undefined);
    if (end >= ids.length) {
      if (cursorId) this.listCursors.delete(cursorId);
      return { jobs, nextLocator: null };
    }
    if (!cursorId) {
      cursorId = randomId('01g');
      while (this.listCursors.size >= MAX_LIST_CURSORS) {
        const oldest = this.listCursors.keys().next().value;
        if (oldest === undefined) break;
        this.listCursors.delete(oldest);
      }
      this.listCursors.set(cursorId, ids);
    }
    return { jobs, nextLocator: `${cursorId}-${end}` };
  }

  /** The state a poll sees; the first poll of a finished job still reports InProgress. */
  observeState(job: BulkJob): JobState {
    job.polls++;
    if (job.polls <= this.inProgressPolls && job.state === 'JobComplete') return 'InProgress';
    return job.state;
  }

  abort(job: BulkJob): void {
    if (this.isTerminal(job)) {
      const what = job.state === 'JobComplete' ? 'Completed' : job.state;
      throw new WireError(400, 'INVALIDJOBSTATE', `Aborting already ${what} Job not allowed`);
    }
    if (job.timer) clearTimeout(job.timer);
    this.finish(job, 'Aborted');
  }

  delete(job: BulkJob): void {
    if (!this.isTerminal(job)) {
      throw new WireError(
        400,
        'INVALIDJOBSTATE',
        `Deleting a job in state ${job.state} is not allowed; abort it first`,
      );
    }
    rmSync(job.file, { force: true });
    this.jobs.delete(job.id);
  }

  /** Results are kept 7 days after a job ends (simulated clock). */
  private purgeExpired(): void {
    const cutoff = this.now() - RETENTION_MS;
    for (const job of this.jobs.values()) {
      if (this.isTerminal(job) && job.systemModstamp < cutoff) {
        rmSync(job.file, { force: true });
        this.jobs.delete(job.id);
      }
    }
  }

  /** Byte offset where row `row` starts: the nearest checkpoint, then a scan for row ends outside quotes. */
  private async rowOffset(job: BulkJob, row: number): Promise<number> {
    const total = job.numberRecordsProcessed;
    if (row >= total) return job.fileSize;
    const k = Math.floor(row / CHECKPOINT_ROWS);
    let offset = job.checkpoints[k] ?? 0;
    let toSkip = row - k * CHECKPOINT_ROWS;
    if (toSkip === 0) return offset;
    const fh = await open(job.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(64 * 1024);
      let inQuotes = false;
      while (toSkip > 0) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) return job.fileSize;
        for (let i = 0; i < bytesRead; i++) {
          const b = buf[i];
          if (b === 0x22) inQuotes = !inQuotes;
          else if (b === 0x0a && !inQuotes && --toSkip === 0) return offset + i + 1;
        }
        offset += bytesRead;
      }
      return offset;
    } finally {
      await fh.close();
    }
  }

  async page(job: BulkJob, locator: string | null, maxRecords: number | null): Promise<Page> {
    const start = locator === null || locator === '' ? 0 : decodeLocator(locator);
    const total = job.numberRecordsProcessed;
    if (start > total) throw new WireError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
    const size = maxRecords ?? this.defaultPageRows;
    const end = Math.min(total, start + size);
    const from = await this.rowOffset(job, start);
    const to = await this.rowOffset(job, end);
    const header = job.header;
    const file = job.file;
    async function* body(): AsyncIterable<Buffer> {
      yield header;
      if (to > from) {
        for await (const chunk of createReadStream(file, {
          start: from,
          end: to - 1,
          highWaterMark: 256 * 1024,
        })) {
          yield chunk as Buffer;
        }
      }
    }
    return { rows: end - start, nextLocator: end < total ? encodeLocator(end) : 'null', body: body() };
  }

  /** A job as the job list shows it: no counters, `jobType` after `apiVersion` (facts §4.2). */
  listEntry(job: BulkJob): Record<string, unknown> {
    return this.jobFields(job, job.state, true);
  }

  info(job: BulkJob, state: JobState, full: boolean): Record<string, unknown> {
    const base = this.jobFields(job, state, full);
    if (full) {
      base.numberRecordsProcessed = state === 'UploadComplete' ? 0 : job.numberRecordsProcessed;
      base.retries = 0;
      base.totalProcessingTime = state === 'JobComplete' ? job.totalProcessingTime : 0;
      base.isPkChunkingSupported = true;
      if (state === 'Failed' && job.errorMessage) base.errorMessage = job.errorMessage;
    }
    return base;
  }

  /** The fields every view of a job starts with, in Salesforce's order; `jobType` when asked. */
  private jobFields(job: BulkJob, state: JobState, withJobType: boolean): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: job.createdById,
      createdDate: restDateTime(job.createdDate),
      systemModstamp: restDateTime(job.systemModstamp),
      state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(job.apiVersion),
      ...(withJobType ? { jobType: 'V2Query' } : {}),
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
    };
  }

  /** Stops running jobs and removes every result file. */
  close(): void {
    for (const job of this.jobs.values()) {
      if (job.timer) clearTimeout(job.timer);
      if (!this.isTerminal(job)) job.state = 'Aborted';
    }
    this.jobs.clear();
    this.listCursors.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
