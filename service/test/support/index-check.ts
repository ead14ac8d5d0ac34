/**
 * A quick completeness check for large objects: the version index against the simulator's ground truth, by key
 * (record Id and SystemModstamp) only. truth-check.ts compares every field too, but reads each record's history,
 * which takes seconds per ten thousand records.
 */
import type { Knex } from 'knex';
import type { Simulator } from '../../../test/sf-sim/src/index.js';
import { canonicalDatetime } from '../../src/store/packs/canonical-record.js';
import type { PackCursor } from '../../src/store/packs/pack-format.js';
import { compareVersions } from '../../src/store/versions/version-entry.js';

/**
 * Versions the org committed (up to and including `through`, in cursor order, when given) that the index lacks,
 * and indexed versions the org never had; `stored` counts the index's versions of the object.
 */
export async function indexMismatches(
  sim: Simulator,
  knex: Knex,
  object: string,
  through?: PackCursor,
): Promise<{ missing: string[]; unexpected: string[]; stored: number }> {
  const rows = await knex('versions')
    .join('objects', 'objects.object_key', 'versions.object_key')
    .where({ 'objects.org_id': sim.orgId, 'objects.name': object })
    .select<Array<{ record_id: string; system_modstamp: Date }>>('record_id', 'system_modstamp');
  const stored = new Set(rows.map((r) => `${r.record_id}@${r.system_modstamp.toISOString()}`));
  const expected = new Set<string>();
  for (const v of sim.org.truth(object)) {
    const key = {
      systemModstamp: new Date(canonicalDatetime('SystemModstamp', v.SystemModstamp)).toISOString(),
      id: v.Id,
    };
    if (!through || compareVersions(key, through) <= 0) expected.add(`${key.id}@${key.systemModstamp}`);
  }
  return {
    missing: [...expected].filter((k) => !stored.has(k)),
    unexpected: [...stored].filter((k) => !expected.has(k)),
    stored: stored.size,
  };
}
