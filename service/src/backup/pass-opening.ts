/**
 * A foreground pass's first calls: its caught-up objects' change checks (change-check.ts), with other objects'
 * first reads (first-slices.ts) riding in the same `/composite` calls. A call carries 25 subrequests, at most 5 of
 * them queries, and checks are mostly getUpdated and getDeleted, so the calls the checks need have query slots to
 * spare. They carry, as far as those slots go and without adding a call, first reads in this order:
 * - of objects that changed lately (within two poll intervals), instead of their checks: such an object has most
 *   likely changed again, so its read costs the same subrequests as its check and saves the call that would read
 *   it after the check found the change;
 * - of objects that run whatever the checks say (the checks cannot settle them: read through their parents' Ids,
 *   a reconciliation due, file objects whose bodies may be pending); an object read through its parents' Ids
 *   brings the batch queries of the parents the backup holds (first-slices.ts `loadKnownParents`);
 * - of the other objects holding records, the most recently changed first, instead of their checks: slots left
 *   over cost nothing, and each such object that did change saves a call.
 * An object read instead of checked runs like any changed object; one with nothing new finds its read empty.
 */
import {
  MAX_QUERY_SUBREQUESTS,
  MAX_SUBREQUESTS,
  compositeGets,
  packSubrequests,
  type CompositeResult,
} from '../salesforce/composite.js';
import type { RegistryObject } from '../store/registry/object-registry.js';
import { planChangeChecks } from './change-check.js';
import type { EngineContext } from './engine-context.js';
import type { FirstSliceReader } from './first-slices.js';

/**
 * Checks `checkable` and reads ahead for the rest of `targets` (`reader`'s objects, in run order) where the checks'
 * calls have room; returns the objects found idle (the reader drops them).
 */
export async function openPass(
  ctx: EngineContext,
  targets: readonly RegistryObject[],
  checkable: readonly RegistryObject[],
  reader: FirstSliceReader,
): Promise<string[]> {
  await reader.loadKnownParents();
  const all = planChangeChecks(ctx, checkable, { foreground: true });
  const calls = packSubrequests(all.subs).length;
  if (calls === 0) {
    const outcome = await all.settle(new Map());
    reader.drop(outcome.idle);
    return outcome.idle;
  }
  const orgNow = ctx.session.clock.now().getTime();
  const lately = (o: RegistryObject) =>
    orgNow - (o.newestVersionAt?.getTime() ?? 0) <= 2 * ctx.options.pollIntervalMs;
  const byRecency = checkable
    .filter((o) => all.subsOf(o.name).length > 0 && o.newestVersionAt !== null)
    .sort((a, b) => b.newestVersionAt!.getTime() - a.newestVersionAt!.getTime());
  const candidates = [
    ...byRecency.filter(lately),
    ...targets.filter((o) => all.subsOf(o.name).length === 0),
    ...byRecency.filter((o) => !lately(o)),
  ];
  // Room left in the checks' calls: a read is its queries and maybe its getDeleted; a check it replaces frees its own.
  let queries = all.subs.filter((s) => s.query).length;
  let subs = all.subs.length;
  const chosen: RegistryObject[] = [];
  for (const o of candidates) {
    const cost = reader.costOf(o);
    if (!cost) continue;
    const freed = all.subsOf(o.name);
    const q = queries + cost.queries - freed.filter((s) => s.query).length;
    const n = subs + cost.subs - freed.length;
    if (q > calls * MAX_QUERY_SUBREQUESTS || n > calls * MAX_SUBREQUESTS) continue;
    chosen.push(o);
    queries = q;
    subs = n;
  }
  const ahead = reader.planAhead(chosen, 'ahead');
  const checks = all.omit(new Set(ahead.planned));
  let results: Map<string, CompositeResult>;
  try {
    results = await compositeGets(ctx.session, [...checks.subs, ...ahead.subs], 'check');
  } catch (err) {
    ahead.settle(undefined);
    throw err;
  }
  ahead.settle(results);
  const outcome = await checks.settle(results);
  reader.drop(outcome.idle);
  return outcome.idle;
}
