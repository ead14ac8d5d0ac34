/**
 * The tuned canonicalization (service/src/store/packs/canonical-record.ts) against the straightforward one it
 * replaced (support/canonical-record-reference.ts): the same bytes for every record of a simulated org read
 * through REST and Bulk, in shapes that change from record to record, and the same value or the same error for
 * datetimes of every form and range. Stored versions are a fixed contract: a difference here would split one
 * record's history in two.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../../../test/sf-sim/src/org/create-org.js';
import type { SimOrg } from '../../../test/sf-sim/src/org/api.js';
import {
  canonicalDatetime,
  canonicalizeRecord,
  fieldTypesFromDescribe,
  type FieldTypes,
} from '../../src/store/packs/canonical-record.js';
import { referenceCanonicalizeRecord, referenceDatetime } from './support/canonical-record-reference.js';
import { prng } from './support/synthetic-records.js';

/** The value, or the error's message, of a call. */
function outcome(run: () => unknown): string {
  try {
    return `= ${JSON.stringify(run())}`;
  } catch (err) {
    return `! ${(err as Error).message}`;
  }
}

interface ObjectRecords {
  object: string;
  types: FieldTypes;
  rest: Array<Record<string, unknown>>;
  bulk: Array<Record<string, unknown>>;
}

/** Every readable object of the org with rows: its records through REST (as JSON parsing gives them) and Bulk (CSV values). */
function readOrg(org: SimOrg): ObjectRecords[] {
  const global = org.describeGlobal().body as { sobjects: Array<{ name: string; queryable: boolean }> };
  const out: ObjectRecords[] = [];
  for (const { name, queryable } of global.sobjects) {
    if (!queryable || !org.recordCount(name)) continue;
    const describe = org.describe(name).body as { fields: Array<{ name: string; type: string }> };
    const fields = describe.fields.map((f) => f.name);
    if (fields.includes('OwnerId')) fields.push('Owner.Name'); // a parent relationship: an object in REST, a dotted column in Bulk
    const soql = `SELECT ${fields.join(', ')} FROM ${name}`;
    let page;
    try {
      page = org.query(soql, { batchSize: 2000 });
    } catch {
      continue; // objects that need a filter (ContentDocumentLink, Vote)
    }
    const rest = JSON.parse(JSON.stringify(page.records)) as Array<Record<string, unknown>>;
    // Bulk refuses compound fields and base64 bodies (as Salesforce does).
    const flat = describe.fields
      .filter((f) => !['address', 'location', 'base64'].includes(f.type))
      .map((f) => f.name);
    if (flat.includes('OwnerId')) flat.push('Owner.Name');
    const bulk: Array<Record<string, unknown>> = [];
    let bulkQuery;
    try {
      bulkQuery = org.bulkQuery(`SELECT ${flat.join(', ')} FROM ${name}`);
    } catch {
      bulkQuery = null; // objects Bulk does not serve (Attachment, …)
    }
    for (const row of bulkQuery?.rows() ?? [])
      bulk.push(Object.fromEntries(bulkQuery!.columns.map((column, i) => [column, row[i] ?? ''])));
    out.push({ object: name, types: fieldTypesFromDescribe(describe), rest, bulk });
  }
  return out;
}

describe('canonicalization matches its reference', () => {
  test('every record of a simulated org, through REST and Bulk, serialises to the same bytes', async () => {
    const org = await createOrg({ seed: 'small', seedValue: 7, records: 500 });
    try {
      const objects = readOrg(org);
      assert.ok(objects.length >= 20, `objects read: ${objects.length}`);
      let records = 0;
      for (const { object, types, rest, bulk } of objects) {
        for (const [source, rows] of [
          ['rest', rest],
          ['bulk', bulk],
        ] as const) {
          for (const record of rows) {
            const tuned = outcome(() => canonicalizeRecord(record, types, source));
            assert.equal(
              tuned,
              outcome(() => referenceCanonicalizeRecord(record, types, source)),
              object,
            );
            assert.ok(tuned.startsWith('='), `${object} (${source}): ${tuned}`);
            records++;
          }
        }
      }
      assert.ok(records > 1000, `records compared: ${records}`);
    } finally {
      await org.close();
    }
  });

  test('records whose keys change from one to the next (missing, extra, reordered, bad values) match too', async () => {
    const org = await createOrg({ seed: 'small', seedValue: 8 });
    try {
      const random = prng(42);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const oddValues: unknown[] = [
        null,
        '',
        0,
        -0,
        1.5,
        '12',
        ' 7 ',
        'abc',
        true,
        'true',
        'no',
        {},
        [],
        'x'.repeat(80),
      ];
      let compared = 0;
      let errors = 0;
      for (const { object, types, rest } of readOrg(org)) {
        for (const record of rest) {
          const keys = Object.keys(record);
          const variant: Record<string, unknown> = {};
          const order = random() < 0.3 ? [...keys].reverse() : keys;
          for (const key of order) if (random() > 0.1) variant[key] = record[key];
          if (random() < 0.2) variant[pick(keys)] = pick(oddValues);
          if (random() < 0.05) variant.NotAField__c = pick(oddValues);
          const tuned = outcome(() => canonicalizeRecord(variant, types, 'rest'));
          assert.equal(
            tuned,
            outcome(() => referenceCanonicalizeRecord(variant, types, 'rest')),
            object,
          );
          compared++;
          if (tuned.startsWith('!')) errors++;
        }
      }
      assert.ok(compared > 300 && errors > 10, `compared ${compared}, of which errors ${errors}`);
    } finally {
      await org.close();
    }
  });

  test('datetimes of every form and range give the same value or the same error', () => {
    const random = prng(7);
    const int = (max: number) => Math.floor(random() * (max + 1));
    const two = (n: number) => String(n).padStart(2, '0');
    const zones = ['+0000', 'Z', '+00:00', '-0800', '+05:30', '+1400', '', '+000', 'z', ' Z'];
    let compared = 0;
    for (let i = 0; i < 30_000; i++) {
      const year = random() < 0.1 ? pick4(random) : String(1900 + int(200));
      const fraction = random() < 0.8 ? `.${String(int(999)).padStart(3, '0')}` : pickFraction(random);
      const text =
        `${year}-${two(int(13))}-${two(int(32))}T${two(int(25))}:${two(int(60))}:${two(int(60))}` +
        `${fraction}${zones[int(zones.length - 1)]}`;
      assert.equal(
        outcome(() => canonicalDatetime('D', text)),
        outcome(() => referenceDatetime('D', text)),
        text,
      );
      compared++;
    }
    for (const odd of [
      null,
      5,
      '2024-01-02',
      '2024-01-02T03:04:05.000+0000 ',
      '２０２４-01-02T03:04:05.000Z',
    ])
      assert.equal(
        outcome(() => canonicalDatetime('D', odd)),
        outcome(() => referenceDatetime('D', odd)),
      );
    assert.equal(compared, 30_000);
  });
});

function pick4(random: () => number): string {
  return String(Math.floor(random() * 10_000)).padStart(4, '0');
}

function pickFraction(random: () => number): string {
  const digits = Math.floor(random() * 10);
  return digits === 0 ? '' : `.${String(Math.floor(random() * 10 ** digits)).padStart(digits, '0')}`;
}
