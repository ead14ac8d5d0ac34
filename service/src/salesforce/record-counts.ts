/**
 * Approximate record counts of many objects in one call: `GET /limits/recordCount?sObjects=A,B` (REST API
 * Developer Guide, "Record Count":
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_record_count.htm). Salesforce
 * refreshes these counts from time to time, so they plan work (how large a backlog is, how long a Bulk job should
 * take); they never decide what is stored.
 */
import type { SalesforceSession } from './session.js';

/** Names per call: keeps the request line well under Salesforce's 16 KB limit. */
const NAMES_PER_CALL = 250;

export async function recordCounts(
  session: SalesforceSession,
  names: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const list = names.slice(i, i + NAMES_PER_CALL).join(',');
    const { body } = await session.request<{ sObjects?: Array<{ name: string; count: number }> }>({
      path: `/limits/recordCount?sObjects=${encodeURIComponent(list)}`,
    });
    for (const o of body.sObjects ?? []) if (Number.isFinite(o.count)) counts.set(o.name, o.count);
  }
  return counts;
}

/**
 * Counts asked once for many objects and kept a while (one per session, shared by its `forKind` views): the first
 * object that needs one asks for every object `candidates` names, so the others find theirs without a call; an
 * object that was not among them (it began its backfill since) asks again.
 */
export class RecordCountCache {
  private asked:
    { atMs: number; answer: Promise<{ names: Set<string>; counts: Map<string, number> }> } | undefined;

  constructor(private readonly maxAgeMs = 10 * 60_000) {}

  /** The count of `name` (undefined: the org gave none), from counts asked at most `maxAgeMs` ago. */
  async countOf(
    name: string,
    candidates: () => Promise<string[]>,
    ask: (names: string[]) => Promise<Map<string, number>>,
  ): Promise<number | undefined> {
    const fresh = this.asked && Date.now() - this.asked.atMs <= this.maxAgeMs ? this.asked : undefined;
    const held = fresh ? await fresh.answer.catch(() => undefined) : undefined;
    if (held?.names.has(name)) return held.counts.get(name);
    // Asked afresh; a failed ask is forgotten, so the next object asks again.
    const answer = (async () => {
      const names = [...new Set([name, ...(await candidates())])];
      return { names: new Set(names), counts: await ask(names) };
    })();
    const entry = { atMs: Date.now(), answer };
    this.asked = entry;
    answer.catch(() => {
      if (this.asked === entry) this.asked = undefined;
    });
    return (await answer).counts.get(name);
  }
}
