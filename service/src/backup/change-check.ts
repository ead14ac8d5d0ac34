/**
 * Batched change checks for caught-up objects: instead of a slice per idle object (a query from its cursor and a
 * getDeleted), one `/composite` call asks up to 25 objects at once whether anything changed since they were
 * caught up, and whether anything was deleted when their delete check is due.
 *
 * Per object, over [caught-up time − overlap, org now − lag] (the same late-commit overlap as the record backup's
 * incremental pass: a transaction that commits up to `lagMs + overlapMs` after its stamp is seen by a later check):
 * - getUpdated for replicateable objects stamped by SystemModstamp. Salesforce reads its windows in whole
 *   minutes and vouches only up to `latestDateCovered` (before in-flight commits): the window ends at the first
 *   whole minute after now − lag, so an idle object is claimed caught up to now − lag exactly, or only to
 *   `latestDateCovered` when that is earlier; a start beyond getUpdated's 30-day reach falls back to a query.
 * - Otherwise (not replicateable, stamped by CreatedDate) a queryAll `SELECT Id … LIMIT 1` over the window; at
 *   most 5 per call (composite.ts packs them).
 * - getDeleted over [deletes checked until, org now − lag] when due (due-work.ts `deletesDue`); an object that
 *   never held a record needs none, and its deletes-checked time moves with its caught-up time.
 *
 * An object with nothing new moves its caught-up (and deletes-checked) time forward through a compare-and-set that
 * fails when a slice holds its run lease or moved it meanwhile. Anything else — a change, a delete, a failed
 * subrequest, a reconciliation due, an object a check cannot ask — is left to a normal slice.
 */
import {
  compositeGets,
  packSubrequests,
  type CompositeGet,
  type CompositeResult,
} from '../salesforce/composite.js';
import { holdsWholeMinute, replicationPath } from '../salesforce/replication.js';
import { querySubrequest } from '../salesforce/rest-query.js';
import { canonicalDatetime } from '../store/packs/canonical-record.js';
import type { RegistryObject } from '../store/registry/object-registry.js';
import { advanceIdleObject } from '../store/schedule/schedule-state.js';
import { deletesDue, pollIntervalFor, type Cadence } from '../jobs/due-work.js';
import { RECORDS_NEVER_DELETED } from './delete-tracking.js';
import { windowUpperBound, type EngineContext } from './engine-context.js';
import type { ObjectSupport } from './object-support.js';
import { soqlDatetime } from './soql.js';

type Supported = Extract<ObjectSupport, { supported: true }>;

/** getUpdated and getDeleted reach 30 days back (REST API developer guide); stay a little inside it. */
const REPLICATION_REACH_MS = 29 * 24 * 3600_000;

export type SliceReason =
  'changed' | 'deleted' | 'failed' | 'not-checkable' | 'deletes-need-slice' | 'not-vouched';

export interface ChangeCheckOutcome {
  /** Objects found idle whose caught-up time moved forward. */
  idle: string[];
  /** Objects that need a normal slice, and why. */
  slices: Array<{ object: string; reason: SliceReason }>;
  /** Objects left as they were: a slice moved or holds them meanwhile, or their window is still too short. */
  unchanged: string[];
  /** `/composite` calls made. */
  calls: number;
}

interface Plan {
  object: RegistryObject;
  caughtUpAt: Date;
  upTo: Date;
  changes: CompositeGet & { via: 'updated' | 'query' };
  deletes?: CompositeGet;
  /** No record held: deletes-checked moves along with caught-up, on condition that this still holds. */
  noRecordsHeld: boolean;
  /** Salesforce never deletes its records: deletes-checked moves with caught-up, with no getDeleted. */
  neverDeleted: boolean;
}

export interface ChangeCheckOptions {
  /** A foreground pass promises every change and delete up to now − lag: getDeleted is asked of every object
   * holding records (not when its cadence says so), and an object Salesforce vouches for only up to an earlier
   * time (a transaction in flight) goes to a slice instead of being claimed caught up to there. */
  foreground?: boolean;
}

export async function checkForChanges(
  ctx: EngineContext,
  objects: readonly RegistryObject[],
  options: ChangeCheckOptions = {},
): Promise<ChangeCheckOutcome> {
  const planned = planChangeChecks(ctx, objects, options);
  if (planned.subs.length === 0) return planned.settle(new Map());
  const outcome = await planned.settle(await compositeGets(ctx.session, planned.subs, 'check'));
  return { ...outcome, calls: packSubrequests(planned.subs).length };
}

/** Change checks planned: their subrequests (to send in `/composite` calls, maybe with others) and their settling. */
export interface PlannedChecks {
  subs: CompositeGet[];
  /** The subrequests asked of each object planned. */
  subsOf(name: string): CompositeGet[];
  /** The same plan without these objects (read otherwise): nothing is asked of them and they settle nowhere. */
  omit(names: ReadonlySet<string>): PlannedChecks;
  /** Reads the answers (by referenceId) and moves idle objects forward; `calls` is left for the sender to say. */
  settle(results: Map<string, CompositeResult>): Promise<ChangeCheckOutcome>;
}

/** What to ask of `objects` (referenceIds `u…`, `q…`, `d…`), and how their answers settle them. */
export function planChangeChecks(
  ctx: EngineContext,
  objects: readonly RegistryObject[],
  options: ChangeCheckOptions = {},
): PlannedChecks {
  const outcome: ChangeCheckOutcome = { idle: [], slices: [], unchanged: [], calls: 0 };
  const orgNow = ctx.session.clock.now().getTime();
  const upTo = windowUpperBound(ctx);
  const cadence: Cadence = {
    lagMs: ctx.options.lagMs,
    pollIntervalMs: ctx.options.pollIntervalMs,
    maxPollIntervalMs: ctx.options.maxPollIntervalMs,
    deleteCheckIntervalMs: ctx.options.deleteCheckIntervalMs,
    scanIntervalMs: ctx.options.scanIntervalMs,
    maintenanceIntervalMs: ctx.options.maintenanceIntervalMs,
  };
  const plans: Plan[] = [];
  objects.forEach((object, i) => {
    const plan = planCheck(ctx, object, i, orgNow, upTo, cadence, options.foreground === true);
    if (plan === 'slice') outcome.slices.push({ object: object.name, reason: 'not-checkable' });
    else if (plan === 'deletes-need-slice')
      outcome.slices.push({ object: object.name, reason: 'deletes-need-slice' });
    else if (plan === 'wait') outcome.unchanged.push(object.name);
    else plans.push(plan);
  });
  return plannedChecks(ctx, plans, outcome, options);
}

function plannedChecks(
  ctx: EngineContext,
  plans: Plan[],
  outcome: ChangeCheckOutcome,
  options: ChangeCheckOptions,
): PlannedChecks {
  const subsOfPlan = (p: Plan) => (p.deletes ? [p.changes, p.deletes] : [p.changes]);
  const byName = new Map(plans.map((p) => [p.object.name, p]));
  return {
    subs: plans.flatMap(subsOfPlan),
    subsOf: (name) => {
      const plan = byName.get(name);
      return plan ? subsOfPlan(plan) : [];
    },
    omit: (names) =>
      plannedChecks(
        ctx,
        plans.filter((p) => !names.has(p.object.name)),
        outcome,
        options,
      ),
    settle: (results) => settleChecks(ctx, plans, results, outcome, options),
  };
}

async function settleChecks(
  ctx: EngineContext,
  plans: Plan[],
  results: Map<string, CompositeResult>,
  outcome: ChangeCheckOutcome,
  options: ChangeCheckOptions,
): Promise<ChangeCheckOutcome> {
  for (const plan of plans) {
    const name = plan.object.name;
    const changes = results.get(plan.changes.referenceId);
    const deletes = plan.deletes ? results.get(plan.deletes.referenceId) : undefined;
    if (!changes?.ok || (plan.deletes && !deletes?.ok)) {
      const error = !changes?.ok ? changes?.error : deletes && !deletes.ok ? deletes.error : undefined;
      ctx.logger.warn(
        { type: 'change-check', orgId: ctx.org.orgId, object: name, errorCode: error?.errorCode, err: error },
        'change check failed for this object; a normal slice takes over',
      );
      outcome.slices.push({ object: name, reason: 'failed' });
      continue;
    }
    let caughtUpTo: Date;
    if (plan.changes.via === 'updated') {
      const body = changes.body as { ids: string[]; latestDateCovered: string };
      if (body.ids.length > 0) {
        outcome.slices.push({ object: name, reason: 'changed' });
        continue;
      }
      const covered = new Date(canonicalDatetime('latestDateCovered', body.latestDateCovered));
      if (covered < plan.upTo && options.foreground) {
        outcome.slices.push({ object: name, reason: 'not-vouched' });
        continue;
      }
      caughtUpTo = covered < plan.upTo ? covered : plan.upTo;
    } else {
      const body = changes.body as { totalSize: number; records: unknown[] };
      if (body.totalSize > 0 || body.records.length > 0) {
        outcome.slices.push({ object: name, reason: 'changed' });
        continue;
      }
      caughtUpTo = plan.upTo;
    }
    let deletesCheckedUntil: Date | undefined;
    if (deletes?.ok) {
      const body = deletes.body as { deletedRecords: unknown[]; latestDateCovered: string };
      if (body.deletedRecords.length > 0) {
        outcome.slices.push({ object: name, reason: 'deleted' });
        continue;
      }
      deletesCheckedUntil = new Date(canonicalDatetime('latestDateCovered', body.latestDateCovered));
    } else if (plan.noRecordsHeld || plan.neverDeleted) deletesCheckedUntil = caughtUpTo;
    const advanced = await advanceIdleObject(ctx.store.knex, plan.object.objectKey, {
      expectedCaughtUpAt: plan.caughtUpAt,
      caughtUpTo,
      ...(deletesCheckedUntil ? { deletesCheckedUntil } : {}),
      ...(plan.noRecordsHeld ? { noRecordsHeld: true } : {}),
    });
    (advanced ? outcome.idle : outcome.unchanged).push(name);
  }
  return outcome;
}

/**
 * Where a getUpdated window ends so that it can vouch for everything up to `upTo` exactly: Salesforce reads the
 * window in whole minutes, so it ends at the first whole minute after `upTo` (not after the org's own minute, which
 * it cannot vouch for). The object is then claimed caught up to `upTo` when `latestDateCovered` reaches past it,
 * and only to `latestDateCovered` when a transaction in flight held it back.
 */
function vouchingEnd(upTo: Date, orgNow: number): Date {
  const nextMinute = Math.floor(upTo.getTime() / 60_000) * 60_000 + 60_000;
  return new Date(Math.min(nextMinute, Math.floor(orgNow / 60_000) * 60_000));
}

/** What to ask about `object`, or why a check cannot settle it. */
function planCheck(
  ctx: EngineContext,
  object: RegistryObject,
  index: number,
  orgNow: number,
  upTo: Date,
  cadence: Cadence,
  alwaysDeletes: boolean,
): Plan | 'slice' | 'deletes-need-slice' | 'wait' {
  const support = object.supportDetail as Supported | undefined;
  const caughtUpAt = object.caughtUpAt;
  if (
    !support?.supported ||
    support.access.kind !== 'query' ||
    !object.backfillCompletedAt ||
    !caughtUpAt ||
    object.fieldRefresh
  )
    return 'slice';
  const byGetDeleted = support.deletes === 'get-deleted' && support.cursorField === 'SystemModstamp';
  // Deletes found by comparing every Id (not replicateable, or immutable rows): the slice does it when it is due.
  const reconcileDue =
    !object.reconciledAt || orgNow - object.reconciledAt.getTime() > ctx.options.reconcileEveryMs;
  if (!byGetDeleted && reconcileDue && object.records > 0) return 'deletes-need-slice';

  const from = new Date(caughtUpAt.getTime() - ctx.options.overlapMs);
  if (from >= upTo) return 'wait';
  const reach = orgNow - REPLICATION_REACH_MS;
  const updatedEnd = vouchingEnd(upTo, orgNow);
  const changes: Plan['changes'] =
    byGetDeleted && from.getTime() > reach && holdsWholeMinute(from, updatedEnd)
      ? {
          referenceId: `u${index}`,
          path: replicationPath('updated', object.name, from, updatedEnd),
          via: 'updated',
        }
      : {
          ...querySubrequest(
            `q${index}`,
            `SELECT Id FROM ${object.name} WHERE ${support.cursorField} >= ${soqlDatetime(from)} ` +
              `AND ${support.cursorField} <= ${soqlDatetime(upTo)} LIMIT 1`,
            { scanAll: true },
          ),
          via: 'query',
        };
  const plan: Plan = {
    object,
    caughtUpAt,
    upTo,
    changes,
    noRecordsHeld: byGetDeleted && object.records === 0,
    neverDeleted: RECORDS_NEVER_DELETED.has(object.name),
  };
  if (byGetDeleted && object.records > 0 && !plan.neverDeleted) {
    const slack = pollIntervalFor(object.newestVersionAt, orgNow, cadence) / 4;
    if (alwaysDeletes || deletesDue(object, orgNow, cadence, slack)) {
      const start = object.deletesCheckedUntil;
      // Beyond getDeleted's reach the slice reconciles Ids instead.
      if (!start || start.getTime() < reach) return 'deletes-need-slice';
      if (holdsWholeMinute(start, upTo))
        plan.deletes = {
          referenceId: `d${index}`,
          path: replicationPath('deleted', object.name, start, upTo),
        };
    }
  }
  return plan;
}
