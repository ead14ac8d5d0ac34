/**
 * A streamed GET of a file body (ContentVersion.VersionData, Attachment.Body, Document.Body — REST API Developer
 * Guide, "Get Blob Data": `GET /services/data/vNN.0/sobjects/{object}/{id}/{field}`): the response body is handed
 * to the caller as a stream, never buffered, so a body of any size passes through with constant memory. Like
 * `SalesforceSession.request` it asks the API budget governor first, feeds the org clock and `Sforce-Limit-Info`
 * from every response, renews the token once on 401 and retries 5xx, 429 and network failures with backoff — but
 * only before the body starts: once bytes flow, a broken stream is the caller's failure to retry as a whole.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../logger.js';
import type { ApiPermit } from './api-governor.js';
import { SalesforceError, toSalesforceError } from './errors.js';
import { salesforceRetry } from './retry-policy.js';
import type { ApiCallKind } from './session.js';

export interface StreamRequest {
  /** Path from the host (`/services/data/v62.0/...`) or from the version root (`/sobjects/...`). */
  path: string;
  /** What the call is for (default `files`). */
  kind?: ApiCallKind;
  /** Retries before the body starts (default 6, about 16 s of backoff in all). */
  retries?: number;
  /** Aborts the request and the body stream. */
  signal?: AbortSignal;
  /** The Accept header (e.g. `text/csv` for Bulk API 2.0 results). */
  accept?: string;
  /** What is downloaded, for the retry log (default "a file download"). */
  what?: string;
  /** Ask for a gzip body (decompressed on arrival; `size` is then unknown). Default: as it is stored. */
  compressed?: boolean;
}

export interface StreamResponse {
  status: number;
  headers: Record<string, string | undefined>;
  /** Content-Length when the org sent one. */
  size: number | null;
  body: Readable;
}

/** What the download needs from the session it runs in (SalesforceSession.openStream provides it). */
export interface DownloadTransport {
  url(path: string): string;
  accessToken(): string;
  /** Re-runs the grant unless a renewal finished after `since` (ms). */
  renewToken(since: number): Promise<void>;
  permit(kind: ApiCallKind): Promise<ApiPermit | undefined>;
  observe(
    headers: Record<string, string | undefined>,
    permit: ApiPermit | undefined,
    outcome: { ok: boolean; dailyLimitExceeded?: boolean; kind: ApiCallKind },
  ): Promise<Error | undefined>;
  logger: Logger;
}

function headerRecord(headers: Headers): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Salesforce answers errors as `[{"message","errorCode"}]` (sometimes a single object, or an HTML page). */
async function errorOf(res: Response, path: string): Promise<SalesforceError> {
  const text = await res.text().catch(() => '');
  let first: { message?: unknown; errorCode?: unknown } | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    first = (Array.isArray(parsed) ? parsed[0] : parsed) as typeof first;
  } catch {
    first = undefined;
  }
  const errorCode = typeof first?.errorCode === 'string' ? first.errorCode : `ERROR_HTTP_${res.status}`;
  const message =
    typeof first?.message === 'string'
      ? first.message
      : `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return new SalesforceError(message, res.status, errorCode, path);
}

export async function openDownload(
  transport: DownloadTransport,
  path: string,
  req: StreamRequest,
): Promise<StreamResponse> {
  const kind = req.kind ?? 'files';
  let renewed = false;
  const attempt = async (): Promise<StreamResponse> => {
    let permit: ApiPermit | undefined;
    try {
      permit = await transport.permit(kind);
    } catch (err) {
      throw new AbortError(err as Error);
    }
    const startedAt = Date.now();
    let res: Response;
    try {
      res = await fetch(transport.url(path), {
        headers: {
          Authorization: `Bearer ${transport.accessToken()}`,
          // A file body is streamed as it is, so its Content-Length stays the body's size.
          'Accept-Encoding': req.compressed ? 'gzip' : 'identity',
          ...(req.accept !== undefined && { Accept: req.accept }),
        },
        ...(req.signal !== undefined && { signal: req.signal }),
      });
    } catch (err) {
      if (req.signal?.aborted) throw new AbortError(err as Error);
      throw toSalesforceError(err, path); // network: retried
    }
    const headers = headerRecord(res.headers);
    if (res.ok && res.body) {
      await transport.observe(headers, permit, { ok: true, kind });
      const length = req.compressed ? NaN : Number(headers['content-length']);
      return {
        status: res.status,
        headers,
        size: Number.isSafeInteger(length) ? length : null,
        body: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      };
    }
    const error = await errorOf(res, path);
    const refused = await transport.observe(headers, permit, {
      ok: false,
      dailyLimitExceeded: error.dailyLimitExceeded,
      kind,
    });
    if (refused) throw new AbortError(refused);
    if (res.status === 401 && !renewed) {
      renewed = true;
      await transport.renewToken(startedAt);
      throw error; // retried with the new token
    }
    if (!error.retryable) throw new AbortError(error);
    throw error;
  };
  try {
    return await pRetry(
      attempt,
      salesforceRetry(transport.logger, path, {
        ...(req.retries !== undefined && { retries: req.retries }),
        ...(req.signal !== undefined && { signal: req.signal }),
        what: req.what ?? 'a file download',
      }),
    );
  } catch (err) {
    const original = (err as { originalError?: unknown }).originalError ?? err;
    if (original instanceof SalesforceError || !(original instanceof Error))
      throw toSalesforceError(original, path);
    // The governor's refusal (BudgetExhaustedError) or an abort: as it is.
    if (original.name === 'AbortError' || original.name === 'BudgetExhaustedError') throw original;
    throw toSalesforceError(original, path);
  }
}
