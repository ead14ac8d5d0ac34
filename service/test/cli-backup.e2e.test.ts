/**
 * The admin CLI as an admin runs it: `orgs add` against the org simulator, `backup --until-caught-up`,
 * `status --json`, `verify` and `export`, each a real `autobackup` process on a real database and bucket.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { createEmptyDatabase } from './support/test-db.js';
import { simOrgFlags, useCliEnvironment } from './support/cli-e2e.js';

const e = useCliEnvironment('ab-cli-');

/** Runs `autobackup` against the test database (or `databaseUrl`), collecting its output. */
function cli(args: string[], databaseUrl?: string) {
  return e.run(args, databaseUrl ? { DATABASE_URL: databaseUrl } : {});
}

describe('autobackup CLI end to end', () => {
  let orgId = '';

  test('orgs add verifies the connection and prints exactly one JSON line with the org id and a service key', async () => {
    const bad = await cli([
      'orgs',
      'add',
      '--instance-url',
      e.sim.url,
      '--client-id',
      e.sim.clientId,
      '--client-secret',
      'wrong-secret',
    ]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /could not connect to .*authentication failed/);
    assert.doesNotMatch(bad.stderr, /wrong-secret/, 'the secret is never echoed');

    const added = await cli(['orgs', 'add', ...simOrgFlags(e.sim)]);
    assert.equal(added.status, 0, added.stderr);
    const lines = added.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const result = JSON.parse(lines[0]!) as { orgId: string; serviceKey: string };
    assert.equal(result.orgId, e.sim.orgId);
    assert.match(result.serviceKey, /^abk_/);
    orgId = result.orgId;

    const again = await cli(['orgs', 'add', ...simOrgFlags(e.sim)]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already registered/);

    const list = await cli(['orgs', 'list', '--json']);
    const items = (JSON.parse(list.stdout) as { items: Array<{ orgId: string; secret: string }> }).items;
    assert.deepEqual(
      items.map((i) => i.orgId),
      [orgId],
    );
    assert.equal(items[0]?.secret, `file:${e.sim.privateKeyPath}`, 'a file reference stays a reference');
  });

  test('backup --until-caught-up exits 0, then status and verify agree with the org', async () => {
    const run = await cli(['backup', '--org', orgId, '--until-caught-up']);
    assert.equal(run.status, 0, run.stderr);
    const status = await cli(['status', '--org', orgId, '--json']);
    assert.equal(status.status, 0, status.stderr);
    const dashboard = JSON.parse(status.stdout) as {
      status: string;
      totals: { records: number };
      objects: Array<{ name: string; status: string; records: number }>;
    };
    assert.equal(dashboard.status, 'Running Continuously');
    const account = dashboard.objects.find((o) => o.name === 'Account');
    const excluded = (JSON.parse(status.stdout) as { excluded: Array<{ name: string; reason: string }> })
      .excluded;
    assert.ok(
      excluded.some((e) => e.name === 'ActivityHistory' && e.reason.length > 0),
      'unsupported objects are listed with their reason',
    );
    assert.ok(!dashboard.objects.some((o) => o.name === 'ActivityHistory'));
    assert.equal(account?.status, 'Waiting');
    assert.equal(account?.records, e.sim.org.recordCount('Account'));

    const verify = await cli(['verify', '--org', orgId]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^0 gaps$/m);
  });

  test('export is deterministic NDJSON, and CSV and as-of views read the same backup', async () => {
    const first = await cli(['export', '--org', orgId, '--object', 'Account']);
    const second = await cli(['export', '--org', orgId, '--object', 'account']);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, second.stdout, 'same bytes from the same backup');
    const lines = first.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { object: string; id: string; systemModstamp: string; deleted: boolean });
    assert.ok(lines.length >= e.sim.org.recordCount('Account')!);
    assert.ok(
      lines.every((l, i) => i === 0 || lines[i - 1]!.systemModstamp <= l.systemModstamp),
      'oldest first',
    );

    const csv = await cli(['export', '--org', orgId, '--object', 'Account', '--format', 'csv']);
    const rows = parseCsv(csv.stdout) as string[][];
    assert.deepEqual(rows[0]?.slice(0, 4), ['object', 'id', 'systemModstamp', 'deleted']);
    assert.equal(rows.length, lines.length + 1, 'one CSV row per version (multi-line values quoted)');
    assert.deepEqual(
      rows.slice(1).map((r) => r[1]),
      lines.map((l) => l.id),
    );
    const asOf = await cli([
      'export',
      '--org',
      orgId,
      '--object',
      'Account',
      '--as-of',
      lines[0]!.systemModstamp,
    ]);
    assert.ok(asOf.stdout.trim().split('\n').length >= 1);
  });

  test('exclusions are normalised, unknown names refused whole, and excluded objects show as Excluded', async () => {
    const refused = await cli(['settings', '--org', orgId, '--exclusions', ' lead , NoSuchThing__c']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /"NoSuchThing__c" is not an object of this org/);
    const unchanged = JSON.parse((await cli(['settings', '--org', orgId, '--json'])).stdout) as {
      exclusions: string[];
    };
    assert.deepEqual(unchanged.exclusions, [], 'a refused change changes nothing');

    const saved = await cli([
      'settings',
      '--org',
      orgId,
      '--exclusions',
      ' lead ,  CASE,lead',
      '--schedule',
      'daily',
      '--json',
    ]);
    assert.equal(saved.status, 0, saved.stderr);
    assert.deepEqual(JSON.parse(saved.stdout), {
      mode: 'objects_and_files',
      schedule: 'daily',
      exclusions: ['Lead', 'Case'],
      apiBudgetShare: 0.5,
      version: 2,
    });
    const status = JSON.parse((await cli(['status', '--org', orgId, '--json'])).stdout) as {
      objects: Array<{ name: string; status: string; versions: number }>;
    };
    const lead = status.objects.find((o) => o.name === 'Lead');
    assert.equal(lead?.status, 'Excluded');
    assert.ok((lead?.versions ?? 0) > 0, 'backed up before, so still listed');
    assert.equal((await cli(['settings', '--org', orgId, '--exclusions', ''])).status, 0);
  });

  test('rebuild-index into an empty database gives the same export', async () => {
    const original = await cli(['export', '--org', orgId, '--object', 'Contact']);
    const fresh = await createEmptyDatabase();
    try {
      const inFresh = (args: string[]) => cli(args, fresh.url);
      const rebuilt = await inFresh(['rebuild-index', '--org', orgId, '--json']);
      assert.equal(rebuilt.status, 0, rebuilt.stderr);
      assert.ok((JSON.parse(rebuilt.stdout) as { versionsIndexed: number }).versionsIndexed > 0);
      const again = await inFresh(['export', '--org', orgId, '--object', 'Contact']);
      assert.equal(again.stdout, original.stdout, 'the same bytes after the rebuild');
    } finally {
      await fresh.destroy();
    }
  });

  test('maintain tends the bucket once and leaves the backup as it was', async () => {
    const before = await cli(['export', '--org', orgId, '--object', 'Contact']);
    const run = await cli(['maintain', '--org', orgId, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(result).sort(), ['adopted', 'marked', 'merged', 'replaced', 'swept']);
    // Everything was written today: no orphan is past its grace period, no day is finished.
    assert.deepEqual(Object.values(result), [0, 0, 0, 0, 0]);
    assert.equal((await cli(['export', '--org', orgId, '--object', 'Contact'])).stdout, before.stdout);
    const unknown = await cli(['maintain', '--org', '00D000000000000ZZZ']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /00D000000000000ZZZ/);
  });

  test('bad flags are named and nothing runs', async () => {
    const badOrg = await cli(['status', '--org', 'not-an-org']);
    assert.equal(badOrg.status, 2);
    assert.match(badOrg.stderr, /--org: "not-an-org" is not an org id/);
    const badFormat = await cli(['export', '--org', orgId, '--object', 'Account', '--format', 'xml']);
    assert.equal(badFormat.status, 2);
    assert.match(badFormat.stderr, /--format: expected ndjson or csv/);
    const badMode = await cli(['settings', '--org', orgId, '--mode', 'sometimes']);
    assert.notEqual(badMode.status, 0);
    assert.match(
      badMode.stderr,
      /mode: expected one of objects_and_files, objects_only, paused, got "sometimes"/,
    );
    const unknown = await cli([
      'backup',
      '--org',
      orgId,
      '--until-caught-up',
      '--objects',
      'Account,NoSuchThing__c',
    ]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /NoSuchThing__c/);
  });
});
