import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { startSimulator, type Simulator } from '../src/index.js';
import { sfCli, type SfCli } from './support/sf-cli.js';
import { admin, clientCredentialsToken, latestVersions, truth } from './support/sim-client.js';

/**
 * Contract tests with the real Salesforce CLI (`sf`, a devDependency) against the simulator over
 * plain http. The CLI is slow to start, so these are few and cover its request sequences:
 * `org login access-token`, `data query` (with column metadata) and a multi-page `data export bulk`.
 */
describe('sf-sim wire: the Salesforce CLI', () => {
  let sim: Simulator;
  let cli: SfCli;

  before(async () => {
    sim = await startSimulator({ seed: 'small', records: 2500 });
    cli = sfCli();
    const login = await cli.json<{ username: string; orgId: string }>(
      ['org', 'login', 'access-token', '--instance-url', sim.url, '--no-prompt', '--alias', 'sim', '--json'],
      { SF_ACCESS_TOKEN: await clientCredentialsToken(sim) },
    );
    assert.equal(login.username, sim.username);
    assert.equal(login.orgId, sim.orgId);
  });
  after(async () => {
    await sim.close();
    cli.dispose();
  });

  test('sf data query returns the live records of the ground truth, with relationship columns', async () => {
    const result = await cli.json<{ totalSize: number; records: Array<{ Id: string; Name: string }> }>([
      'data',
      'query',
      '--query',
      'SELECT Id, Name FROM Account',
      '--target-org',
      'sim',
      '--json',
    ]);
    const live = [...latestVersions(await truth(sim, 'Account')).values()].filter((v) => !v.IsDeleted);
    assert.equal(result.totalSize, live.length);
    assert.deepEqual(new Set(result.records.map((r) => r.Id)), new Set(live.map((v) => String(v.Id))));

    // The CSV output lays out columns from `query?columns=true`: relationship paths included.
    const csv = await cli.run([
      'data',
      'query',
      '--query',
      'SELECT Id, Name, Owner.Name FROM Account LIMIT 3',
      '--target-org',
      'sim',
      '--result-format',
      'csv',
    ]);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = parse(csv.stdout.trim(), { relax_column_count: true }) as string[][];
    assert.deepEqual(rows[0], ['Id', 'Name', 'Owner.Name']);
    assert.equal(rows.length, 4);
    assert.ok(rows.slice(1).every((r) => /^001\w{15}$/.test(r[0] ?? '') && (r[2] ?? '') !== ''));
  });

  test('sf data export bulk writes every row of a multi-page result', async () => {
    await admin(sim, 'POST', 'bulk', { pageSize: 1000 });
    const out = path.join(cli.home, 'bench.csv');
    const result = await cli.json<{ totalSize: number }>([
      'data',
      'export',
      'bulk',
      '--query',
      'SELECT Id, Name FROM Bench__c',
      '--output-file',
      out,
      '--result-format',
      'csv',
      '--wait',
      '2',
      '--target-org',
      'sim',
      '--json',
    ]);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Array<{ Id: string; Name: string }>;
    const live = [...latestVersions(await truth(sim, 'Bench__c')).values()].filter((v) => !v.IsDeleted);
    assert.equal(result.totalSize, live.length);
    assert.equal(rows.length, live.length);
    const byId = new Map(live.map((v) => [String(v.Id), v]));
    for (const r of rows) assert.equal(r.Name, (byId.get(r.Id)?.fields as Record<string, unknown>).Name);
    const stats = (await admin(sim, 'GET', 'stats')) as { byKind: Record<string, number> };
    assert.ok((stats.byKind.bulkQueryResults ?? 0) >= 3, 'three result pages were fetched');
  });
});
