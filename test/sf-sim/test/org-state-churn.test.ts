import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOrg } from '../src/org/create-org.js';
import type { SimOrg } from '../src/org/api.js';

function snapshot(org: SimOrg, objects: string[]): string {
  return JSON.stringify(objects.map((o) => [...org.truth(o)]));
}

describe('state dir and churn', () => {
  test('a restarted org with the same state dir is the same org', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-sim-state-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const first = await createOrg({
      seed: 'small',
      seedValue: 'persist',
      stateDir: dir,
      orgId: '00D000000000ABC',
    });
    assert.equal(first.orgId, '00D000000000ABCEA2');
    first.clock.advance(3 * 3_600_000);
    const lead = first.query('SELECT Id FROM Lead ORDER BY Id LIMIT 1').records[0]!.Id as string;
    first.mutate({
      object: 'Lead',
      ops: [{ op: 'update', ids: [lead], set: { Title: 'Persisted' } }],
      commitDelayMs: 10_000,
    });
    first.mutate({ object: 'Lead', ops: [{ op: 'delete', ids: [lead], hard: true }] });
    const other = first.query('SELECT Id FROM Lead ORDER BY Id LIMIT 1 OFFSET 1').records[0]!.Id as string;
    assert.throws(() =>
      first.mutate({
        object: 'Lead',
        ops: [
          { op: 'update', ids: [other], set: { Title: 'Half done' } },
          { op: 'update', ids: ['00Qnotanid'], set: { Title: 'never' } },
        ],
      }),
    );
    const saved = first.create('Account', { Name: 'Restart Inc' });
    first.setPermissions({ object: 'Contact', fields: { Email: false } });
    first.addSchema({ object: 'Widget__c', fields: [{ name: 'Size__c', type: 'int' }] });
    first.mutate({ object: 'Widget__c', ops: [{ op: 'create', records: [{ Name: 'w1', Size__c: 3 }] }] });
    first.writeStateFile('oauth.json', '{"clientId":"abc"}');
    const before = snapshot(first, ['Account', 'Lead', 'Widget__c', 'ContentVersion']);
    const offset = first.clock.offsetMs();
    await first.close();

    const second = await createOrg({ seed: 'demo', seedValue: 'other', stateDir: dir });
    t.after(() => second.close());
    assert.equal(second.orgId, '00D000000000ABCEA2');
    assert.equal(second.seedValue, 'persist');
    assert.ok(Math.abs(second.clock.offsetMs() - offset) < 1);
    assert.equal(snapshot(second, ['Account', 'Lead', 'Widget__c', 'ContentVersion']), before);
    assert.equal(second.retrieve('Account', saved.id).Name, 'Restart Inc');
    assert.equal(second.retrieve('Lead', other).Title, 'Half done');
    // The hard delete queued behind a slow (10 s) commit: invisible until that commit lands.
    assert.equal(second.query(`SELECT Id FROM Lead WHERE Id = '${lead}'`, { scanAll: true }).totalSize, 1);
    second.clock.advance(11_000);
    assert.equal(second.query(`SELECT Id FROM Lead WHERE Id = '${lead}'`, { scanAll: true }).totalSize, 0);
    assert.throws(() => second.query('SELECT Email FROM Contact'), /No such column 'Email'/);
    assert.equal(second.query('SELECT Size__c FROM Widget__c').records[0]!.Size__c, 3);
    assert.equal(second.readStateFile('oauth.json'), '{"clientId":"abc"}');
    assert.equal(second.readStateFile('missing.json'), null);
  });

  test('different org ids give different record Ids; the same seed gives the same data', async () => {
    const a = await createOrg({ seed: 'small', seedValue: 9, orgId: '00D000000000AAA' });
    const b = await createOrg({ seed: 'small', seedValue: 9, orgId: '00D000000000BBB' });
    const c = await createOrg({ seed: 'small', seedValue: 9, orgId: '00D000000000AAA' });
    try {
      const ids = (o: SimOrg) => o.query('SELECT Id, Name FROM Account ORDER BY Id').records;
      assert.notDeepEqual(
        ids(a).map((r) => r.Id),
        ids(b).map((r) => r.Id),
      );
      assert.deepEqual(
        ids(a).map((r) => r.Name),
        ids(b).map((r) => r.Name),
      );
      assert.equal(
        snapshot(a, ['Account', 'Contact', 'ContentVersion']),
        snapshot(c, ['Account', 'Contact', 'ContentVersion']),
      );
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test('churn is driven by the simulated clock and deterministic by seed', async () => {
    const make = async () => {
      const org = await createOrg({ seed: 'small', seedValue: 'churny' });
      org.clock.set('2031-01-01T00:00:00Z');
      org.setChurn(120);
      return org;
    };
    const a = await make();
    const b = await make();
    try {
      const objects = [
        'Account',
        'Contact',
        'Opportunity',
        'Case',
        'Lead',
        'Task',
        'ContentVersion',
        'Attachment',
      ];
      const beforeCount = objects.map((o) => [...a.truth(o)].length).reduce((x, y) => x + y, 0);
      for (const org of [a, b]) {
        for (let i = 0; i < 5; i++) {
          org.clock.advance(60_000);
          org.tickChurn();
        }
      }
      const afterCount = objects.map((o) => [...a.truth(o)].length).reduce((x, y) => x + y, 0);
      assert.ok(
        afterCount - beforeCount >= 600,
        `expected at least 600 new versions, got ${afterCount - beforeCount}`,
      );
      const strip = (org: SimOrg) =>
        objects.map((o) => [...org.truth(o)].map((v) => ({ ...v, visibleAt: v.visibleAt })));
      assert.deepEqual(strip(a), strip(b));
      const kinds = [...a.truth('Lead'), ...a.truth('Contact'), ...a.truth('Task')];
      assert.ok(
        kinds.some((v) => v.IsDeleted),
        'churn deletes records',
      );
      const fresh = await createOrg({ seed: 'small', seedValue: 'churny' });
      const freshFiles = [...fresh.truth('ContentVersion')].length;
      await fresh.close();
      assert.ok([...a.truth('ContentVersion')].length > freshFiles, 'churn uploads files');
      assert.ok(
        [...a.truth('Opportunity')].some((v) => v.visibleAt !== v.SystemModstamp),
        'churn makes late commits',
      );
      a.setChurn(0);
      a.clock.advance(600_000);
      assert.equal(a.tickChurn(), 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
