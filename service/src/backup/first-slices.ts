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
 * call made for other work: the pass's change checks (pass-opening.ts). A query that fails in the batch (or a batch that fails whole) is left to
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
import type { RegistryObject } from '../store/registry/object-registry.js';
import { getDeletedStart, type PrefetchedDeletes } from './delete-tracking.js';
import { windowUpperBound, type EngineContext } from './engine-context.js';
import { firstSliceQuery, type FirstQuery, type PrefetchedSlice } from './record-backup.js';

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
}

export class FirstSliceReader {
  private readonly pending: Pending[];
  private readonly byName = new Map<string, Pending>();

  /** `objects` in the order their runs start; their runs track deletes (backupObject's default). */
  constructor(
    private readonly ctx: EngineContext,
    objects: readonly RegistryObject[],
  ) {
    this.pending = objects.map((object) => ({ object }));
    for (const p of this.pending) this.byName.set(p.object.name, p);
  }

  /** What was read ahead for the object's run (once; later calls answer nothing), fetching its group if needed. */
  async take(name: string): Promise<Prefetched> {
    const entry = this.byName.get(name);
    if (!entry) return {};
    this.byName.delete(name);
    entry.slice ??= this.fetchGroupFrom(entry);
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
        results ? prefetchedFrom(plan, upTo, results, refs(i)) : {},
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
    return {
      entry,
      ...first,
      ...(start
        ? { deleted: { start, path: replicationPath('deleted', entry.object.name, start, upTo) } }
        : {}),
    };
  }

  /** Fetches the first slices of `first` and the next unfetched objects after it, up to 5 queries in one call. */
  private fetchGroupFrom(first: Pending): Promise<Prefetched> {
    const upTo = windowUpperBound(this.ctx);
    const now = this.ctx.session.clock.now();
    const group: Planned[] = [];
    for (let i = this.pending.indexOf(first); i < this.pending.length; i++) {
      const entry = this.pending[i]!;
      if (entry !== first && entry.slice) continue;
      const plan = this.plan(entry, upTo, now);
      if (!plan) {
        if (entry === first) entry.slice = Promise.resolve({});
        continue;
      }
      group.push(plan);
      if (group.length === MAX_QUERY_SUBREQUESTS) break;
    }
    if (group.length === 0) return first.slice ?? Promise.resolve({});
    const fetched = this.fetch(group, upTo);
    for (const { entry } of group) entry.slice = fetched.then((pages) => pages.get(entry) ?? {});
    return first.slice!;
  }

  private async fetch(group: Planned[], upTo: Date): Promise<Map<Pending, Prefetched>> {
    const out = new Map<Pending, Prefetched>();
    // One object's query and getDeleted alone cost as much in the object's own run.
    if (group.length === 1 && !group[0]!.deleted) return out;
    const refs = (i: number) => ({ query: `first${i}`, deleted: `deleted${i}` });
    const subs = group.flatMap((plan, i) => subrequestsOf(plan, refs(i)));
    // Backfilling objects' reads are backfill calls; caught-up objects' are checks (the budget's reserve).
    const kind: ApiCallKind = group.every(({ entry }) => entry.object.backfillCompletedAt)
      ? 'check'
      : 'backfill';
    try {
      const results = await compositeGets(this.ctx.session, subs, kind);
      group.forEach((plan, i) => out.set(plan.entry, prefetchedFrom(plan, upTo, results, refs(i))));
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
    return out;
  }
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

function subrequestsOf(plan: Planned, refs: Refs): CompositeGet[] {
  return [
    querySubrequest(refs.query, plan.soql, { scanAll: plan.scanAll, batchSize: 2000 }),
    ...(plan.deleted ? [{ referenceId: refs.deleted, path: plan.deleted.path }] : []),
  ];
}

/** What a run takes from the answers: a failed subrequest is left for the run to ask again (and report). */
function prefetchedFrom(
  plan: Planned,
  upTo: Date,
  results: Map<string, CompositeResult>,
  refs: Refs,
): Prefetched {
  const result = results.get(refs.query);
  const deleted = results.get(refs.deleted);
  return {
    ...(result?.ok ? { slice: { upTo, soql: plan.soql, page: result.body as RawQueryPage } } : {}),
    ...(plan.deleted && deleted?.ok
      ? { deletes: { start: plan.deleted.start, page: deleted.body as DeletedRecords } }
      : {}),
  };
}
