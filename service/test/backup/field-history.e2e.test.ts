/**
 * Field metadata history and the missing-field-permissions report, against the org simulator, embedded PostgreSQL
 * and a filesystem bucket: each change an admin makes in the org (a field added, removed, its formula or picklist
 * values changed, field-level security taken away and given back, an object hidden) shows in the object's history
 * after the next schema scan, with its kind and before/after; a scan with nothing new adds nothing and asks
 * FieldDefinition nothing; the report lists exactly the fields the org hides from the integration user, and says
 * what to grant — or, without "View Setup and Configuration", that it cannot tell.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import type { AppContext } from '../../src/app/app-context.js';
import { fieldHistory, type FieldHistoryItem } from '../../src/app/field-history.js';
import { missingFields } from '../../src/app/missing-fields.js';
import type { EngineContext } from '../../src/backup/engine-context.js';
import { scanSchema } from '../../src/backup/schema-scan.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

let sim: Simulator;
let db: TestDatabase;
let bucketDir: string;
let ctx: EngineContext;
let app: AppContext;

const admin = (pathname: string, body?: unknown) => simAdmin(sim, 'POST', pathname, body);

/** An admin change a few seconds after the last scan, so describe's Last-Modified passes the scan's time. */
async function change(pathname: string, body: unknown): Promise<void> {
  await admin('clock', { advanceMs: 5_000 });
  await admin(pathname, body);
}

/** FieldDefinition queries the simulator answered since request number `since`. */
async function fieldDefinitionQueries(since: number): Promise<number> {
  const log = (await simAdmin(sim, 'GET', `requests?since=${since}&object=FieldDefinition`)) as {
    requests: unknown[];
  };
  return log.requests.length;
}

async function lastRequest(): Promise<number> {
  const log = (await simAdmin(sim, 'GET', 'requests?since=0')) as { next: number };
  return log.next;
}

/** Changes recorded for an object, oldest first, without their times. */
async function historyOf(object: string): Promise<Array<Omit<FieldHistoryItem, 'at'>>> {
  const page = await fieldHistory(app, sim.orgId, object, { limit: 1000 });
  return page.items.reverse().map(({ at: _at, ...rest }) => rest);
}

async function missingNames(): Promise<string[]> {
  return (await missingFields(app, sim.orgId)).items.map((i) => `${i.object}.${i.field}`);
}

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  db = await createTestDatabase();
  bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-field-history-'));
  await registerSimOrg(sim, db.knex);
  const blobs = new FsBlobStore(bucketDir);
  ctx = await engineFor(sim, db.knex, blobs);
  app = {
    config: loadConfig({ AUTOBACKUP_HOME: bucketDir }),
    logger: createLogger('silent'),
    store: { knex: db.knex, blobs },
    now: () => new Date(),
  };
  await admin('schema', {
    object: 'Account',
    fields: [
      { name: 'Tier__c', type: 'picklist', picklistValues: ['Gold', 'Silver'] },
      { name: 'Old_Code__c', type: 'string', length: 20 },
      { name: 'Secret__c', type: 'string', length: 80, label: 'Secret' },
    ],
  });
  await admin('permissions', { object: 'Account', fields: { Secret__c: false } });
  await admin('permissions', { object: 'Contact', fields: { Title: false } });
  // Each change moves describe's Last-Modified a second past the one before: the first scan comes after them all.
  await admin('clock', { advanceMs: 10_000 });
});

after(async () => {
  await sim?.close();
  await db?.destroy();
  if (bucketDir) rmSync(bucketDir, { recursive: true, force: true });
});

describe('field metadata history', () => {
  test('the first scan is the baseline: no history, and the report lists exactly the hidden fields', async () => {
    assert.equal((await missingFields(app, sim.orgId)).checkedAt, null, 'not checked before any scan');
    const scan = await scanSchema(ctx);
    assert.equal(scan.complete, true);
    assert.deepEqual(await historyOf('Account'), []);
    const report = await missingFields(app, sim.orgId);
    assert.ok(report.checkedAt, 'checked at the scan');
    assert.equal(report.error, null);
    assert.deepEqual(
      report.items.map((i) => [i.object, i.label, i.field, i.fieldLabel, i.type, i.grant]),
      [
        [
          'Account',
          'Account',
          'Secret__c',
          'Secret',
          'Text(80)',
          'Read on Account.Secret__c: field-level security in the permission set assigned to the integration user',
        ],
        [
          'Contact',
          'Contact',
          'Title',
          'Title',
          'Text(128)',
          'Read on Contact.Title: field-level security in the permission set assigned to the integration user',
        ],
      ],
    );
    assert.deepEqual(report.objectsUnreadable, []);
    assert.deepEqual(
      (await missingFields(app, sim.orgId, { object: 'contact' })).items.map((i) => i.field),
      ['Title'],
      'one object',
    );
  });

  test('a scan with nothing new adds nothing and asks FieldDefinition nothing', async () => {
    const since = await lastRequest();
    await admin('clock', { advanceMs: 60_000 });
    await scanSchema(ctx);
    assert.equal(await fieldDefinitionQueries(since), 0);
    assert.deepEqual(await historyOf('Account'), []);
  });

  test('a field added, a field removed, a picklist value added, a formula changed, a field hidden', async () => {
    await change('schema', {
      object: 'Account',
      fields: [{ name: 'Region__c', type: 'string', length: 40 }],
    });
    await change('schema/change', { object: 'Account', field: 'Old_Code__c', remove: true });
    await change('schema/change', {
      object: 'Account',
      field: 'Tier__c',
      picklistValues: ['Gold', 'Silver', 'Bronze'],
    });
    await change('schema/change', { object: 'Contact', field: 'Account_Name__c', formula: 'Account.Phone' });
    await change('permissions', { object: 'Account', fields: { Site: false } });
    const since = await lastRequest();
    await scanSchema(ctx);
    assert.equal(await fieldDefinitionQueries(since), 1, 'one FieldDefinition query for the changed objects');
    assert.deepEqual(await historyOf('Account'), [
      {
        field: 'Old_Code__c',
        change: 'removed',
        before: { label: 'Old Code', type: 'string', length: 20, readable: true },
        after: null,
      },
      {
        field: 'Region__c',
        change: 'added',
        before: null,
        after: { label: 'Region', type: 'string', length: 40, readable: true },
      },
      { field: 'Site', change: 'access-lost', before: { readable: true }, after: { readable: false } },
      {
        field: 'Tier__c',
        change: 'picklist',
        before: ['Gold', 'Silver'],
        after: ['Gold', 'Silver', 'Bronze'],
      },
    ]);
    assert.deepEqual(await historyOf('Contact'), [
      { field: 'Account_Name__c', change: 'formula', before: 'Account.Name', after: 'Account.Phone' },
    ]);
    assert.deepEqual(await missingNames(), ['Account.Secret__c', 'Account.Site', 'Contact.Title']);
  });

  test('fields granted again: access regained, and the report stops listing them', async () => {
    await change('permissions', { object: 'Account', fields: { Site: true, Secret__c: true } });
    await scanSchema(ctx);
    const account = await historyOf('Account');
    assert.deepEqual(account.slice(-2), [
      {
        field: 'Secret__c',
        change: 'access-regained',
        before: { readable: false },
        after: { readable: true },
      },
      { field: 'Site', change: 'access-regained', before: { readable: false }, after: { readable: true } },
    ]);
    assert.deepEqual(await missingNames(), ['Contact.Title']);
  });

  test('a field the user cannot read is removed from the org: removed, seen through FieldDefinition', async () => {
    await change('schema', { object: 'Account', fields: [{ name: 'Hidden_Note__c', type: 'string' }] });
    await change('permissions', { object: 'Account', fields: { Hidden_Note__c: false } });
    await scanSchema(ctx);
    assert.deepEqual((await historyOf('Account')).slice(-1), [
      {
        field: 'Hidden_Note__c',
        change: 'added',
        before: null,
        after: { label: 'Hidden Note', type: 'Text(255)', readable: false },
      },
    ]);
    assert.ok((await missingNames()).includes('Account.Hidden_Note__c'));
    await change('schema/change', { object: 'Account', field: 'Hidden_Note__c', remove: true });
    await scanSchema(ctx);
    assert.deepEqual((await historyOf('Account')).slice(-1), [
      {
        field: 'Hidden_Note__c',
        change: 'removed',
        before: { label: 'Hidden Note', type: 'Text(255)', readable: false },
        after: null,
      },
    ]);
    assert.deepEqual(await missingNames(), ['Contact.Title']);
  });

  test('an object the user can no longer read is listed with what to grant; read again, it leaves the list', async () => {
    await change('permissions', { object: 'Opportunity', readable: false });
    await scanSchema(ctx);
    assert.deepEqual((await historyOf('Opportunity')).slice(-1), [
      { field: null, change: 'access-lost', before: { readable: true }, after: { readable: false } },
    ]);
    assert.deepEqual((await missingFields(app, sim.orgId)).objectsUnreadable, [
      {
        object: 'Opportunity',
        label: 'Opportunity',
        grant:
          'Read on Opportunity: object permission in the permission set assigned to the integration user',
      },
    ]);
    await change('permissions', { object: 'Opportunity', readable: true });
    await scanSchema(ctx);
    assert.deepEqual((await historyOf('Opportunity')).slice(-1), [
      { field: null, change: 'access-regained', before: { readable: false }, after: { readable: true } },
    ]);
    assert.deepEqual((await missingFields(app, sim.orgId)).objectsUnreadable, []);
  });

  test('history pages newest first through its cursor', async () => {
    const all = await fieldHistory(app, sim.orgId, 'Account', {});
    assert.equal(all.next, null);
    const seen: FieldHistoryItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await fieldHistory(app, sim.orgId, 'account', { limit: 2, ...(cursor ? { cursor } : {}) });
      assert.equal(page.object, 'Account');
      seen.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, all.items);
    const times = all.items.map((i) => i.at);
    assert.deepEqual(times, times.toSorted().reverse(), 'newest first');
  });

  test('without "View Setup and Configuration" the report says what to grant; granted, it fills again', async () => {
    await admin('user-permissions', { viewSetup: false });
    await change('permissions', { object: 'Contact', fields: { Email: false } });
    await scanSchema(ctx);
    const denied = await missingFields(app, sim.orgId);
    assert.equal(denied.error?.code, 'FIELD_DEFINITION_DENIED');
    assert.match(
      denied.error.message,
      /Grant "View Setup and Configuration" in a permission set assigned to the integration user/,
    );
    assert.deepEqual((await historyOf('Contact')).slice(-1), [
      {
        field: 'Email',
        change: 'removed-or-hidden',
        before: { label: 'Email', type: 'email', length: 80, readable: true },
        after: null,
      },
    ]);
    await admin('user-permissions', { viewSetup: true });
    await admin('clock', { advanceMs: 60_000 });
    await scanSchema(ctx);
    const granted = await missingFields(app, sim.orgId);
    assert.equal(granted.error, null);
    assert.deepEqual(await missingNames(), ['Contact.Email', 'Contact.Title']);
  });
});
