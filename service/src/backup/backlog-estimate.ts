/**
 * How many rows an object's backfill still has to read, when its probe could only say "at least a slice": the
 * org's approximate record count (record-counts.ts) less the records already held. Asked once for every object
 * still backfilling (one call for all of them, kept ten minutes), it bounds Bulk windows (`bulkWindowMaxRows`)
 * and paces a Bulk job's polls by the rows it should read.
 */
import { recordCounts } from '../salesforce/record-counts.js';
import { listRegistry, type RegistryObject } from '../store/registry/object-registry.js';
import type { EngineContext } from './engine-context.js';
import { readableByBulk } from './object-support.js';

/** The estimate, or undefined when the org gives no count (or the call failed: the work goes on without one). */
export async function estimatedBacklog(
  ctx: EngineContext,
  object: RegistryObject,
): Promise<number | undefined> {
  const count = await ctx.session.recordCounts
    .countOf(
      object.name,
      () => backfillingObjects(ctx),
      (names) => recordCounts(ctx.session, names),
    )
    .catch((err: unknown) => {
      ctx.logger.debug({ type: 'record-counts', orgId: ctx.org.orgId, err }, 'no record counts');
      return undefined;
    });
  return count === undefined ? undefined : Math.max(0, count - object.records);
}

/** The objects whose backfill may need an estimate: supported, available, not yet backfilled, readable by Bulk. */
async function backfillingObjects(ctx: EngineContext): Promise<string[]> {
  return (await listRegistry(ctx.store.knex, ctx.org.orgId))
    .filter((o) => o.support === 'supported' && o.access === 'available' && !o.backfillCompletedAt)
    .filter((o) => readableByBulk(o.supportDetail))
    .map((o) => o.name);
}
