import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import { admin, api, clientCredentialsToken, latestVersions, truth } from './support/sim-client.js';

/** The REST resources over plain HTTP: shapes, paging, writes, composite semantics and error bodies. */
type ErrorBody = Array<{ errorCode: string; message: string }>;

describe('sf-sim wire: REST resources', () => {
  let sim: Simulator;
  let call: ReturnType<typeof api>;
  const v = (): string => `/services/data/v${sim.apiVersion}`;

  async function get<T>(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; res: Response }> {
    const res = await call(path, { headers });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, res };
  }
  async function send<T>(
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: T; res: Response }> {
    const res = await call(path, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, res };
  }

  before(async () => {
    sim = await startSimulator({ seed: 'small' });
    call = api(sim, await clientCredentialsToken(sim));
  });
  after(async () => {
    await sim.close();
  });

  test('records that share one SystemModstamp are paged without loss or repeat', async () => {
    const records = Array.from({ length: 650 }, (_, i) => ({ LastName: `Tie ${i}` }));
    const { created, systemModstamp } = (await admin(sim, 'POST', 'mutate', {
      object: 'Contact',
      ops: [{ op: 'create', records }],
      sameSecond: true,
    })) as {
      created: string[];
      systemModstamp: string;
    };
    const stamp = systemModstamp.replace('+0000', 'Z');
    const soql = `SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp >= ${stamp} ORDER BY SystemModstamp ASC, Id ASC`;
    const seen: string[] = [];
    let page = await get<{
      records: Array<{ Id: string; SystemModstamp: string }>;
      nextRecordsUrl?: string;
      totalSize: number;
    }>(`query?q=${encodeURIComponent(soql)}`, { 'Sforce-Query-Options': 'batchSize=200' });
    for (;;) {
      assert.equal(page.status, 200);
      seen.push(...page.body.records.map((r) => r.Id));
      if (!page.body.nextRecordsUrl) break;
      page = await get(page.body.nextRecordsUrl, { 'Sforce-Query-Options': 'batchSize=200' });
    }
    assert.equal(new Set(seen).size, seen.length, 'no record twice');
    for (const id of created) assert.ok(seen.includes(id));
    assert.deepEqual(seen, [...seen].sort(), 'ordered by Id within the shared second');
  });

  test('permission changes show in describe and in queries', async () => {
    await admin(sim, 'POST', 'permissions', { object: 'Account', fields: { Website: false } });
    const d = await get<{ fields: Array<{ name: string }> }>('sobjects/Account/describe');
    assert.ok(!d.body.fields.some((f) => f.name === 'Website'));
    const q = await get<ErrorBody>(`query?q=${encodeURIComponent('SELECT Id, Website FROM Account')}`);
    assert.equal(q.status, 400);
    assert.equal(q.body[0]?.errorCode, 'INVALID_FIELD');
    await admin(sim, 'POST', 'permissions', { object: 'Account', fields: { Website: true } });
    assert.equal(
      (await get(`query?q=${encodeURIComponent('SELECT Id, Website FROM Account LIMIT 1')}`)).status,
      200,
    );

    await admin(sim, 'POST', 'permissions', { object: 'Lead', readable: false });
    assert.equal((await get('sobjects/Lead/describe')).status, 404);
    const global = await get<{ sobjects: Array<{ name: string }> }>('sobjects');
    assert.ok(!global.body.sobjects.some((o) => o.name === 'Lead'));
    const lq = await get<ErrorBody>(`query?q=${encodeURIComponent('SELECT Id FROM Lead')}`);
    assert.equal(lq.body[0]?.errorCode, 'INVALID_TYPE');
    await admin(sim, 'POST', 'permissions', { object: 'Lead', readable: true });
    assert.equal((await get('sobjects/Lead/describe')).status, 200);
  });

  test('a new custom field appears in describe and makes If-Modified-Since stale', async () => {
    const first = await get('sobjects/Account/describe');
    const lastModified = first.res.headers.get('last-modified') ?? '';
    assert.equal((await get('sobjects/Account/describe', { 'If-Modified-Since': lastModified })).status, 304);
    await admin(sim, 'POST', 'clock', { advanceMs: 5_000 });
    await admin(sim, 'POST', 'schema', { object: 'Account', fields: [{ name: 'Tier__c', type: 'string' }] });
    const after = await get<{ fields: Array<{ name: string }> }>('sobjects/Account/describe', {
      'If-Modified-Since': lastModified,
    });
    assert.equal(after.status, 200);
    assert.ok(after.body.fields.some((f) => f.name === 'Tier__c'));
  });

  test('query shapes: COUNT(), queryAll paging under /query/, column metadata, pretty print', async () => {
    const count = await get<{ totalSize: number; done: boolean; records: unknown[] }>(
      `query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}`,
    );
    const live = [...latestVersions(await truth(sim, 'Account')).values()].filter((x) => !x.IsDeleted);
    assert.deepEqual(count.body, { totalSize: live.length, done: true, records: [] });

    const all = await get<{ nextRecordsUrl?: string }>(
      `queryAll?q=${encodeURIComponent('SELECT Id FROM Contact')}`,
      { 'Sforce-Query-Options': 'batchSize=200' },
    );
    assert.match(all.body.nextRecordsUrl ?? '', new RegExp(`^${v()}/query/01g`));

    const cols = await get<{
      columnMetadata: Array<{ columnName: string; joinColumns: Array<{ columnName: string }> }>;
      entityName: string;
    }>(`query?q=${encodeURIComponent('select id, name, owner.name from account')}&columns=true`);
    assert.equal(cols.body.entityName, 'Account');
    assert.deepEqual(
      cols.body.columnMetadata.map((c) => c.columnName),
      ['Id', 'Name', 'Owner'],
    );
    assert.equal(cols.body.columnMetadata[2]?.joinColumns[0]?.columnName, 'Name');

    const pretty = await call('limits', { headers: { 'X-PrettyPrint': '1' } });
    assert.match(await pretty.text(), /^\{\n {2}"/);
    const missing = await get<ErrorBody>('query');
    assert.equal(missing.status, 400);
    assert.equal(missing.body[0]?.errorCode, 'MALFORMED_QUERY');
  });

  test('sObject rows: create 201 with Location, read with fields, update and delete 204, bad ids 404', async () => {
    const created = await send<{ id: string; success: boolean }>('POST', 'sobjects/Account', {
      Name: 'Row test',
      Website: 'https://example.com',
    });
    assert.equal(created.status, 201);
    assert.equal(created.res.headers.get('location'), `${v()}/sobjects/Account/${created.body.id}`);
    const read = await get<Record<string, unknown>>(
      `sobjects/Account/${created.body.id}?fields=Name,Website`,
    );
    assert.deepEqual(read.body.attributes, {
      type: 'Account',
      url: `${v()}/sobjects/Account/${created.body.id}`,
    });
    assert.equal(read.body.Website, 'https://example.com');
    const etag = read.res.headers.get('etag') ?? '';
    const again = await get(`sobjects/Account/${created.body.id}?fields=Name,Website`, {
      'If-None-Match': etag,
    });
    assert.equal(again.status, 304);
    const basic = await get<{ objectDescribe: { name: string; keyPrefix: string } }>('sobjects/Account');
    assert.deepEqual(
      [basic.body.objectDescribe.name, basic.body.objectDescribe.keyPrefix],
      ['Account', '001'],
    );
    assert.equal(
      (await send('PATCH', `sobjects/Account/${created.body.id}`, { Name: 'Row test 2' })).status,
      204,
    );
    assert.equal(
      (await get<Record<string, unknown>>(`sobjects/Account/${created.body.id}`)).body.Name,
      'Row test 2',
    );
    assert.equal((await call(`sobjects/Account/${created.body.id}`, { method: 'DELETE' })).status, 204);
    const gone = await get<ErrorBody>(`sobjects/Account/${created.body.id}`);
    assert.equal(gone.status, 404);
    const notAnId = await get<ErrorBody>('sobjects/Account/23foo');
    assert.deepEqual(notAnId.body, [
      {
        message: 'Provided external ID field does not exist or is not accessible: 23foo',
        errorCode: 'NOT_FOUND',
      },
    ]);
    const badJson = await send<ErrorBody>('POST', 'sobjects/Account', '{"Name":');
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body[0]?.errorCode, 'JSON_PARSER_ERROR');
    const badField = await send<ErrorBody>('POST', 'sobjects/Account', { Name: 'x', NoSuchField__c: 1 });
    assert.equal(badField.status, 400);
    assert.equal(badField.body[0]?.errorCode, 'INVALID_FIELD');
  });

  test('composite: allOrNone halts the rest, unresolvable references are PROCESSING_HALTED', async () => {
    const res = await send<{ compositeResponse: Array<{ httpStatusCode: number; body: ErrorBody }> }>(
      'POST',
      'composite',
      {
        allOrNone: true,
        compositeRequest: [
          { method: 'POST', url: `${v()}/sobjects/NoSuchObject__c`, referenceId: 'bad', body: { Name: 'x' } },
          { method: 'GET', url: `${v()}/limits`, referenceId: 'after' },
        ],
      },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.compositeResponse[0]?.httpStatusCode, 404);
    assert.equal(res.body.compositeResponse[1]?.body[0]?.errorCode, 'PROCESSING_HALTED');

    const refs = await send<{ compositeResponse: Array<{ httpStatusCode: number; body: ErrorBody }> }>(
      'POST',
      'composite',
      {
        compositeRequest: [
          {
            method: 'GET',
            url: `${v()}/query?q=SELECT+Id+FROM+Account+WHERE+Name='none at all'`,
            referenceId: 'q',
          },
          { method: 'GET', url: `${v()}/sobjects/Account/@{q.records[0].Id}`, referenceId: 'use' },
        ],
      },
    );
    assert.equal(refs.body.compositeResponse[1]?.httpStatusCode, 400);
    assert.equal(refs.body.compositeResponse[1]?.body[0]?.errorCode, 'PROCESSING_HALTED');
    const tooMany = await send<ErrorBody>('POST', 'composite', {
      compositeRequest: Array.from({ length: 26 }, (_, i) => ({
        method: 'GET',
        url: `${v()}/limits`,
        referenceId: `r${i}`,
      })),
    });
    assert.equal(tooMany.status, 400);
  });

  test('composite/batch with haltOnError answers 412 for what it did not run', async () => {
    const res = await send<{ hasErrors: boolean; results: Array<{ statusCode: number; result: ErrorBody }> }>(
      'POST',
      'composite/batch',
      {
        haltOnError: true,
        batchRequests: [
          { method: 'GET', url: `v${sim.apiVersion}/sobjects/NoSuchObject__c/describe` },
          { method: 'GET', url: `v${sim.apiVersion}/limits` },
        ],
      },
    );
    assert.equal(res.body.hasErrors, true);
    assert.equal(res.body.results[0]?.statusCode, 404);
    assert.equal(res.body.results[1]?.statusCode, 412);
    assert.equal(res.body.results[1]?.result[0]?.errorCode, 'BATCH_PROCESSING_HALTED');
  });

  test('sObject Collections: per-record results, allOrNone rolls back the rest, retrieve gives null for missing', async () => {
    const ok = await send<Array<{ id: string; success: boolean }>>('POST', 'composite/sobjects', {
      records: [
        { attributes: { type: 'Account' }, Name: 'Coll 1' },
        { attributes: { type: 'Account' }, NoSuchField__c: 'x' },
      ],
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body[0]?.success, true);
    assert.equal(ok.body[1]?.success, false);
    const halted = await send<Array<{ success: boolean; errors: Array<{ statusCode: string }> }>>(
      'POST',
      'composite/sobjects',
      {
        allOrNone: true,
        records: [
          { attributes: { type: 'Account' }, NoSuchField__c: 'x' },
          { attributes: { type: 'Account' }, Name: 'never written' },
        ],
      },
    );
    assert.equal(halted.body[1]?.errors[0]?.statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
    const id = ok.body[0]?.id ?? '';
    const got = await get<Array<Record<string, unknown> | null>>(
      `composite/sobjects/Account?ids=${id},001000000000000AAA&fields=Id,Name`,
    );
    assert.equal(got.body[0]?.Name, 'Coll 1');
    assert.equal(got.body[1], null);
    const del = await call(`composite/sobjects?ids=${id}`, { method: 'DELETE' });
    assert.deepEqual(await del.json(), [{ id, success: true, errors: [] }]);
  });

  test('getUpdated rejects a window under a minute; recordCount counts live rows', async () => {
    const now = sim.org.clock.now();
    const same = encodeURIComponent(now.toISOString());
    const res = await get<ErrorBody>(`sobjects/Account/updated?start=${same}&end=${same}`);
    assert.equal(res.status, 400);
    assert.equal(res.body[0]?.errorCode, 'INVALID_REPLICATION_DATE');
    const counts = await get<{ sObjects: Array<{ name: string; count: number }> }>(
      'limits/recordCount?sObjects=Account,NoSuchObject',
    );
    const live = [...latestVersions(await truth(sim, 'Account')).values()].filter((x) => !x.IsDeleted);
    assert.deepEqual(counts.body.sObjects, [{ count: live.length, name: 'Account' }]);
  });

  test('a restarted simulator on the same state dir keeps its org id and credentials', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-sim-state-'));
    try {
      const a = await startSimulator({ seed: 'none', stateDir: dir, orgId: '00D5g000004XYZW' });
      const first = a.startLine();
      await a.close();
      const b = await startSimulator({ seed: 'none', stateDir: dir });
      try {
        const second = b.startLine();
        assert.equal(second.orgId, first.orgId);
        assert.equal(second.clientId, first.clientId);
        assert.equal(second.clientSecret, first.clientSecret);
        assert.equal(await clientCredentialsToken(b).then((t) => t.slice(0, 15)), '00D5g000004XYZW');
      } finally {
        await b.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
