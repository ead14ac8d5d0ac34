import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { SimOrg } from '../org/api.js';
import type { BulkJobs } from './bulk-jobs.js';
import type { LongRequestLimit } from './concurrency.js';
import type { Credentials } from './credentials.js';
import type { FaultInjector } from './faults.js';
import type { ApiLimits } from './limits.js';
import type { LoggedRequest, RequestLog } from './request-log.js';
import type { Session, SessionStore } from './sessions.js';
import type { CallStats } from './stats.js';

/** Everything the wire side shares across requests for one simulated org. */
export interface SimContext {
  org: SimOrg;
  credentials: Credentials;
  sessions: SessionStore;
  limits: ApiLimits;
  /** The concurrent long-running request limit. */
  concurrency: LongRequestLimit;
  faults: FaultInjector;
  stats: CallStats;
  /** Every data-API request: who made it, which objects it touched, when (`GET /__sim/requests`). */
  requests: RequestLog;
  bulk: BulkJobs;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  baseUrl: string;
  /** The newest API version served, e.g. "62.0". */
  apiVersion: string;
}

/** A request to the data API (`/services/data/vNN.0/...`), already authenticated. */
export interface DataRequest {
  method: string;
  /** Path after `/services/data/vNN.0`, starting with `/` (or empty for the resource list). */
  rest: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  apiVersion: string;
  session: Session;
  /** The raw request body (empty string when none). */
  bodyText: string;
  /** True for a subrequest of /composite or /composite/batch. */
  sub: boolean;
  /**
   * True for a subrequest of an `allOrNone` /composite: it runs inside the composite's
   * transaction and sObject Collections act all-or-none whatever their own flag says.
   */
  allOrNone?: boolean;
  /** The request log's entry of the HTTP request (a composite's subrequests add their objects to it). */
  logged?: LoggedRequest;
}

export type WireResponse =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; empty: true; headers?: Record<string, string> }
  | {
      status: number;
      stream: Readable | AsyncIterable<Buffer | string> | Iterable<Buffer>;
      headers: Record<string, string>;
    };

export interface DataRoute {
  methods: readonly string[];
  pattern: RegExp;
  /** Name under which `/__sim/stats` counts the call. */
  kind: string;
  /** Counts against the daily API request allocation (nearly everything does). */
  counted?: boolean;
  /** May run inside /composite or /composite/batch (blobs and Bulk may not). */
  compositeAllowed?: boolean;
  handle(req: DataRequest, ctx: SimContext): WireResponse | Promise<WireResponse>;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): WireResponse =>
  headers ? { status, json: body, headers } : { status, json: body };
