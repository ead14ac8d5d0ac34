/**
 * Many small reads in few API calls: `/composite` (allOrNone false) runs up to 25 subrequests and counts as one
 * call, of which at most 5 may be query or sObject Collections operations (REST API Developer Guide, "Send
 * Multiple Requests Using Composite"). Each subresponse becomes its body or a SalesforceError of its own, so one
 * failing subrequest does not fail the rest.
 */
import { SalesforceError } from './errors.js';
import type { ApiCallKind, SalesforceSession } from './session.js';

export const MAX_SUBREQUESTS = 25;
export const MAX_QUERY_SUBREQUESTS = 5;

export interface CompositeGet {
  /** Alphanumeric and `_`, unique within the call. */
  referenceId: string;
  /** From the version root (`/sobjects/…`, `/queryAll/?q=…`). */
  path: string;
  /** A Query, QueryAll or QueryMore subrequest (at most 5 per call). */
  query?: boolean;
  /** This subrequest's own headers (e.g. If-Modified-Since). */
  headers?: Record<string, string>;
}

export type CompositeResult =
  | { ok: true; status: number; body: unknown; headers: Record<string, string> }
  | { ok: false; error: SalesforceError };

interface SubResponse {
  body: unknown;
  httpHeaders?: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

/**
 * Splits `subs` into as few calls as the limits allow: at most 25 subrequests and 5 queries in each, the queries
 * spread so that each call carries its share of both.
 */
export function packSubrequests<T extends { query?: boolean }>(subs: readonly T[]): T[][] {
  const queries = subs.filter((s) => s.query);
  const others = subs.filter((s) => !s.query);
  const calls = Math.max(
    Math.ceil(subs.length / MAX_SUBREQUESTS),
    Math.ceil(queries.length / MAX_QUERY_SUBREQUESTS),
  );
  const packs: T[][] = Array.from({ length: calls }, () => []);
  queries.forEach((q, i) => packs[Math.floor(i / MAX_QUERY_SUBREQUESTS)]!.push(q));
  let at = 0;
  for (const other of others) {
    while (packs[at]!.length >= MAX_SUBREQUESTS) at += 1;
    packs[at]!.push(other);
  }
  return packs.filter((p) => p.length > 0);
}

/**
 * Runs `subs` as GET subrequests in as few `/composite` calls as the limits allow, one after another; returns each
 * subrequest's outcome by referenceId. A call that fails as a whole throws (after the session's retries).
 */
export async function compositeGets(
  session: SalesforceSession,
  subs: readonly CompositeGet[],
  kind: ApiCallKind,
): Promise<Map<string, CompositeResult>> {
  const out = new Map<string, CompositeResult>();
  for (const pack of packSubrequests(subs)) {
    const byRef = new Map(pack.map((s) => [s.referenceId, s]));
    const response = await session.request<{ compositeResponse: SubResponse[] }>({
      kind,
      method: 'POST',
      path: '/composite',
      body: {
        allOrNone: false,
        compositeRequest: pack.map((s) => ({
          method: 'GET',
          url: session.dataPath(s.path),
          referenceId: s.referenceId,
          ...(s.headers ? { httpHeaders: s.headers } : {}),
        })),
      },
    });
    for (const sub of response.body.compositeResponse) {
      const asked = byRef.get(sub.referenceId);
      if (!asked) continue;
      out.set(sub.referenceId, resultOf(sub, session.dataPath(asked.path)));
    }
    // A subrequest Salesforce did not answer for is a failure of its own.
    for (const s of pack)
      if (!out.has(s.referenceId))
        out.set(s.referenceId, {
          ok: false,
          error: new SalesforceError('no subresponse for this subrequest', 0, 'NO_SUBRESPONSE', s.path),
        });
  }
  return out;
}

function resultOf(sub: SubResponse, path: string): CompositeResult {
  if (sub.httpStatusCode < 400)
    return { ok: true, status: sub.httpStatusCode, body: sub.body, headers: sub.httpHeaders ?? {} };
  const first = (Array.isArray(sub.body) ? sub.body[0] : sub.body) as
    { errorCode?: string; message?: string } | undefined;
  return {
    ok: false,
    error: new SalesforceError(
      first?.message ?? `subrequest failed with HTTP ${sub.httpStatusCode}`,
      sub.httpStatusCode,
      first?.errorCode ?? `HTTP_${sub.httpStatusCode}`,
      path,
    ),
  };
}
