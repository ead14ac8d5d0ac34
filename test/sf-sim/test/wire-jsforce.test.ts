import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from 'jsforce';
import { startSimulator, type Simulator } from '../src/index.js';
import { jwtAssertion } from './support/jwt.js';
import { admin, latestVersions, truth } from './support/sim-client.js';

/**
 * Contract tests: the unmodified jsforce 3 against the simulator, compared with the ground
 * truth of `/__sim/truth`.
 */
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function jwtConnection(sim: Simulator): Connection {
  const assertion = (): string =>
    jwtAssertion({
      clientId: sim.clientId,
      username: sim.username,
      audience: sim.url,
      privateKeyPath: sim.privateKeyPath,
    });
  const conn: Connection = new Connection({
    loginUrl: sim.url,
    instanceUrl: sim.url,
    version: sim.apiVersion,
    oauth2: { loginUrl: sim.url, clientId: sim.clientId },
    refreshFn: (c, callback) => {
      c.oauth2.requestToken({ grant_type: JWT_GRANT, assertion: assertion() }).then(
        (res) => callback(null, res.access_token, res),
        (err: Error) => callback(err),
      );
    },
  });
  return conn;
}

async function jwtLogin(sim: Simulator): Promise<Connection> {
  const conn = jwtConnection(sim);
  await conn.authorize({
    grant_type: JWT_GRANT,
    assertion: jwtAssertion({
      clientId: sim.clientId,
      username: sim.username,
      audience: sim.url,
      privateKeyPath: sim.privateKeyPath,
    }),
  });
  return conn;
}

async function expectSfError(
  promise: PromiseLike<unknown>,
  errorCode: string,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(
    async () => await promise,
    (err: Error & { errorCode?: string; name?: string }) => {
      assert.equal(err.errorCode ?? err.name, errorCode, `${err.name}: ${err.message}`);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

function sfNow(sim: Simulator): Date {
  return sim.org.clock.now();
}

describe('sf-sim wire: jsforce 3 contract', () => {
  let sim: Simulator;
  let conn: Connection;
  let accountIds: string[] = [];

  before(async () => {
    sim = await startSimulator({ seed: 'small' });
    conn = await jwtLogin(sim);
    // 450 extra Accounts, so queries span several pages at batch size 200.
    const records = Array.from({ length: 450 }, (_, i) => ({ Name: `Paging Account ${i}` }));
    const created = (await admin(sim, 'POST', 'mutate', {
      object: 'Account',
      ops: [{ op: 'create', records }],
    })) as { created: string[] };
    accountIds = created.created;
  });
  after(async () => {
    await sim.close();
  });

  test('JWT login gives an org-prefixed token; identity() follows the identity URL', async () => {
    assert.match(conn.accessToken ?? '', new RegExp(`^${sim.orgId.slice(0, 15)}!`));
    const identity = await conn.identity();
    assert.equal(identity.username, sim.username);
    assert.equal(identity.organization_id, sim.orgId);
  });

  test('client-credentials login', async () => {
    const cc = new Connection({
      loginUrl: sim.url,
      version: sim.apiVersion,
      oauth2: { loginUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret },
    });
    const userInfo = await cc.authorize({ grant_type: 'client_credentials' });
    assert.equal(userInfo.organizationId, sim.orgId);
    const res = await cc.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1');
    assert.equal(res.records.length, 1);
  });

  test('refreshFn recovers after every session is revoked and after a session expires', async () => {
    const c = await jwtLogin(sim);
    const before = c.accessToken;
    await admin(sim, 'DELETE', 'sessions');
    const res = await c.query('SELECT Id FROM Account LIMIT 1');
    assert.equal(res.records.length, 1);
    assert.notEqual(c.accessToken, before);

    await admin(sim, 'POST', 'sessions', { ttlMs: 5 * 60_000 });
    try {
      const second = c.accessToken;
      await admin(sim, 'POST', 'clock', { advanceMs: 6 * 60_000 });
      const again = await c.query('SELECT Id FROM Account LIMIT 1');
      assert.equal(again.records.length, 1);
      assert.notEqual(c.accessToken, second);
    } finally {
      await admin(sim, 'POST', 'sessions', { ttlMs: null });
    }
    conn = await jwtLogin(sim);
  });

  test('describeGlobal and describe; If-Modified-Since after the last change gives 304', async () => {
    const global = await conn.describeGlobal();
    const account = global.sobjects.find((o) => o.name === 'Account');
    assert.ok(account);
    assert.equal(account.keyPrefix, '001');
    const d = await conn.sobject('Account').describe();
    assert.equal(d.name, 'Account');
    const idField = d.fields.find((f) => f.name === 'Id');
    assert.equal(idField?.type, 'id');

    const url = `${sim.url}/services/data/v${sim.apiVersion}/sobjects/Account/describe`;
    const first = await fetch(url, { headers: { Authorization: `Bearer ${conn.accessToken}` } });
    const lastModified = first.headers.get('last-modified');
    assert.ok(lastModified);
    const notModified = await fetch(url, {
      headers: { Authorization: `Bearer ${conn.accessToken}`, 'If-Modified-Since': lastModified },
    });
    assert.equal(notModified.status, 304);
    assert.equal(await notModified.text(), '');
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    const modified = await fetch(url, {
      headers: { Authorization: `Bearer ${conn.accessToken}`, 'If-Modified-Since': older },
    });
    assert.equal(modified.status, 200);
  });

  test('a paged query (batchSize 200) returns exactly the live records of the ground truth', async () => {
    const first = await conn.query<{ Id: string; Name: string }>('SELECT Id, Name FROM Account', {
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    assert.equal(first.records.length, 200);
    assert.equal(first.done, false);
    // jsforce makes the URL absolute; on the wire it is the relative /services/data/vNN.0/query/01g…-200.
    assert.match(
      first.nextRecordsUrl ?? '',
      new RegExp(`/services/data/v${sim.apiVersion}/query/01g\\w{15}-200$`),
    );
    const raw = await fetch(`${sim.url}/services/data/v${sim.apiVersion}/query?q=SELECT+Id+FROM+Account`, {
      headers: { Authorization: `Bearer ${conn.accessToken}`, 'Sforce-Query-Options': 'batchSize=200' },
    });
    const rawPage = (await raw.json()) as { nextRecordsUrl: string; records: unknown[] };
    assert.match(
      rawPage.nextRecordsUrl,
      new RegExp(`^/services/data/v${sim.apiVersion}/query/01g\\w{15}-200$`),
    );
    const all = await conn.query<{ Id: string; Name: string }>('SELECT Id, Name FROM Account', {
      autoFetch: true,
      maxFetch: 1_000_000,
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    const live = [...latestVersions(await truth(sim, 'Account')).values()].filter((v) => !v.IsDeleted);
    assert.equal(all.totalSize, live.length);
    assert.deepEqual(new Set(all.records.map((r) => r.Id)), new Set(live.map((v) => String(v.Id))));
    for (const id of accountIds.slice(0, 5)) assert.ok(all.records.some((r) => r.Id === id));
  });

  test('queryAll (scanAll) also returns soft-deleted records; query does not', async () => {
    const gone = accountIds.slice(0, 3);
    await admin(sim, 'POST', 'mutate', { object: 'Account', ops: [{ op: 'delete', ids: gone }] });
    const soql = `SELECT Id, IsDeleted FROM Account WHERE Id IN ('${gone.join("','")}')`;
    const q = await conn.query(soql);
    assert.equal(q.totalSize, 0);
    const all = await conn.query<{ Id: string; IsDeleted: boolean }>(soql, { scanAll: true });
    assert.equal(all.totalSize, 3);
    assert.ok(all.records.every((r) => r.IsDeleted === true));
    const everything = await conn.query<{ Id: string }>('SELECT Id FROM Account', {
      scanAll: true,
      autoFetch: true,
      maxFetch: 1_000_000,
    });
    const inTruth = latestVersions(await truth(sim, 'Account'));
    assert.equal(everything.totalSize, inTruth.size);
  });

  test('getDeleted and getUpdated report the changes of a window', async () => {
    const start = new Date(sfNow(sim).getTime() - 60 * 60_000);
    await admin(sim, 'POST', 'clock', { advanceMs: 2 * 60_000 });
    const [updateId, deleteId] = [accountIds[10], accountIds[11]];
    assert.ok(updateId && deleteId);
    await admin(sim, 'POST', 'mutate', {
      object: 'Account',
      ops: [{ op: 'update', ids: [updateId], set: { Name: 'Renamed' } }],
    });
    await admin(sim, 'POST', 'mutate', { object: 'Account', ops: [{ op: 'delete', ids: [deleteId] }] });
    await admin(sim, 'POST', 'clock', { advanceMs: 2 * 60_000 });
    const end = sfNow(sim);
    const updated = await conn.sobject('Account').updated(start, end);
    assert.ok(updated.ids.includes(updateId));
    assert.ok(updated.latestDateCovered);
    const deleted = await conn.sobject('Account').deleted(start, end);
    assert.ok(deleted.deletedRecords.some((r) => r.id === deleteId));
    assert.match(deleted.earliestDateAvailable, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$/);
  });

  test('a blob field streams the bytes of the file', async () => {
    const created = (await admin(sim, 'POST', 'mutate', {
      object: 'ContentVersion',
      ops: [
        {
          op: 'create',
          records: [{ Title: 'report', PathOnClient: 'report.pdf', body: { bytes: 300_000, seed: 7 } }],
        },
      ],
    })) as { created: string[] };
    const id = created.created[0];
    assert.ok(id);
    const rec = await conn.sobject('ContentVersion').retrieve(id);
    assert.equal(
      rec.VersionData,
      `/services/data/v${sim.apiVersion}/sobjects/ContentVersion/${id}/VersionData`,
    );
    const chunks: Buffer[] = [];
    for await (const chunk of conn.sobject('ContentVersion').record(id).blob('VersionData'))
      chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    assert.equal(bytes.length, 300_000);
    assert.equal(Number(rec.ContentSize), 300_000);
    // Deterministic: the same file gives the same bytes.
    const again = await fetch(`${sim.url}${String(rec.VersionData)}`, {
      headers: { Authorization: `Bearer ${conn.accessToken}` },
    });
    assert.ok(Buffer.from(await again.arrayBuffer()).equals(bytes));
  });

  test('record writes, sObject Collections and composite', async () => {
    const saved = await conn.sobject('Account').create({ Name: 'Written by jsforce' });
    assert.equal(saved.success, true);
    await conn.sobject('Account').update({ Id: saved.id, Name: 'Updated by jsforce' });
    const read = await conn.sobject('Account').retrieve(saved.id);
    assert.equal(read.Name, 'Updated by jsforce');
    const many = await conn.sobject('Account').create([{ Name: 'Collection A' }, { Name: 'Collection B' }]);
    assert.ok(many.every((r) => r.success));
    const twoIds = many.map((r) => (r.success ? r.id : ''));
    const fetched = await conn.sobject('Account').retrieve(twoIds);
    assert.deepEqual(
      fetched.map((r) => r.Name),
      ['Collection A', 'Collection B'],
    );
    const destroyed = await conn.sobject('Account').destroy([saved.id, ...twoIds]);
    assert.ok(destroyed.every((r) => r.success));

    const composite = (await conn.requestPost(`/services/data/v${sim.apiVersion}/composite`, {
      allOrNone: false,
      compositeRequest: [
        {
          method: 'GET',
          url: `/services/data/v${sim.apiVersion}/query?q=SELECT+Id+FROM+Account+LIMIT+1`,
          referenceId: 'q1',
        },
        {
          method: 'GET',
          url: `/services/data/v${sim.apiVersion}/sobjects/Account/@{q1.records[0].Id}`,
          referenceId: 'acct',
        },
        {
          method: 'GET',
          url: `/services/data/v${sim.apiVersion}/sobjects/Account/001000000000000AAA`,
          referenceId: 'missing',
        },
      ],
    })) as { compositeResponse: Array<{ httpStatusCode: number; referenceId: string; body: unknown }> };
    const [q1, acct, missing] = composite.compositeResponse;
    assert.equal(q1?.httpStatusCode, 200);
    assert.equal(acct?.httpStatusCode, 200);
    assert.equal(
      (acct?.body as { Id: string }).Id,
      (q1?.body as { records: Array<{ Id: string }> }).records[0]?.Id,
    );
    assert.equal(missing?.httpStatusCode, 404);

    const usage = (): number => conn.limitInfo?.apiUsage?.used ?? 0;
    await conn.query('SELECT Id FROM Account LIMIT 1');
    const beforeBatch = usage();
    const batch = (await conn.requestPost(`/services/data/v${sim.apiVersion}/composite/batch`, {
      batchRequests: [
        { method: 'GET', url: `v${sim.apiVersion}/limits` },
        { method: 'GET', url: `v${sim.apiVersion}/sobjects/NoSuchThing__c/describe` },
      ],
    })) as { hasErrors: boolean; results: Array<{ statusCode: number }> };
    assert.equal(batch.hasErrors, true);
    assert.deepEqual(
      batch.results.map((r) => r.statusCode),
      [200, 404],
    );
    // A batch counts each subrequest; a composite counts one.
    assert.equal(usage(), beforeBatch + 2);
  });

  test('jsforce bulk2.query reads a one-page Bulk 2.0 result matching the truth', async () => {
    const stream = await conn.bulk2.query('SELECT Id, Name FROM Account', {
      pollInterval: 50,
      pollTimeout: 30_000,
    });
    const records: Array<Record<string, string>> = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('record', (r: Record<string, string>) => records.push(r));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    const live = [...latestVersions(await truth(sim, 'Account')).values()].filter((v) => !v.IsDeleted);
    assert.equal(records.length, live.length);
    const names = new Map(live.map((v) => [String(v.Id), (v.fields as Record<string, unknown>).Name]));
    for (const r of records) assert.equal(r.Name, names.get(r.Id ?? ''));
  });

  test('SOQL and API errors come back with Salesforce error codes', async () => {
    await expectSfError(
      conn.query('SELECT Id, NoSuchField__c FROM Account'),
      'INVALID_FIELD',
      /No such column 'NoSuchField__c'/,
    );
    await expectSfError(
      conn.query('SELECT Id FROM NoSuchObject'),
      'INVALID_TYPE',
      /sObject type 'NoSuchObject' is not supported/,
    );
    await expectSfError(
      conn.query('SELECT Id FROM ContentDocumentLink'),
      'MALFORMED_QUERY',
      /Implementation restriction: ContentDocumentLink requires a filter/,
    );
    await expectSfError(conn.sobject('NoSuchObject').describe(), 'NOT_FOUND');
  });

  test('an expired query locator gives INVALID_QUERY_LOCATOR', async () => {
    const first = await conn.query('SELECT Id FROM Account', {
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    assert.ok(first.nextRecordsUrl);
    await admin(sim, 'POST', 'clock', { advanceMs: 3 * 86_400_000 });
    await expectSfError(conn.queryMore(first.nextRecordsUrl), 'INVALID_QUERY_LOCATOR');
  });

  test('the daily limit surfaces as REQUEST_LIMIT_EXCEEDED', async () => {
    await conn.query('SELECT Id FROM Account LIMIT 1');
    const used = conn.limitInfo?.apiUsage?.used ?? 0;
    await admin(sim, 'POST', 'limits', { dailyApiRequests: used });
    try {
      await expectSfError(
        conn.query('SELECT Id FROM Account LIMIT 1'),
        'REQUEST_LIMIT_EXCEEDED',
        /TotalRequests Limit exceeded/,
      );
    } finally {
      await admin(sim, 'POST', 'limits', { dailyApiRequests: 100_000 });
    }
  });

  test('fault rules: jsforce retries a transient 503 and surfaces a non-retryable error code', async () => {
    await admin(sim, 'POST', 'faults', {
      rules: [{ path: '/query', action: 'status', status: 503, count: 1 }],
    });
    const ok = await conn.query('SELECT Id FROM Account LIMIT 1');
    assert.equal(ok.records.length, 1);
    const after503 = (await admin(sim, 'GET', 'faults')) as { rules: unknown[]; fired: number };
    assert.equal(after503.rules.length, 0, 'the one-shot rule was used up');
    assert.ok(after503.fired >= 1);

    await admin(sim, 'POST', 'faults', {
      rules: [
        {
          path: '/query',
          action: 'status',
          status: 400,
          errorCode: 'QUERY_TIMEOUT',
          message: 'Your query request was running for too long.',
          count: 1,
        },
      ],
    });
    await expectSfError(
      conn.query('SELECT Id FROM Account LIMIT 1'),
      'QUERY_TIMEOUT',
      /running for too long/,
    );
    assert.equal((await conn.query('SELECT Id FROM Account LIMIT 1')).records.length, 1);
  });
});
