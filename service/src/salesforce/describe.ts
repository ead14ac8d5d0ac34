/**
 * Schema reads: describeGlobal and per-object describe, with If-Modified-Since so an unchanged schema costs a
 * 304 and no body (REST API developer guide, "Return HTTP 304 When Object Metadata Hasn't Changed"); describes
 * asked together share `/composite` calls.
 */
import { compositeGets, MAX_SUBREQUESTS } from './composite.js';
import type { SalesforceSession } from './session.js';

export interface GlobalObject {
  name: string;
  label: string;
  queryable: boolean;
  replicateable: boolean;
  retrieveable: boolean;
  custom: boolean;
  deprecatedAndHidden: boolean;
  keyPrefix: string | null;
}

export interface DescribeField {
  name: string;
  label: string;
  type: string;
  soapType: string;
  calculated: boolean;
  calculatedFormula: string | null;
  compoundFieldName: string | null;
  referenceTo: string[];
  length: number;
  nillable: boolean;
  [key: string]: unknown;
}

export interface ObjectDescribe {
  name: string;
  label: string;
  queryable: boolean;
  replicateable: boolean;
  fields: DescribeField[];
  [key: string]: unknown;
}

/** RFC 7231 date for If-Modified-Since. */
const httpDate = (d: Date) => d.toUTCString();

export async function describeGlobal(
  session: SalesforceSession,
  since?: Date,
): Promise<GlobalObject[] | 'not-modified'> {
  const res = await session.request<{ sobjects: GlobalObject[] } | ''>({
    path: '/sobjects/',
    headers: since ? { 'If-Modified-Since': httpDate(since) } : {},
  });
  if (res.status === 304) return 'not-modified';
  if (typeof res.body !== 'object' || !Array.isArray(res.body.sobjects)) {
    throw new Error('describeGlobal answered without an sobjects list');
  }
  return res.body.sobjects;
}

const describePath = (name: string) => `/sobjects/${encodeURIComponent(name)}/describe/`;

function describeBody(name: string, body: unknown): ObjectDescribe {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as ObjectDescribe).fields)) {
    throw new Error(`describe of ${name} answered without a field list`);
  }
  return body as ObjectDescribe;
}

async function describeOne(
  session: SalesforceSession,
  name: string,
  since?: Date,
): Promise<ObjectDescribe | 'not-modified'> {
  const res = await session.request<ObjectDescribe | ''>({
    path: describePath(name),
    headers: since ? { 'If-Modified-Since': httpDate(since) } : {},
  });
  if (res.status === 304) return 'not-modified';
  return describeBody(name, res.body);
}

/**
 * A describe of `name` (304 → 'not-modified' when `since` is given). Describes asked at about the same time on one
 * session (a scan's parallel describes) travel together in `/composite` calls of up to 25, each subrequest with
 * its own If-Modified-Since: one API call instead of 25. A subrequest that fails transiently is asked again alone
 * (with the session's retries).
 */
export function describeObject(
  session: SalesforceSession,
  name: string,
  since?: Date,
): Promise<ObjectDescribe | 'not-modified'> {
  let batcher = batchers.get(session);
  if (!batcher) {
    batcher = new DescribeBatcher(session);
    batchers.set(session, batcher);
  }
  return batcher.describe(name, since);
}

interface PendingDescribe {
  name: string;
  since: Date | undefined;
  resolve(value: ObjectDescribe | 'not-modified'): void;
  reject(err: unknown): void;
}

/** How long a describe waits for others to share its call. */
const DESCRIBE_BATCH_WAIT_MS = 50;
const batchers = new WeakMap<SalesforceSession, DescribeBatcher>();

class DescribeBatcher {
  private pending: PendingDescribe[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** One call in flight at a time: a scan holds one of the org's concurrent requests, and calls fill up. */
  private sending = false;

  constructor(private readonly session: SalesforceSession) {}

  describe(name: string, since: Date | undefined): Promise<ObjectDescribe | 'not-modified'> {
    return new Promise((resolve, reject) => {
      this.pending.push({ name, since, resolve, reject });
      if (this.sending) return;
      if (this.pending.length >= MAX_SUBREQUESTS) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), DESCRIBE_BATCH_WAIT_MS);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0, MAX_SUBREQUESTS);
    if (batch.length === 0) return;
    this.sending = true;
    void this.send(batch).finally(() => {
      this.sending = false;
      if (this.pending.length >= MAX_SUBREQUESTS) this.flush();
      else if (this.pending.length > 0) this.timer ??= setTimeout(() => this.flush(), DESCRIBE_BATCH_WAIT_MS);
    });
  }

  private async send(batch: PendingDescribe[]): Promise<void> {
    if (batch.length === 1) {
      const [one] = batch as [PendingDescribe];
      await describeOne(this.session, one.name, one.since).then(one.resolve, one.reject);
      return;
    }
    let results: Awaited<ReturnType<typeof compositeGets>>;
    try {
      results = await compositeGets(
        this.session,
        batch.map((p, i) => ({
          referenceId: `d${i}`,
          path: describePath(p.name),
          ...(p.since ? { headers: { 'If-Modified-Since': httpDate(p.since) } } : {}),
        })),
        'schema',
      );
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const [i, p] of batch.entries()) {
      const result = results.get(`d${i}`)!;
      if (!result.ok) {
        if (result.error.retryable)
          await describeOne(this.session, p.name, p.since).then(p.resolve, p.reject);
        else p.reject(result.error);
      } else if (result.status === 304) p.resolve('not-modified');
      else {
        try {
          p.resolve(describeBody(p.name, result.body));
        } catch (err) {
          p.reject(err);
        }
      }
    }
  }
}
