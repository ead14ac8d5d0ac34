/** A failed Salesforce call, with what the backup needs to decide: retry, back off, re-authenticate, or give up. */
export class SalesforceError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** Salesforce's errorCode (INVALID_FIELD, REQUEST_LIMIT_EXCEEDED, …) or a transport code (ECONNRESET, TIMEOUT). */
    readonly errorCode: string,
    /** The request path, without the host. */
    readonly path: string,
  ) {
    super(message);
    this.name = 'SalesforceError';
  }

  /**
   * Worth retrying after a pause: 5xx, connection resets, timeouts, 429, transient lock errors, and the org's
   * concurrent long-running request limit ("ConcurrentPerOrgLongTxn Limit exceeded": one of the org's long
   * requests ends soon).
   */
  get retryable(): boolean {
    if (this.status >= 500 || this.status === 429 || this.status === 0) return true;
    if (this.errorCode === 'REQUEST_LIMIT_EXCEEDED') return /ConcurrentPerOrgLongTxn/i.test(this.message);
    // Not QUERY_TIMEOUT: the same query would run as long again; the record reader asks for smaller windows.
    return ['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE'].includes(this.errorCode);
  }

  /**
   * The org's daily API allowance is used up ("TotalRequests Limit exceeded"): wait until the rolling day frees
   * allowance, do not retry now. The other REQUEST_LIMIT_EXCEEDED (concurrent long requests) is `retryable`.
   */
  get dailyLimitExceeded(): boolean {
    return this.errorCode === 'REQUEST_LIMIT_EXCEEDED' && !/ConcurrentPerOrgLongTxn/i.test(this.message);
  }
}

/** Turns whatever jsforce or the transport threw into a SalesforceError. */
export function toSalesforceError(err: unknown, path: string): SalesforceError {
  if (err instanceof SalesforceError) return err;
  const e = err as {
    message?: string;
    errorCode?: string;
    name?: string;
    code?: string;
    statusCode?: number;
    data?: unknown;
  };
  // fetch says only "fetch failed"; the reason (refused, reset, DNS, TLS) is in its cause.
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message;
  const message = `${e?.message ?? String(err)}${e?.message === 'fetch failed' && reason ? ` (${reason})` : ''}`;
  const body = Array.isArray(e?.data)
    ? (e.data[0] as { errorCode?: string } | undefined)
    : (e?.data as { errorCode?: string } | undefined);
  const code =
    e?.errorCode ?? body?.errorCode ?? e?.code ?? (e?.name && e.name !== 'Error' ? e.name : undefined);
  if (
    e?.code &&
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_SOCKET|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/.test(
      e.code,
    )
  ) {
    return new SalesforceError(message, 0, e.code, path);
  }
  if (/socket hang up|other side closed|fetch failed|terminated/i.test(message))
    return new SalesforceError(message, 0, 'ECONNRESET', path);
  const status = e?.statusCode ?? statusForCode(code);
  return new SalesforceError(message, status, code ?? 'UNKNOWN', path);
}

function statusForCode(code: string | undefined): number {
  switch (code) {
    case 'INVALID_SESSION_ID':
      return 401;
    case 'REQUEST_LIMIT_EXCEEDED':
    case 'INSUFFICIENT_ACCESS':
    case 'API_DISABLED_FOR_ORG':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'SERVER_UNAVAILABLE':
      return 503;
    case 'ERROR_HTTP_500':
    case 'UNKNOWN_EXCEPTION':
      return 500;
    default:
      return code && /^ERROR_HTTP_(\d{3})$/.test(code) ? Number(code.slice(11)) : 400;
  }
}
