/**
 * `autobackup fields` as an admin runs it: after a backup, `--missing` lists the field the org hides from the
 * integration user with what to grant (text and JSON); `--history` shows a change made in the org after the next
 * backup's schema scan; calls that do not say what they want exit 2 naming the problem.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simOrgFlags, useCliEnvironment } from './support/cli-e2e.js';

const e = useCliEnvironment('ab-fields-');

describe('autobackup fields end to end', () => {
  let orgId = '';
  const backup = async () => {
    e.sim.org.clock.advance(5 * 60_000);
    const run = await e.run(['backup', '--org', orgId, '--until-caught-up', '--objects', 'Account']);
    assert.equal(run.status, 0, run.stderr);
  };

  test('--missing lists the hidden field and what to grant', async () => {
    e.sim.org.setPermissions({ object: 'Account', fields: { Phone: false } });
    e.sim.org.clock.advance(10_000);
    const added = await e.run(['orgs', 'add', ...simOrgFlags(e.sim)]);
    assert.equal(added.status, 0, added.stderr);
    orgId = (JSON.parse(added.stdout) as { orgId: string }).orgId;
    await backup();

    const json = await e.run(['fields', '--org', orgId, '--missing', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as {
      checkedAt: string | null;
      items: Array<{ object: string; field: string; grant: string }>;
      error: unknown;
    };
    assert.ok(report.checkedAt);
    assert.equal(report.error, null);
    assert.deepEqual(
      report.items.map((i) => `${i.object}.${i.field}`),
      ['Account.Phone'],
    );

    const text = await e.run(['fields', '--org', orgId, '--missing', '--object', 'Account']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^Account \(Account\):$/m);
    assert.match(
      text.stdout,
      /^ {2}Phone \(Account Phone, Phone\): grant Read on Account\.Phone: field-level security in the permission set assigned to the integration user$/m,
    );
  });

  test('--history shows a label changed in the org after the next scan', async () => {
    const empty = await e.run(['fields', '--org', orgId, '--history', '--object', 'Account']);
    assert.equal(empty.status, 0, empty.stderr);
    assert.equal(empty.stdout, 'no field changes recorded for Account yet\n');

    e.sim.org.changeField({ object: 'Account', field: 'Site', label: 'Location' });
    await backup();
    const json = await e.run(['fields', '--org', orgId, '--history', '--object', 'Account', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const page = JSON.parse(json.stdout) as {
      object: string;
      items: Array<{ field: string; change: string; before: unknown; after: unknown }>;
    };
    assert.deepEqual(
      page.items.map(({ field, change, before, after }) => ({ field, change, before, after })),
      [{ field: 'Site', change: 'label', before: 'Account Site', after: 'Location' }],
    );
    const text = await e.run(['fields', '--org', orgId, '--history', '--object', 'Account']);
    assert.match(text.stdout, /Z {2}Site {2}label {2}"Account Site" -> "Location"\n$/);
  });

  test('calls that do not say what they want exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['fields', '--org', orgId], /say which: --missing .* or --history/],
      [['fields', '--org', orgId, '--missing', '--history'], /say which/],
      [['fields', '--org', orgId, '--history'], /--history needs --object/],
      [['fields', '--org', orgId, '--history', '--object', 'Nope__c'], /object "Nope__c" is not known/],
      [['fields', '--org', orgId, '--history', '--object', 'Account', '--limit', '0'], /--limit/],
    ];
    for (const [args, message] of cases) {
      const run = await e.run(args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });
});
