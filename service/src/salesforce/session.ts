/**
 * One authenticated session with one org: OAuth (JWT bearer or client credentials) through jsforce, refresh on
 * 401 without losing the request, retries with backoff on transient failures, and — from every response — the
 * org's clock (Date header) and API usage (Sforce-Limit-Info). Every Salesforce call of the service goes
 * through `request`.
 */
import jsforce, { type Connection } from 'jsforce';
import { HttpApi } from 'jsforce/lib/http-api.js';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../logger.js';
import { BudgetExhaustedError, type ApiGovernor, type ApiPermit, type SeenUsage } from './api-governor.js';
import { parseLimitInfo, type ApiUsage } from './api-usage.js';
import { BulkPace } from './bulk-pace.js';
import { SalesforceError, toSalesforceError } from './errors.js';
import { salesforceRetry } from './retry-policy.js';
import { openDownload, type StreamRequest, type StreamResponse } from './file-download.js';
import { buildJwtAssertion } from './jwt-assertion.js';
import { OrgClock, probeOrgClock } from './org-clock.js';
import { RecordCountCache } from './record-counts.js';

export const DEFAULT_API_VERSION = '62.0';

export type OrgAuth =
  | { kind: 'jwt'; username: string; privateKey: () => Promise<string> }
  | { kind: 'client-credentials'; clientSecret: () => Promise<string> };

export interface OrgConnectionSettings {
  /** The org's My Domain / instance URL. */
  instanceUrl: string;
  /** Where the JWT bearer flow authenticates (login.salesforce.com, test.salesforce.com or My Domain). */
  loginUrl: string;
  clientId: string;
  auth: OrgAuth;
  apiVersion?: string;
}

/**
 * Every call asks for a compressed response (REST API Developer Guide, "Compression Headers": Salesforce
 * compresses only when the request carries Accept-Encoding). jsforce's transport (node-fetch) and fetch both
 * decompress gzip; saying it here keeps JSON pages and Bulk 2.0 CSV results compressed on the wire whatever
 * defaults the transport has.
 */
const ACCEPT_ENCODING = { 'Accept-Encoding': 'gzip' };

/**
 * What a call is for, so the API budget governor can pace each kind against its share: a backlog being read
 * (`backfill`), a check of an idle object for changes or deletes (`check`), a schema scan (`schema`), a file body
 * (`files`).
 */
export type ApiCallKind = 'backfill' | 'check' | 'schema' | 'files';

export interface SalesforceRequest {
  /** What the call is for (default `backfill`). */
  kind?: ApiCallKind;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path from the host (`/services/data/v62.0/...`) or from the version root (`/sobjects/...`). */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** 'text' keeps the body as a string (Bulk CSV); default parses JSON. */
  responseType?: 'json' | 'text';
  /** Retries for transient failures (default 6, about 16 s of backoff in all); 0 for calls that must not repeat. */
  retries?: number;
}

export interface SalesforceResponse<T> {
  status: number;
  headers: Record<string, string | undefined>;
  body: T;
}

export interface OrgIdentity {
  orgId: string;
  userId: string;
  username: string;
}

export class SalesforceSession {
  readonly clock = new OrgClock();
  /** The pace of this org's Bulk query jobs, for the polls' waits (shared by every `forKind` view). */
  readonly bulkPace = new BulkPace();
  /** Approximate record counts, asked for many objects at once (shared by every `forKind` view). */
  readonly recordCounts = new RecordCountCache();
  private usage: ApiUsage | undefined;
  /** The latest usage a governed call reported, with that call's grant number (for the governor). */
  private seenUsage: SeenUsage | undefined;
  private governor: ApiGovernor | undefined;
  private readonly usageListeners: Array<(usage: ApiUsage) => void> = [];

  private constructor(
    private readonly conn: Connection,
    readonly apiVersion: string,
    readonly identity: OrgIdentity,
    private readonly logger: Logger,
  ) {}

  /** Authenticates and returns a session; the identity says which org and user the credentials reach. */
  static async connect(settings: OrgConnectionSettings, logger: Logger): Promise<SalesforceSession> {
    const apiVersion = settings.apiVersion ?? DEFAULT_API_VERSION;
    const grant = async (): Promise<{ access_token: string; instance_url: string; id: string }> => {
      const tokenUrl =
        settings.auth.kind === 'jwt'
          ? `${trimSlash(settings.loginUrl)}/services/oauth2/token`
          : `${trimSlash(settings.instanceUrl)}/services/oauth2/token`;
      const form = new URLSearchParams();
      if (settings.auth.kind === 'jwt') {
        form.set('grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer');
        form.set(
          'assertion',
          buildJwtAssertion({
            clientId: settings.clientId,
            username: settings.auth.username,
            audience: trimSlash(settings.loginUrl),
            privateKeyPem: await settings.auth.privateKey(),
          }),
        );
      } else {
        form.set('grant_type', 'client_credentials');
        form.set('client_id', settings.clientId);
        form.set('client_secret', await settings.auth.clientSecret());
      }
      const res = await fetch(tokenUrl, {
        method: 'POST',
        body: form,
        headers: { Accept: 'application/json', ...ACCEPT_ENCODING },
      }).catch((err: unknown) => {
        throw toSalesforceError(err, '/services/oauth2/token');
      });
      const text = await res.text();
      let json: Record<string, string>;
      try {
        json = JSON.parse(text) as Record<string, string>;
      } catch {
        throw new SalesforceError(
          `the token endpoint answered ${res.status} without JSON: ${text.slice(0, 200)}`,
          res.status,
          'INVALID_RESPONSE',
          '/services/oauth2/token',
        );
      }
      if (!res.ok || !json.access_token) {
        throw new SalesforceError(
          `authentication failed: ${json.error ?? res.status}${json.error_description ? ` (${json.error_description})` : ''}`,
          res.status,
          json.error ?? 'AUTH_FAILED',
          '/services/oauth2/token',
        );
      }
      return {
        access_token: json.access_token,
        instance_url: json.instance_url ?? settings.instanceUrl,
        id: json.id ?? '',
      };
    };

    const first = await grant();
    const conn = new jsforce.Connection({
      instanceUrl: first.instance_url,
      accessToken: first.access_token,
      version: apiVersion,
      // Neither grant returns a refresh token: a 401 re-runs the grant, and jsforce replays the request.
      refreshFn: (_conn, callback) => {
        grant().then(
          (token) => {
            logger.info({ type: 'salesforce-auth' }, 'access token renewed');
            callback(null, token.access_token);
          },
          (err: Error) => callback(err),
        );
      },
    });
    // The identity URL ends in /{orgId}/{userId}.
    const [orgId = '', userId = ''] = first.id.split('/').slice(-2);
    const session = new SalesforceSession(
      conn,
      apiVersion,
      { orgId, userId, username: settings.auth.kind === 'jwt' ? settings.auth.username : '' },
      logger,
    );
    const user = await session.request<{
      organization_id?: string;
      user_id?: string;
      preferred_username?: string;
    }>({
      path: '/services/oauth2/userinfo',
    });
    session.identity.orgId = user.body.organization_id ?? orgId;
    session.identity.userId = user.body.user_id ?? userId;
    session.identity.username = user.body.preferred_username ?? session.identity.username;
    return session;
  }

  /** The org's last reported API usage, if any response carried it. */
  get apiUsage(): ApiUsage | undefined {
    return this.usage;
  }

  onApiUsage(listener: (usage: ApiUsage) => void): void {
    this.usageListeners.push(listener);
  }

  /**
   * This session, with `kind` as the default kind of its calls (a schema scan's, an idle object's checks): the
   * governor paces each kind against its share. Clock, usage and governor stay the session's own.
   */
  forKind(kind: ApiCallKind): SalesforceSession {
    const view = Object.create(this) as SalesforceSession;
    view.defaultKind = kind;
    view.request = <T>(req: SalesforceRequest) => this.request<T>({ kind, ...req });
    view.permitCall = (k: ApiCallKind) => this.permitCall(k);
    view.observeResponse = (headers, permit, outcome) => this.observeResponse(headers, permit, outcome);
    return view;
  }

  /**
   * Reads the org's time afresh (the versions resource: no API call counted, see org-clock.ts): windows are bounded
   * by the org's now − lag, and the clock otherwise moves only when the org answers a call. Throws when the org
   * cannot be reached.
   */
  async refreshClock(): Promise<void> {
    this.clock.observe((await probeOrgClock(this.instanceUrl)).toUTCString());
  }

  /** What this session's calls are for when a request does not say (see `forKind`). */
  defaultKind: ApiCallKind = 'backfill';

  /** From now on every call asks `governor` for leave first (api-governor.ts). */
  governWith(governor: ApiGovernor): void {
    this.governor = governor;
  }

  /**
   * Leave for one call of `kind` from the API budget governor (none needed without one); throws
   * BudgetExhaustedError when the budget allows none now. `request` asks it itself; a call made outside `request`
   * (a streamed file body) asks it first and passes the permit's response headers to `observeResponse`.
   */
  async permitCall(kind: ApiCallKind): Promise<ApiPermit | undefined> {
    if (!this.governor) return undefined;
    const now = this.clock.known ? this.clock.now() : new Date();
    return this.governor.acquire(kind, now, this.seenUsage);
  }

  /**
   * Feeds one response's headers (org clock, API usage) to the session, and tells the governor a probe went
   * through or that the org refused the call for its daily limit (then returns the BudgetExhaustedError to throw).
   */
  async observeResponse(
    headers: Record<string, string | undefined>,
    permit: ApiPermit | undefined,
    outcome: { ok: boolean; dailyLimitExceeded?: boolean; kind: ApiCallKind },
  ): Promise<BudgetExhaustedError | undefined> {
    this.clock.observe(headers.date);
    const usage = parseLimitInfo(headers['sforce-limit-info']);
    if (usage) {
      this.usage = usage;
      if (permit && (!this.seenUsage || permit.seq > this.seenUsage.seq))
        this.seenUsage = {
          used: usage.used,
          max: usage.max,
          seq: permit.seq,
          at: this.clock.known ? this.clock.now() : new Date(),
        };
      for (const listener of this.usageListeners) listener(usage);
    }
    if (!this.governor) return undefined;
    if (outcome.dailyLimitExceeded)
      return this.governor.orgRefused(outcome.kind, this.clock.known ? this.clock.now() : new Date());
    if (outcome.ok && permit?.probe) await this.governor.probeSucceeded(this.seenUsage);
    return undefined;
  }

  get instanceUrl(): string {
    return this.conn.instanceUrl;
  }

  get accessToken(): string {
    return this.conn.accessToken ?? '';
  }

  /** `/services/data/vNN.0` + suffix. */
  dataPath(suffix: string): string {
    return `/services/data/v${this.apiVersion}${suffix.startsWith('/') ? suffix : `/${suffix}`}`;
  }

  async request<T>(req: SalesforceRequest): Promise<SalesforceResponse<T>> {
    const path = req.path.startsWith('/services/') ? req.path : this.dataPath(req.path);
    const kind = req.kind ?? 'backfill';
    const attempt = async (): Promise<SalesforceResponse<T>> => {
      let status = 0;
      let headers: Record<string, string | undefined> = {};
      // Every attempt is a call Salesforce counts: each asks the governor (a refusal is not retried).
      let permit: ApiPermit | undefined;
      try {
        permit = await this.permitCall(kind);
      } catch (err) {
        if (err instanceof BudgetExhaustedError) throw new AbortError(err);
        throw err; // the ledger's database failed: retried like a transient failure
      }
      const api = new HttpApi(this.conn, req.responseType === 'text' ? { responseType: 'text/plain' } : {});
      api.on('response', (response: { statusCode: number; headers: Record<string, string | undefined> }) => {
        status = response.statusCode;
        headers = response.headers;
      });
      try {
        const body = (await api.request({
          method: req.method ?? 'GET',
          url: `${this.conn.instanceUrl}${path}`,
          headers: {
            ...ACCEPT_ENCODING,
            ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...req.headers,
          },
          ...(req.body !== undefined
            ? { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body) }
            : {}),
        })) as T;
        await this.observeResponse(headers, permit, { ok: true, kind });
        return { status, headers, body };
      } catch (err) {
        const sfErr = toSalesforceError(err, path);
        const withStatus =
          status >= 400 ? new SalesforceError(sfErr.message, status, sfErr.errorCode, path) : sfErr;
        // "TotalRequests Limit exceeded": the org's day is spent; the governor blocks every replica's calls.
        const refused = await this.observeResponse(headers, permit, {
          ok: false,
          dailyLimitExceeded: withStatus.dailyLimitExceeded,
          kind,
        });
        if (refused) throw new AbortError(refused);
        if (!withStatus.retryable) throw new AbortError(withStatus);
        throw withStatus;
      }
    };
    try {
      return await pRetry(
        attempt,
        salesforceRetry(this.logger, path, req.retries !== undefined ? { retries: req.retries } : {}),
      );
    } catch (err) {
      const original = (err as { originalError?: unknown }).originalError ?? err;
      if (original instanceof BudgetExhaustedError) throw original;
      throw toSalesforceError(original, path);
    }
  }

  /**
   * A GET whose body is handed over as a stream, never buffered (file bodies, kind `files` by default): the
   * governor, clock, usage, token renewal and retries of `request`, before the body starts (file-download.ts).
   */
  openStream(req: StreamRequest): Promise<StreamResponse> {
    const path = req.path.startsWith('/services/') ? req.path : this.dataPath(req.path);
    return openDownload(
      {
        url: (p) => `${this.conn.instanceUrl}${p}`,
        accessToken: () => this.conn.accessToken ?? '',
        renewToken: async (since) => {
          if (!this.conn._refreshDelegate) throw new Error('this session cannot renew its access token');
          await this.conn._refreshDelegate.refresh(since);
        },
        permit: (kind) => this.permitCall(kind),
        observe: (headers, permit, outcome) => this.observeResponse(headers, permit, outcome),
        logger: this.logger,
      },
      path,
      req,
    );
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
