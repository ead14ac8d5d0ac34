/**
 * Tending an org's bucket between backup passes: packs that a crashed writer left behind are
 * adopted (or marked when they add nothing) once their grace period is over, marked packs are
 * swept after theirs, and finished days' small packs are merged (store/versions/compact-packs.ts).
 * Each step is safe to run at any time and to interrupt; continuous backup runs them at most once
 * per `maintenanceIntervalMs`.
 */
import type { Logger } from '../logger.js';
import type { StoreContext } from '../store/store-context.js';
import { compactPacks } from '../store/versions/compact-packs.js';
import { adoptOrphanPacks, collectOrphanPacks } from '../store/versions/rebuild-index.js';

export interface MaintenanceResult {
  /** Orphan packs indexed (they held versions the index lacked). */
  adopted: number;
  /** Packs marked for the sweep (orphans that add nothing, merged sources). */
  marked: number;
  /** Marked packs deleted from the bucket. */
  swept: number;
  /** Merged packs written, and the small packs they replace. */
  merged: number;
  replaced: number;
}

export async function maintainStore(store: StoreContext, orgId: string): Promise<MaintenanceResult> {
  const adoption = await adoptOrphanPacks(store, orgId);
  const swept = await collectOrphanPacks(store, orgId);
  const compaction = await compactPacks(store, orgId);
  return {
    adopted: adoption.packsIndexed,
    marked: adoption.packsMarkedRedundant + compaction.replaced,
    swept: swept.length,
    merged: compaction.merged,
    replaced: compaction.replaced,
  };
}

/** Runs maintainStore when it is due; a failure is logged and retried at the next interval. */
export class MaintenanceSchedule {
  private lastRun = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async runIfDue(store: StoreContext, orgId: string, logger: Logger): Promise<MaintenanceResult | null> {
    if (this.now() - this.lastRun < this.intervalMs) return null;
    this.lastRun = this.now();
    try {
      const result = await maintainStore(store, orgId);
      logger.info({ type: 'store-maintenance', orgId, ...result }, 'bucket maintenance finished');
      return result;
    } catch (err) {
      logger.error({ type: 'store-maintenance', orgId, err }, 'bucket maintenance failed; next try later');
      return null;
    }
  }
}
