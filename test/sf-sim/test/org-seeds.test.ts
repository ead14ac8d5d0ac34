import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import type { SimOrg } from '../src/org/api.js';

function census(org: SimOrg): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of org.describeGlobal().body.sobjects as { name: string }[]) {
    const n = org.recordCount(s.name);
    if (n) out.set(s.name, n);
  }
  return out;
}

function years(org: SimOrg, object: string): number {
  const first = org.query(`SELECT CreatedDate FROM ${object} ORDER BY CreatedDate ASC LIMIT 1`).records[0]!;
  const last = org.query(`SELECT CreatedDate FROM ${object} ORDER BY CreatedDate DESC LIMIT 1`).records[0]!;
  return (
    (Date.parse(String(last.CreatedDate).replace('+0000', 'Z')) -
      Date.parse(String(first.CreatedDate).replace('+0000', 'Z'))) /
    (365 * 86_400_000)
  );
}

describe('data sets', () => {
  test('none: just the org, its profiles and the integration user', async () => {
    const org = await createOrg({ seed: 'none' });
    try {
      assert.equal(org.query('SELECT COUNT() FROM Account').totalSize, 0);
      const users = org.query('SELECT Id, Username FROM User').records;
      assert.deepEqual(
        users.map((u) => [u.Id, u.Username]),
        [[org.integrationUser.id, org.integrationUser.username]],
      );
      assert.equal(org.query('SELECT Id FROM Organization').records[0]!.Id, org.orgId);
    } finally {
      await org.close();
    }
  });

  test('small: a few hundred records over many objects, with files and a history spread over years', async () => {
    const org = await createOrg({ seed: 'small', seedValue: 3 });
    try {
      const counts = census(org);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      assert.ok(counts.size >= 15, `${counts.size} objects with data`);
      assert.ok(total >= 300 && total < 2000, `${total} records`);
      for (const o of ['ContentVersion', 'ContentDocument', 'ContentDocumentLink', 'Attachment', 'Document'])
        assert.ok(counts.get(o)! > 0, o);
      assert.ok(years(org, 'Account') > 1.5);
      assert.ok(
        org.query('SELECT COUNT() FROM Lead', { scanAll: true }).totalSize >
          org.query('SELECT COUNT() FROM Lead').totalSize,
        'recycle bin has leads',
      );
      const archived = org.query('SELECT COUNT() FROM Task WHERE IsArchived = true', {
        scanAll: true,
      }).totalSize;
      assert.ok(archived > 0, 'old closed tasks are archived');
      assert.equal(
        org.query('SELECT COUNT() FROM Task WHERE IsArchived = true').totalSize,
        0,
        'query hides archived activities',
      );
      const modstamps = org.query('SELECT SystemModstamp FROM Contact').records.map((r) => r.SystemModstamp);
      assert.ok(new Set(modstamps).size < modstamps.length, 'contacts share SystemModstamp seconds');
    } finally {
      await org.close();
    }
  });

  test('demo: a believable org of ~40 objects, tens of thousands of records, realistic file sizes', async () => {
    const org = await createOrg({ seed: 'demo', seedValue: 1 });
    try {
      const counts = census(org);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      assert.ok(counts.size >= 38, `${counts.size} objects with data`);
      assert.ok(total >= 30_000, `${total} records`);
      const sizes = [...org.truth('ContentVersion')]
        .filter((v) => v.fields.VersionData !== null)
        .map((v) => (v.fields.VersionData as { bytes: number }).bytes);
      assert.ok(Math.max(...sizes) > 1_000_000 && Math.min(...sizes) < 50_000, 'files range from KB to MB');
      assert.ok(years(org, 'Opportunity') > 2);
    } finally {
      await org.close();
    }
  });
});
