/**
 * Objects' first REST slices read ahead together: one `/composite` call carries up to 5 queries (composite.ts), so
 * the first pages of 5 objects cost one API call instead of five. Most objects of an org fit in their first page
 * (up to 2,000 rows), so a pass over them costs about one call per 5 objects; a larger backlog goes on from the
 * page's nextRecordsUrl, and the first page of a backlog for Bulk API 2.0 tells its size as the probe would
 * (record-backup.ts).
 *
 * The getDeleted each run will ask (delete-tracking.ts) rides along in the same call (25 subrequests a call, 5 of
 * them queries). For objects already caught up, the first slice is the re-read of their overlap and what changed
 * since: an idle object's comes back empty, so a pass over caught-up objects costs about one call per 5 objects
 * with every change and delete up to the org's now − lag read — exactly, where getUpdated would vouch only for
 * whole minutes.
 *
 * Pages are fetched in the order the objects run, a group of 5 when the first of them is asked for, so at most a
 * group or two of pages is held at once. Some first reads are planned ahead instead (`planAhead`), to ride in a
 * call made for other work: the pass's change checks (pass-opening.ts).
 *
 * The next pages of reads that go on through REST (a caught-up object's slice, a backlog under the Bulk threshold,
 * parent Ids) ride the same way: each page that says more follows is queued as a QueryMore subrequest, and the
 * next call a run needs carries the queued ones first (an object's own pages follow one another, but several
 * objects' pages share a call). A run asks its next page of the reader (`more`); one whose call failed asks on its
 * own. The batch queries of an object read through its parents' Ids (ContentDocumentLink) ride too: those of the
 * parents the backup holds (when few) go with the query of the parents' Ids, and those of parents it finds new are
 * queued once it answers, so they ride in another run's call instead of one of their own.
 * A query that fails in the batch (or a batch that fails whole) is left to
 * the object's own run, which asks again and reports the failure as usual.
 */
import {
  compositeGets,
  MAX_QUERY_SUBREQUESTS,
  type CompositeGet,
  type CompositeResult,
} from '../salesforce/composite.js';
import { replicationPath, type DeletedRecords } from '../salesforce/replication.js';
import { querySubrequest, type RawQueryPage } from '../salesforce/rest-query.js';
import type { ApiCallKind } from '../salesforce/session.js';
import { liveRecordIdsAtMost } from '../store/registry/live-records.js';
import type { RegistryObject } from '../store/registry/object-registry.js';
import { getDeletedStart, type PrefetchedDeletes } from './delete-tracking.js';
import { windowUpperBound, type EngineContext } from './engine-context.js';
import { readableByBulk, type ObjectSupport } from './object-support.js';
import {
  firstSliceQuery,
  PARENT_BATCH_OPTIONS,
  PARENT_IDS_PER_QUERY,
  parentBatchQueries,
  type FirstQuery,
  type PrefetchedSlice,
} from './record-backup.js';

/** What was read ahead for one object's run (either may be missing: the run then asks itself). */
export interface Prefetched {
  slice?: PrefetchedSlice;
  deletes?: PrefetchedDeletes;
}

interface Pending {
  object: RegistryObject;
  /** Set once its group was fetched. */
  slice?: Promise<Prefetched>;
}

interface Planned extends FirstQuery {
  entry: Pending;
  /** The getDeleted its run will ask, when it asks one. */
  deleted?: { start: Date; path: string };
  /** An object read through its parents' Ids: the batch queries of the parents the backup holds. */
  batches?: string[];
}

/** A read's share of a call: its queries (of the 5 a call carries) and its subrequests (of the 25). */
export interface ReadCost {
  queries: number;
  subs: number;
}

/**
 * Parents the backup holds, at most this many, have their batches planned with the query of the parents' Ids:
 * together one call's 5 queries.
 */
const MAX_KNOWN_PARENTS = (MAX_QUERY_SUBREQUESTS - 1) * PARENT_IDS_PER_QUERY;

export class FirstSliceReader {
  private readonly pending: Pending[];
  private readonly byName = new Map<string, Pending>();
  /** Next pages of the queries read ahead, by nextRecordsUrl; `queued` holds those not yet asked. */
  private readonly follows = new Map<string, Follow>();
  private queued: Follow[] = [];
  /** Objects read through their parents' Ids: the parents' Ids the backup holds (`loadKnownParents`). */
  private readonly knownParents = new Map<string, string[]>();

  /** `objects` in the order their runs start; their runs track deletes (backupObject's default). */
  constructor(
    private readonly ctx: EngineContext,
    objects: readonly RegistryObject[],
  ) {
    this.pending = objects.map((object) => ({ object }));
    for (const p of this.pending) this.byName.set(p.object.name, p);
  }

  /**
   * For objects read through their parents' Ids, the parents the backup holds (when few): their batches are asked
   * along with the query of the parents' Ids, so an object whose parents did not change needs no call of its own.
   */
  async loadKnownParents(): Promise<void> {
    for (const { object } of this.pending) {
      const support = object.supportDetail as ObjectSupport | null;
      if (!support?.supported || support.access.kind !== 'parent-id-batches') continue;
      const { knex } = this.ctx.store;
      const ids = await liveRecordIdsAtMost(
        knex,
        this.ctx.org.orgId,
        support.access.parentObject,
        MAX_KNOWN_PARENTS,
      );
      if (ids && ids.length > 0) this.knownParents.set(object.name, ids);
    }
  }

  /** What the object's first read would add to a call, when it can be read ahead now. */
  costOf(object: RegistryObject): ReadCost | undefined {
    const entry = this.byName.get(object.name);
    if (!entry || entry.slice) return undefined;
    const plan = this.plan(entry, windowUpperBound(this.ctx), this.ctx.session.clock.now());
    return plan ? { queries: queriesOf(plan), subs: queriesOf(plan) + (plan.deleted ? 1 : 0) } : undefined;
  }

  /** What was read ahead for the object's run (once; later calls answer nothing), fetching its group if needed. */
  async take(name: string): Promise<Prefetched> {
    const entry = this.byName.get(name);
    if (!entry) return {};
    this.byName.delete(name);
    entry.slice ??= this.fetchFrom(entry);
    return entry.slice;
  }

  /** Objects that will not run after all (found idle): nothing is read ahead for them. */
  drop(names: Iterable<string>): void {
    for (const name of names) {
      const entry = this.byName.get(name);
      if (!entry) continue;
      this.byName.delete(name);
      entry.slice ??= Promise.resolve({});
    }
  }

  /**
   * The subrequests of `objects`' first reads, to ride in a `/composite` call made for other work (the pass's
   * change checks), and the settling of their answers into what their runs take. Objects whose run starts otherwise
   * are left out (`planned` names those in).
   */
  planAhead(objects: readonly RegistryObject[], prefix: string): ReadAhead {
    const upTo = windowUpperBound(this.ctx);
    const now = this.ctx.session.clock.now();
    const planned: Planned[] = [];
    for (const object of objects) {
      const entry = this.byName.get(object.name);
      const plan = entry && !entry.slice ? this.plan(entry, upTo, now) : undefined;
      if (plan) planned.push(plan);
    }
    const refs = (i: number) => ({ query: `${prefix}${i}`, deleted: `${prefix}del${i}` });
    let settle!: (results: Map<string, CompositeResult> | undefined) => void;
    const answered = new Promise<Map<string, CompositeResult> | undefined>((resolve) => (settle = resolve));
    planned.forEach((plan, i) => {
      plan.entry.slice = answered.then((results) =>
        results ? this.prefetchedFrom(plan, upTo, results, refs(i)) : {},
      );
    });
    return {
      planned: planned.map((p) => p.entry.object.name),
      subs: planned.flatMap((plan, i) => subrequestsOf(plan, refs(i))),
      settle,
    };
  }

  /** What the object's run starts with, when it is a query that can be read ahead. */
  private plan(entry: Pending, upTo: Date, now: Date): Planned | undefined {
    const first = firstSliceQuery(this.ctx, entry.object, upTo);
    if (!first) return undefined;
    const start = getDeletedStart(this.ctx, entry.object, now, upTo);
    const known = first.parents ? this.knownParents.get(entry.object.name) : undefined;
    return {
      entry,
      ...first,
      ...(known ? { batches: parentBatchQueries(entry.object, upTo, known) } : {}),
      ...(start
        ? { deleted: { start, path: replicationPath('deleted', entry.object.name, start, upTo) } }
        : {}),
    };
  }

  /**
   * One call of up to 5 queries for the run that waits: its first slice (`first`) or a next page it asked for
   * (`follow`), the other next pages waiting to be asked, then the first slices of the objects that run next.
   */
  private fetchFrom(first?: Pending, follow?: Follow): Promise<Prefetched> {
    const upTo = windowUpperBound(this.ctx);
    const now = this.ctx.session.clock.now();
    const follows = follow ? [follow] : [];
    const group: Planned[] = [];
    if (first) {
      const plan = this.plan(first, upTo, now);
      if (!plan) first.slice = Promise.resolve({});
      else group.push(plan);
    }
    const room = () =>
      MAX_QUERY_SUBREQUESTS - follows.length - group.reduce((n, plan) => n + queriesOf(plan), 0);
    this.queued = this.queued.filter((f) => {
      if (f === follow || room() === 0) return f !== follow;
      follows.push(f);
      return false;
    });
    // Stopping: only the pages of runs under way, no other object's first slice.
    const readAhead = !this.ctx.signal?.aborted;
    for (
      let i = first ? this.pending.indexOf(first) + 1 : 0;
      readAhead && i < this.pending.length && room() > 0;
      i++
    ) {
      const entry = this.pending[i]!;
      if (entry.slice || !this.byName.has(entry.object.name)) continue;
      const plan = this.plan(entry, upTo, now);
      if (plan && queriesOf(plan) <= room()) group.push(plan);
    }
    for (const f of follows) f.sent = true;
    const fetched = this.fetch(group, follows, upTo);
    for (const { entry } of group) entry.slice = fetched.then((pages) => pages.get(entry) ?? {});
    return first?.slice ?? Promise.resolve({});
  }

  private async fetch(group: Planned[], follows: Follow[], upTo: Date): Promise<Map<Pending, Prefetched>> {
    const out = new Map<Pending, Prefetched>();
    // One object's query alone costs as much in the object's own run (not with its getDeleted or its batches).
    if (follows.length === 0 && group.length <= 1 && !group[0]?.deleted && !group[0]?.batches) return out;
    const refs = (i: number) => ({ query: `first${i}`, deleted: `deleted${i}` });
    const subs = [
      ...group.flatMap((plan, i) => subrequestsOf(plan, refs(i))),
      ...follows.map((f, i) => ({
        referenceId: `more${i}`,
        path: versionRootPath(f.path),
        query: true,
        ...(f.headers ? { headers: f.headers } : {}),
      })),
    ];
    // Backfilling objects' reads are backfill calls; caught-up objects' are checks (the budget's reserve).
    const kind: ApiCallKind =
      group.every(({ entry }) => entry.object.backfillCompletedAt) && follows.every((f) => f.kind === 'check')
        ? 'check'
        : 'backfill';
    let results: Map<string, CompositeResult> | undefined;
    try {
      results = await compositeGets(this.ctx.session, subs, kind);
      group.forEach((plan, i) => out.set(plan.entry, this.prefetchedFrom(plan, upTo, results!, refs(i))));
    } catch (err) {
      this.ctx.logger.warn(
        {
          type: 'first-slices',
          orgId: this.ctx.org.orgId,
          objects: group.map((g) => g.entry.object.name),
          err,
        },
        'reading first slices together failed; each object reads its own',
      );
    }
    follows.forEach((f, i) => {
      const result = results?.get(`more${i}`);
      const page = result?.ok ? (result.body as RawQueryPage) : undefined;
      if (page) this.followOn(page, f.kind);
      f.resolve(page);
    });
    return out;
  }

  /** What a run takes from the answers: a failed subrequest is left for the run to ask again (and report). */
  private prefetchedFrom(
    plan: Planned,
    upTo: Date,
    results: Map<string, CompositeResult>,
    refs: Refs,
  ): Prefetched {
    const result = results.get(refs.query);
    const deleted = results.get(refs.deleted);
    const page = result?.ok ? (result.body as RawQueryPage) : undefined;
    const kind: ApiCallKind = plan.entry.object.backfillCompletedAt ? 'check' : 'backfill';
    if (page && this.readsOnByRest(plan, page)) this.followOn(page, kind);
    const batches =
      page?.done && plan.parents ? this.batchesOf(plan, upTo, page, results, refs, kind) : undefined;
    const more = (path: string) => this.more(path, kind);
    const ask = (soqls: readonly string[]) => this.ask(soqls, kind);
    return {
      ...(page ? { slice: { upTo, soql: plan.soql, page, more, ask, ...(batches ? { batches } : {}) } } : {}),
      ...(plan.deleted && deleted?.ok
        ? { deletes: { start: plan.deleted.start, page: deleted.body as DeletedRecords } }
        : {}),
    };
  }

  /**
   * All the parents' Ids at hand (`page`): the batch queries of an object read through them. Those of the parents
   * the backup held were asked along with the Ids, and their answers are kept for the run; those of new parents
   * are queued to ride in the next call.
   */
  private batchesOf(
    plan: Planned,
    upTo: Date,
    page: RawQueryPage,
    results: Map<string, CompositeResult>,
    refs: Refs,
    kind: ApiCallKind,
  ): string[] {
    const planned = plan.batches ?? [];
    planned.forEach((soql, j) => {
      const result = results.get(`${refs.query}b${j}`);
      const answer = result?.ok ? (result.body as RawQueryPage) : undefined;
      const follow = this.queryFollow(soql, kind, false);
      follow.sent = true;
      if (answer) this.followOn(answer, kind);
      follow.resolve(answer);
    });
    const known = new Set(this.knownParents.get(plan.entry.object.name));
    const fresh = (page.records as { Id: string }[]).map((r) => r.Id).filter((id) => !known.has(id));
    const more = parentBatchQueries(plan.entry.object, upTo, fresh);
    for (const soql of more) this.queryFollow(soql, kind);
    return [...planned, ...more];
  }

  /**
   * Whether the run reads this query's pages on through REST: a caught-up object's slice, an object Bulk cannot
   * read, the parent Ids of an object read through them, or a backlog under the Bulk threshold (the probe of a
   * larger one goes to Bulk API 2.0 instead, record-backup.ts).
   */
  private readsOnByRest(plan: Planned, page: RawQueryPage): boolean {
    const object = plan.entry.object;
    return (
      !plan.scanAll ||
      !!object.backfillCompletedAt ||
      !readableByBulk(object.supportDetail) ||
      page.totalSize < this.ctx.options.bulkThreshold
    );
  }

  /** The page after `page`, queued to ride in the next call (its run will ask for it). */
  private followOn(page: RawQueryPage, kind: ApiCallKind): void {
    if (page.done || !page.nextRecordsUrl || this.follows.has(page.nextRecordsUrl)) return;
    const follow = newFollow(page.nextRecordsUrl, kind);
    this.follows.set(follow.path, follow);
    this.queued.push(follow);
  }

  /** A query a run will ask (a batch through parents' Ids), queued to ride in the next call; once per query. */
  private queryFollow(soql: string, kind: ApiCallKind, queue = true): Follow {
    const { path, headers } = querySubrequest('', soql, PARENT_BATCH_OPTIONS);
    let follow = this.follows.get(path);
    if (!follow) {
      follow = newFollow(path, kind, headers);
      this.follows.set(path, follow);
      if (queue) this.queued.push(follow);
    }
    return follow;
  }

  /**
   * A run's queries' first pages: read ahead, or asked now, together and with whatever else waits (the first
   * of them carries the rest as far as a call holds them). A page missing (its call failed) is for the run to ask.
   */
  private async ask(soqls: readonly string[], kind: ApiCallKind): Promise<(RawQueryPage | undefined)[]> {
    const asked = soqls.map((soql) => this.queryFollow(soql, kind));
    for (const follow of asked) if (!follow.sent) void this.fetchFrom(undefined, follow);
    const pages = await Promise.all(asked.map((f) => f.page));
    for (const follow of asked) this.follows.delete(follow.path);
    return pages;
  }

  /** A next page for a run: read ahead, or asked now with whatever else waits; on its own when that failed. */
  private async more(path: string, kind: ApiCallKind): Promise<RawQueryPage> {
    let follow = this.follows.get(path);
    if (!follow) {
      follow = newFollow(path, kind);
      this.follows.set(path, follow);
    }
    if (!follow.sent) void this.fetchFrom(undefined, follow);
    const page = await follow.page;
    this.follows.delete(path);
    return page ?? (await this.ctx.session.request<RawQueryPage>({ path, kind })).body;
  }
}

/**
 * A next page of a query read ahead (a QueryMore subrequest, one of a call's 5 queries), or the first page of a
 * query a run will ask.
 */
interface Follow {
  /** The nextRecordsUrl, or the query's path. */
  path: string;
  headers?: Record<string, string>;
  kind: ApiCallKind;
  sent: boolean;
  /** Undefined when its call or subrequest failed: the run then asks for it on its own. */
  page: Promise<RawQueryPage | undefined>;
  resolve(page: RawQueryPage | undefined): void;
}

function newFollow(path: string, kind: ApiCallKind, headers?: Record<string, string>): Follow {
  let resolve!: (page: RawQueryPage | undefined) => void;
  const page = new Promise<RawQueryPage | undefined>((r) => (resolve = r));
  return { path, ...(headers ? { headers } : {}), kind, sent: false, page, resolve };
}

/** A nextRecordsUrl (`/services/data/vNN.N/query/…`) as a subrequest path from the version root. */
function versionRootPath(url: string): string {
  return url.replace(/^\/services\/data\/v\d+\.\d+/, '');
}

/** First reads planned to ride in another call: settle with that call's answers (undefined when it failed). */
export interface ReadAhead {
  planned: string[];
  subs: CompositeGet[];
  settle(results: Map<string, CompositeResult> | undefined): void;
}

interface Refs {
  query: string;
  deleted: string;
}

function queriesOf(plan: Planned): number {
  return 1 + (plan.batches?.length ?? 0);
}

function subrequestsOf(plan: Planned, refs: Refs): CompositeGet[] {
  return [
    querySubrequest(refs.query, plan.soql, { scanAll: plan.scanAll, batchSize: 2000 }),
    ...(plan.batches ?? []).map((soql, j) =>
      querySubrequest(`${refs.query}b${j}`, soql, PARENT_BATCH_OPTIONS),
    ),
    ...(plan.deleted ? [{ referenceId: refs.deleted, path: plan.deleted.path }] : []),
  ];
}
