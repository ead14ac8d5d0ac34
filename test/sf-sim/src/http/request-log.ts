/**
 * The request log (`GET /__sim/requests`): every data-API request with the session that made it, the objects it
 * touched and when it started and ended in real time, so a test can prove who worked on what, and when (e.g. that
 * two service replicas never read one object at the same moment).
 *
 * The objects a request touches are read from the wire alone: the sObject in the path, the `FROM` of a query's
 * `q`, and, for requests that name no object, what an earlier answer said — a query's `nextRecordsUrl` locator
 * and a Bulk 2.0 job's id belong to the object of the query or job that produced them. A `/composite` or
 * `/composite/batch` request touches the objects of all its subrequests (read from each subrequest's url as it
 * runs), keeping its own kind (`other`), so `?object=X` finds the composite that queried or described X.
 */
import { createHash } from 'node:crypto';
import type { WireResponse } from './context.js';

export interface LoggedRequest {
  /** Order of arrival, from 1. */
  seq: number;
  /** A digest of the access token (12 hex characters), empty without one: one per session, never the token. */
  session: string;
  method: string;
  /** The path without its query string. */
  path: string;
  /** What the request does; a query locator's pages and a Bulk job's calls carry the kind of what made them. */
  kind: RequestKind;
  /** The sObjects the request reads or writes (usually one; none for describeGlobal, limits …). */
  objects: string[];
  /** Real time (ms since the epoch) the request arrived and its response finished or was dropped. */
  startedAt: number;
  endedAt: number | null;
  status: number | null;
}

export type RequestKind =
  'query' | 'queryAll' | 'bulkQuery' | 'describe' | 'deleted' | 'updated' | 'sobject' | 'other';

/** A composite's subrequest as the log classified it. */
export interface Subrequest {
  kind: RequestKind;
  objects: string[];
  rest: string;
}

interface Origin {
  kind: RequestKind;
  object: string;
}

/** Entries kept; older ones are dropped (and counted) so a long run cannot grow the simulator without bound. */
const MAX_ENTRIES = 200_000;
const DATA_PATH = /^\/services\/data\/v\d+\.\d(\/.*)?$/;
const FROM = /\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)/gi;

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private nextSeq = 1;
  private dropped = 0;
  /** Query locators and Bulk job ids, with the object and kind of the request that made them. */
  private readonly origins = new Map<string, Origin>();

  /** Starts an entry for a data-API request; undefined for any other path. */
  begin(
    method: string,
    path: string,
    query: URLSearchParams,
    token: string | undefined,
  ): LoggedRequest | undefined {
    const data = DATA_PATH.exec(path);
    if (!data) return undefined;
    const { kind, objects } = this.classify(data[1] ?? '', query);
    const entry: LoggedRequest = {
      seq: this.nextSeq++,
      session: token ? createHash('sha256').update(token).digest('hex').slice(0, 12) : '',
      method,
      path,
      kind,
      objects,
      startedAt: Date.now(),
      endedAt: null,
      status: null,
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) {
      const excess = this.entries.length - MAX_ENTRIES;
      this.entries.splice(0, excess);
      this.dropped += excess;
    }
    return entry;
  }

  /** Learns from an answer what later requests will not name: its query locator, or its Bulk job's id. */
  learn(entry: LoggedRequest, response: WireResponse): void {
    const object = this.learnFrom(entry.kind, entry.objects, entry.path, response);
    if (object && entry.objects.length === 0) entry.objects = [object];
  }

  /**
   * A subrequest of a composite request (`rest`: its path after `/services/data/vNN.0`): adds the objects it
   * touches to the composite's entry. Returns what to hand to `learnSubrequest` once the subrequest answered.
   */
  subrequest(entry: LoggedRequest, rest: string, query: URLSearchParams): Subrequest {
    const { kind, objects } = this.classify(rest, query);
    this.addObjects(entry, objects);
    return { kind, objects, rest };
  }

  /** Learns from a subrequest's answer (its query locator, its object) as from a request's own. */
  learnSubrequest(entry: LoggedRequest, sub: Subrequest, response: WireResponse): void {
    const object = this.learnFrom(sub.kind, sub.objects, sub.rest, response);
    if (object) this.addObjects(entry, [object]);
  }

  private addObjects(entry: LoggedRequest, objects: readonly string[]): void {
    for (const object of objects) if (!entry.objects.includes(object)) entry.objects.push(object);
  }

  /** Remembers the locator or job id an answer gives out; returns the object it concerns, if known. */
  private learnFrom(
    kind: RequestKind,
    objects: readonly string[],
    path: string,
    response: WireResponse,
  ): string | undefined {
    if (!('json' in response) || !response.json || typeof response.json !== 'object') return undefined;
    const body = response.json as { nextRecordsUrl?: unknown; id?: unknown; object?: unknown };
    const object = objects[0] ?? (typeof body.object === 'string' ? body.object : undefined);
    if (!object) return undefined;
    if (typeof body.nextRecordsUrl === 'string') {
      const locator = /\/query(?:All)?\/([^/?]+)/.exec(body.nextRecordsUrl)?.[1];
      if (locator) this.remember(decodeURIComponent(locator), { kind, object });
    }
    if (typeof body.id === 'string' && /\/jobs\/query\/?$/.test(path))
      this.remember(body.id, { kind: 'bulkQuery', object });
    return object;
  }

  private remember(key: string, origin: Origin): void {
    this.origins.set(key, origin);
    if (this.origins.size > MAX_ENTRIES) this.origins.delete(this.origins.keys().next().value!);
  }

  end(entry: LoggedRequest, status: number): void {
    entry.endedAt ??= Date.now();
    entry.status ??= status;
  }

  /** Entries after `since` (a seq), optionally only those touching `object`. */
  list(since = 0, object?: string): { requests: LoggedRequest[]; next: number; dropped: number } {
    const wanted = object?.toLowerCase();
    const requests = this.entries.filter(
      (e) => e.seq > since && (!wanted || e.objects.some((o) => o.toLowerCase() === wanted)),
    );
    return { requests, next: this.nextSeq - 1, dropped: this.dropped };
  }

  private classify(rest: string, query: URLSearchParams): { kind: RequestKind; objects: string[] } {
    const sobject = /^\/(?:sobjects|composite\/sobjects)\/([^/]+)(\/[^/]+)?/.exec(rest);
    if (sobject) {
      const action = sobject[2]?.slice(1);
      const kind = action === 'describe' || action === 'deleted' || action === 'updated' ? action : 'sobject';
      return { kind, objects: [decodeURIComponent(sobject[1]!)] };
    }
    if (/^\/jobs\/query\/?$/.test(rest)) return { kind: 'bulkQuery', objects: [] };
    const q = query.get('q');
    const all = /^\/queryAll\/?$/.test(rest);
    if (q && (all || /^\/query\/?$/.test(rest)))
      return {
        kind: all ? 'queryAll' : 'query',
        objects: [...new Set([...q.matchAll(FROM)].map((m) => m[1]!))],
      };
    const key = /^\/query(?:All)?\/([^/]+)/.exec(rest)?.[1] ?? /^\/jobs\/query\/([^/]+)/.exec(rest)?.[1];
    const origin = key === undefined ? undefined : this.origins.get(decodeURIComponent(key));
    if (origin) return { kind: origin.kind, objects: [origin.object] };
    if (/^\/sobjects\/?$/.test(rest)) return { kind: 'describe', objects: [] };
    return { kind: 'other', objects: [] };
  }
}
