/**
 * `autobackup erase` as an admin runs it: a Contact with versions in several backup passes (packs it shares with
 * another Contact) is erased; the backup, the dashboard and the bucket no longer hold it, a rebuild does not bring
 * it back, a second run says there is nothing to do, and bad calls exit 2 naming the problem.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { simOrgFlags, useCliEnvironment } from './support/cli-e2e.js';
import { createEmptyDatabase } from './support/test-db.js';

const e = useCliEnvironment('ab-erase-');
const UNIQUE = 'erase.me.4711@example.com';

/** Paths of bucket files whose bytes (inflated when gzip) contain `needle`. */
function bucketFilesHolding(root: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(root, { recursive: true }).map(String)) {
    const file = path.join(root, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      continue; // a directory
    }
    const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    if (text.includes(needle)) found.push(name);
  }
  return found;
}

interface Totals {
  totals: { records: number; versions: number };
  objects: Array<{ name: string; records: number; versions: number }>;
}

describe('autobackup erase end to end', () => {
  let orgId = '';
  let erased = '';
  let other = '';
  const bucket = () => path.join(e.home, 'bucket');
  const backup = async () => {
    e.sim.org.clock.advance(5 * 60_000); // past the lag
    const run = await e.run(['backup', '--org', orgId, '--until-caught-up', '--objects', 'Contact']);
    assert.equal(run.status, 0, run.stderr);
  };
  const status = async () => JSON.parse((await e.run(['status', '--org', orgId, '--json'])).stdout) as Totals;

  test('a Contact backed up over several passes', async () => {
    const added = await e.run(['orgs', 'add', ...simOrgFlags(e.sim)]);
    assert.equal(added.status, 0, added.stderr);
    orgId = (JSON.parse(added.stdout) as { orgId: string }).orgId;
    erased = e.sim.org.create('Contact', { LastName: 'Doe', FirstName: 'Jane', Email: UNIQUE }).id;
    other = e.sim.org.create('Contact', { LastName: 'Roe', FirstName: 'Richard' }).id;
    await backup();
    for (const round of [1, 2]) {
      e.sim.org.update('Contact', erased, { Title: `Title ${round}` });
      e.sim.org.update('Contact', other, { Title: `Title ${round}` });
      await backup();
    }
    const history = await e.run(['export', '--org', orgId, '--object', 'Contact']);
    assert.equal(history.stdout.split('\n').filter((l) => l.includes(erased)).length, 3);
    assert.ok(bucketFilesHolding(bucket(), erased).length >= 3);
  });

  test('bad calls exit 2 and name the problem', async () => {
    const noId = await e.run(['erase', '--org', orgId, '--object', 'Contact']);
    assert.equal(noId.status, 2);
    assert.match(noId.stderr, /--id: give the Id of the record to erase/);
    const unknownOrg = await e.run([
      'erase',
      '--org',
      '00D000000000999AAA',
      '--object',
      'Contact',
      '--id',
      erased,
    ]);
    assert.equal(unknownOrg.status, 2);
    assert.match(unknownOrg.stderr, /org 00D000000000999AAA is not registered/);
    const unknownObject = await e.run(['erase', '--org', orgId, '--object', 'NoSuch__c', '--id', erased]);
    assert.equal(unknownObject.status, 2);
    assert.match(unknownObject.stderr, /object "NoSuch__c" is not known/);
    const badId = await e.run(['erase', '--org', orgId, '--object', 'Contact', '--id', 'not-an-id']);
    assert.equal(badId.status, 2);
    assert.match(badId.stderr, /"not-an-id" is not a Salesforce record Id/);
  });

  test('erase removes every version, adjusts the dashboard and leaves nothing in the bucket', async () => {
    const before = await status();
    const dry = await e.run(['erase', '--org', orgId, '--object', 'Contact', '--id', erased, '--dry-run']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /would erase 3 versions/);
    assert.deepEqual(await status(), before, 'a dry run changes nothing');

    const run = await e.run([
      'erase',
      '--org',
      orgId,
      '--object',
      'Contact',
      '--id',
      erased.slice(0, 15), // a 15-character Id names the same record
      '--reason',
      'GDPR request 7',
      '--json',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      records: Array<{ recordId: string; outcome: string; versions: number }>;
    };
    assert.deepEqual(
      result.records.map((r) => [r.recordId, r.outcome, r.versions]),
      [[erased, 'erased', 3]],
    );
    assert.match(run.stderr, /Delete it in Salesforce too/);

    const after = await status();
    assert.equal(after.totals.versions, before.totals.versions - 3);
    assert.equal(after.totals.records, before.totals.records - 1);
    const contact = (s: Totals) => s.objects.find((o) => o.name === 'Contact')!;
    assert.equal(contact(after).versions, contact(before).versions - 3);

    const exported = await e.run(['export', '--org', orgId, '--object', 'Contact']);
    assert.ok(!exported.stdout.includes(erased));
    assert.equal(
      exported.stdout.split('\n').filter((l) => l.includes(other)).length,
      3,
      'the other Contact stays',
    );
    assert.deepEqual(bucketFilesHolding(bucket(), erased), []);
    assert.deepEqual(bucketFilesHolding(bucket(), UNIQUE), []);
  });

  test('running it again is a no-op that says so', async () => {
    const again = await e.run([
      'erase',
      '--org',
      orgId,
      '--object',
      'Contact',
      '--id',
      `${erased},${erased}`,
    ]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Contact ${erased}: already erased at .*; nothing to do`));
    assert.match(again.stdout, /note: Erasure removes the record from the backup only/);
  });

  test('rebuild-index from the bucket does not bring it back', async () => {
    const fresh = await createEmptyDatabase();
    try {
      const rebuilt = await e.run(['rebuild-index', '--org', orgId], { DATABASE_URL: fresh.url });
      assert.equal(rebuilt.status, 0, rebuilt.stderr);
      const exported = await e.run(['export', '--org', orgId, '--object', 'Contact'], {
        DATABASE_URL: fresh.url,
      });
      assert.equal(exported.status, 0, exported.stderr);
      assert.ok(!exported.stdout.includes(erased));
      assert.ok(exported.stdout.includes(other));
    } finally {
      await fresh.destroy();
    }
  });
});
