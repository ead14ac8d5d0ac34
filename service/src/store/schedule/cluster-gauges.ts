/**
 * The cluster-wide figures every replica's /metrics shows, read from the database (so a scrape of any replica
 * tells the truth, whichever replica acted on the ticks): how far each org's least recent caught-up object is
 * behind the org's clock, and the org's API usage as Salesforce last reported it.
 */
import type { Knex } from 'knex';

export interface OrgGauges {
  orgId: string;
  /** Seconds between the org's clock (as last seen) and its least recent caught-up object; null when none is. */
  lagSeconds: number | null;
  api: { used: number; max: number } | null;
}

/** Orgs being backed up (enabled, not paused, connected), whose clock has been seen. */
export async function readOrgGauges(knex: Knex): Promise<OrgGauges[]> {
  const { rows } = await knex.raw<{
    rows: Array<{ org_id: string; lag_seconds: string | null; used: number | null; max: number | null }>;
  }>(
    `SELECT o.org_id,
            extract(epoch FROM now() + o.clock_offset_ms * interval '1 millisecond' - lag.oldest) AS lag_seconds,
            u.used, u.max
       FROM orgs o
       LEFT JOIN LATERAL (
         SELECT min(caught_up_at) AS oldest FROM objects
          WHERE org_id = o.org_id AND support = 'supported' AND access = 'available'
            AND NOT excluded_by_user AND fields IS NOT NULL
       ) lag ON true
       LEFT JOIN LATERAL (
         SELECT used, max FROM api_usage WHERE org_id = o.org_id ORDER BY at DESC LIMIT 1
       ) u ON true
      WHERE o.enabled AND o.mode <> 'paused' AND o.instance_url IS NOT NULL AND o.clock_offset_ms IS NOT NULL
      ORDER BY o.org_id`,
  );
  return rows.map((r) => ({
    orgId: r.org_id,
    lagSeconds: r.lag_seconds === null ? null : Number(r.lag_seconds),
    api: r.used === null || r.max === null ? null : { used: r.used, max: r.max },
  }));
}
