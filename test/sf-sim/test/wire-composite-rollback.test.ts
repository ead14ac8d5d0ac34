import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { startSimulator, type Simulator } from '../src/index.js';
import { admin, clientCredentialsToken, truth } from './support/sim-client.js';

/**
 * allOrNone over the wire, driven by the unmodified jsforce: a failing part of a /composite or
 * sObject Collections request leaves the org exactly as it was (query, queryAll, getUpdated,
 * ground truth, and a restarted simulator on the same state dir), with Salesforce's result bodies.
 */
const HALTED = 'The transaction was rolled back since another operation in the same transaction failed.';
const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};
const OBJECTS = ['Account', 'AccountHistory', 'Contact'];

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}
interface SaveResult {
  id?: string;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
}

describe('sf-sim wire: allOrNone rolls back', () => {
  let dir: string;
  let sim: Simulator;
  let conn: Connection;
  let accountIds: string[];
  let contactId: string;
  const v = (): string => `/services/data/v${sim.apiVersion}`;

  async function connect(): Promise<void> {
    conn = new Connection({
      instanceUrl: sim.url,
      accessToken: await clientCredentialsToken(sim),
      version: sim.apiVersion,
    });
  }

  /** What a client and the ground truth see of the objects a request may touch. */
  async function observe(): Promise<string> {
    const now = sim.org.clock.nowMs();
    const start = new Date(now - 10 * 60_000).toISOString();
    const end = new Date(now + 10 * 60_000).toISOString();
    const seen: Record<string, unknown> = {};
    for (const object of OBJECTS) {
      seen[object] = {
        truth: await truth(sim, object),
        query: (await conn.query(`SELECT FIELDS(STANDARD) FROM ${object} ORDER BY Id`)).records,
        queryAll: (
          await conn.query(`SELECT Id, IsDeleted, CreatedDate FROM ${object} ORDER BY Id`, {
            scanAll: true,
          })
        ).records,
      };
    }
    for (const object of ['Account', 'Contact']) {
      seen[`${object}:updated`] = (await conn.sobject(object).updated(start, end)).ids;
      seen[`${object}:deleted`] = (await conn.sobject(object).deleted(start, end)).deletedRecords;
    }
    return JSON.stringify(seen);
  }

  async function composite(body: object): Promise<SubResponse[]> {
    const res = await conn.requestPost<{ compositeResponse: SubResponse[] }>(`${v()}/composite`, body);
    return res.compositeResponse;
  }

  /** getUpdated over [since - 1 min, now + 2 min], after moving the clock so the window is covered. */
  async function updatedSince(object: string, since: number): Promise<string[]> {
    await admin(sim, 'POST', 'clock', { advanceMs: 120_000 });
    const start = new Date(since - 60_000).toISOString();
    const end = new Date(sim.org.clock.nowMs()).toISOString();
    return (await conn.sobject(object).updated(start, end)).ids;
  }

  async function names(ids: string[]): Promise<Array<string | undefined>> {
    const rows = await conn.query<{ Id: string; Name: string }>(
      `SELECT Id, Name FROM Account WHERE Id IN ('${ids.join("','")}')`,
    );
    return ids.map((id) => rows.records.find((r) => r.Id === id)?.Name);
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sf-sim-rollback-'));
    sim = await startSimulator({ seed: 'small', stateDir: dir });
    await connect();
    accountIds = (await conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id LIMIT 3')).records.map(
      (r) => r.Id,
    );
    contactId = (await conn.query<{ Id: string }>('SELECT Id FROM Contact ORDER BY Id LIMIT 1')).records[0]!
      .Id;
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const failingComposite = (allOrNone: boolean): Record<string, unknown> => ({
    allOrNone,
    compositeRequest: [
      {
        method: 'POST',
        url: `${v()}/sobjects/Account`,
        referenceId: 'newAccount',
        body: { Name: `Composite ${String(allOrNone)}` },
      },
      {
        method: 'PATCH',
        url: `${v()}/sobjects/Account/${accountIds[0]}`,
        referenceId: 'renamed',
        body: { Name: `Renamed ${String(allOrNone)}`, Industry: 'Banking' },
      },
      {
        method: 'PATCH',
        url: `${v()}/sobjects/Contact/${contactId}`,
        referenceId: 'moved',
        body: { AccountId: '@{newAccount.id}' },
      },
      {
        method: 'PATCH',
        url: `${v()}/sobjects/Account/${accountIds[1]}`,
        referenceId: 'broken',
        body: { NoSuchField__c: 'x' },
      },
      { method: 'GET', url: `${v()}/sobjects/Account/${accountIds[2]}`, referenceId: 'after' },
    ],
  });

  test('composite allOrNone: a failing update undoes the create and updates before it', async () => {
    const before = await observe();
    const t0 = sim.org.clock.nowMs();
    const out = await composite(failingComposite(true));
    const halted = {
      body: [{ errorCode: 'PROCESSING_HALTED', message: HALTED }],
      httpHeaders: {},
      httpStatusCode: 400,
    };
    assert.deepEqual(out[0], { ...halted, referenceId: 'newAccount' });
    assert.deepEqual(out[1], { ...halted, referenceId: 'renamed' });
    assert.deepEqual(out[2], { ...halted, referenceId: 'moved' });
    assert.equal(out[3]?.httpStatusCode, 400);
    assert.equal((out[3]?.body as Array<{ errorCode: string }>)[0]?.errorCode, 'INVALID_FIELD');
    assert.deepEqual(out[4], { ...halted, referenceId: 'after' });
    assert.equal(await observe(), before);
    assert.deepEqual(await updatedSince('Account', t0), []);
    assert.deepEqual(await updatedSince('Contact', t0), []);
  });

  test('composite without allOrNone: the good subrequests stay', async () => {
    const t0 = sim.org.clock.nowMs();
    const out = await composite(failingComposite(false));
    assert.deepEqual(
      out.map((r) => r.httpStatusCode),
      [201, 204, 204, 400, 200],
    );
    const created = (out[0]?.body as { id: string }).id;
    assert.deepEqual(await names([created, accountIds[0]!]), ['Composite false', 'Renamed false']);
    const contact = await conn.sobject('Contact').retrieve(contactId);
    assert.equal(contact.AccountId, created);
    assert.deepEqual((await updatedSince('Account', t0)).sort(), [created, accountIds[0]!].sort());
    assert.deepEqual(await updatedSince('Contact', t0), [contactId]);
  });

  test('collections allOrNone: create, update and delete leave nothing behind', async () => {
    const before = await observe();
    const created = (await conn
      .sobject('Account')
      .create([{ Name: 'Coll ok 1' }, { Name: 'Coll ok 2' }, { Name: 'Coll bad', NoSuchField__c: 1 }], {
        allOrNone: true,
      })) as unknown as SaveResult[];
    assert.deepEqual(created[0], { success: false, errors: [ROLLED_BACK] });
    assert.deepEqual(created[1], { success: false, errors: [ROLLED_BACK] });
    assert.equal(created[2]?.success, false);
    assert.equal(created[2]?.errors[0]?.statusCode, 'INVALID_FIELD');

    const updated = (await conn.sobject('Account').update(
      [
        { Id: accountIds[1]!, Name: 'Coll renamed', Rating: 'Hot' },
        { Id: accountIds[2]!, Name: null },
      ],
      { allOrNone: true },
    )) as unknown as SaveResult[];
    assert.deepEqual(updated[0], { id: accountIds[1], success: false, errors: [ROLLED_BACK] });
    assert.equal(updated[1]?.errors[0]?.statusCode, 'REQUIRED_FIELD_MISSING');

    const doomed = (await conn.query<{ Id: string }>('SELECT Id FROM Contact ORDER BY Id DESC LIMIT 1'))
      .records[0]!.Id;
    const deleted = (await conn.sobject('Contact').destroy([doomed, '003000000000000AAA'], {
      allOrNone: true,
    })) as unknown as SaveResult[];
    assert.deepEqual(deleted[0], { id: doomed, success: false, errors: [ROLLED_BACK] });
    assert.equal(deleted[1]?.success, false);
    assert.equal(await observe(), before);
  });

  test('collections without allOrNone: the valid records are written', async () => {
    const created = (await conn
      .sobject('Account')
      .create([
        { Name: 'Partial ok' },
        { Name: 'Partial bad', NoSuchField__c: 1 },
      ])) as unknown as SaveResult[];
    assert.equal(created[0]?.success, true);
    assert.equal(created[1]?.success, false);
    assert.deepEqual(await names([created[0]!.id!]), ['Partial ok']);
  });

  test('a composite with allOrNone makes its collection subrequests all-or-none, and the reverse', async () => {
    const before = await observe();
    const outer = await composite({
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: `${v()}/composite/sobjects`,
          referenceId: 'accounts',
          body: {
            allOrNone: false,
            records: [
              { attributes: { type: 'Account' }, Name: 'Inner ok' },
              { attributes: { type: 'Account' }, NoSuchField__c: 1 },
            ],
          },
        },
        {
          method: 'POST',
          url: `${v()}/sobjects/Contact`,
          referenceId: 'contact',
          body: { LastName: 'Never made' },
        },
      ],
    });
    assert.equal(outer[0]?.httpStatusCode, 200);
    assert.deepEqual((outer[0]?.body as SaveResult[])[0], { success: false, errors: [ROLLED_BACK] });
    assert.deepEqual(outer[1]?.body, [{ errorCode: 'PROCESSING_HALTED', message: HALTED }]);
    assert.equal(await observe(), before);

    // allOrNone only on the collection: it rolls itself back; the next subrequest still commits.
    const inner = await composite({
      allOrNone: false,
      compositeRequest: [
        {
          method: 'POST',
          url: `${v()}/composite/sobjects`,
          referenceId: 'accounts',
          body: {
            allOrNone: true,
            records: [
              { attributes: { type: 'Account' }, Name: 'Inner rolled back' },
              { attributes: { type: 'Account' }, NoSuchField__c: 1 },
            ],
          },
        },
        {
          method: 'POST',
          url: `${v()}/sobjects/Contact`,
          referenceId: 'contact',
          body: { LastName: 'Made anyway' },
        },
      ],
    });
    assert.deepEqual((inner[0]?.body as SaveResult[])[0], { success: false, errors: [ROLLED_BACK] });
    assert.equal(inner[1]?.httpStatusCode, 201);
    assert.equal((await conn.query("SELECT Id FROM Account WHERE Name = 'Inner rolled back'")).totalSize, 0);
    assert.equal((await conn.query("SELECT Id FROM Contact WHERE LastName = 'Made anyway'")).totalSize, 1);
  });

  test('a restarted simulator on the same state dir shows the committed writes and no rolled-back one', async () => {
    const before = await Promise.all(OBJECTS.map((o) => truth(sim, o)));
    await sim.close();
    sim = await startSimulator({ seed: 'small', stateDir: dir });
    await connect();
    const afterRestart = await Promise.all(OBJECTS.map((o) => truth(sim, o)));
    assert.deepEqual(afterRestart, before);
    const text = JSON.stringify(afterRestart);
    for (const gone of [
      'Composite true',
      'Renamed true',
      'Coll ok 1',
      'Coll renamed',
      'Inner ok',
      'Never made',
    ])
      assert.ok(!text.includes(gone), `${gone} must not be in the restarted org`);
    assert.ok(text.includes('Composite false'), 'the composite without allOrNone was committed');
    assert.ok(
      text.includes('Made anyway'),
      'the subrequest after a self-rolled-back collection was committed',
    );
  });
});
