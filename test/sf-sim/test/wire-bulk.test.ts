import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { startSimulator, type Simulator } from '../src/index.js';
import { bulkClient, rawGet } from './support/bulk.js';
import { admin, clientCredentialsToken, latestVersions, truth } from './support/sim-client.js';

function rowsOf(pages: Array<{ text: string }>, delimiter = ','): string[][] {
  const rows: string[][] = [];
  for (const p of pages) {
    const parsed = parse(p.text, { delimiter, relax_column_count: false }) as string[][];
    rows.push(...parsed.slice(1));
  }
  return rows;
}

describe('sf-sim wire: Bulk API 2.0 query jobs', () => {
  let sim: Simulator;
  let token: string;
  let bulk: ReturnType<typeof bulkClient>;

  before(async () => {
    sim = await startSimulator({ seed: 'small', records: 2500 });
    token = await clientCredentialsToken(sim);
    bulk = bulkClient(sim, token);
  });
  after(async () => {
    await sim.close();
  });

  test('a job moves UploadComplete → InProgress → JobComplete and pages through every row of the truth', async () => {
    const created = await bulk.create({
      operation: 'query',
      query: 'SELECT Id, Name, SystemModstamp FROM Bench__c',
    });
    assert.equal(created.status, 200);
    const job = created.body as Record<string, unknown>;
    assert.equal(job.state, 'UploadComplete');
    assert.equal(job.apiVersion, 62);
    assert.equal(job.object, 'Bench__c');
    assert.match(String(job.id), /^750\w{15}$/);

    const { info, states } = await bulk.waitDone(String(job.id));
    assert.equal(info.state, 'JobComplete');
    assert.notEqual(states[0], 'JobComplete', 'the first poll does not report completion');
    assert.equal(info.jobType, 'V2Query');

    const pages = await bulk.allPages(String(job.id), 1000);
    assert.deepEqual(
      pages.map((p) => p.rows),
      [1000, 1000, 500],
    );
    assert.equal(pages.at(-1)?.locator, 'null');
    for (const p of pages) assert.ok(p.text.startsWith('"Id","Name","SystemModstamp"\n'));
    const ids = rowsOf(pages).map((r) => r[0]);
    const live = [...latestVersions(await truth(sim, 'Bench__c')).values()].filter((v) => !v.IsDeleted);
    assert.equal(info.numberRecordsProcessed, live.length);
    assert.deepEqual(new Set(ids), new Set(live.map((v) => String(v.Id))));
    assert.equal(ids.length, live.length);

    // A locator is stable: fetching it again gives the same page.
    const again = await bulk.results(String(job.id), {
      locator: pages[0]?.locator ?? '',
      maxRecords: '1000',
    });
    assert.equal(await again.text(), pages[1]?.text);
    // Without maxRecords the whole (small) result is one page.
    const whole = await bulk.allPages(String(job.id));
    assert.equal(whole.length, 1);
    assert.equal(whole[0]?.rows, live.length);
  });

  test('values are quoted, quotes doubled, nulls empty, relationships dotted, delimiter and line ending as asked', async () => {
    const name = 'He said "hi", then\nleft';
    const { created } = (await admin(sim, 'POST', 'mutate', {
      object: 'Account',
      ops: [{ op: 'create', records: [{ Name: name }] }],
    })) as {
      created: string[];
    };
    const id = created[0];
    const soql = `SELECT Id, Name, Website, Owner.Name, IsDeleted FROM Account WHERE Id = '${id}'`;
    const job = (
      await bulk.create({ operation: 'query', query: soql, columnDelimiter: 'PIPE', lineEnding: 'CRLF' })
    ).body as { id: string };
    await bulk.waitDone(job.id);
    const [page] = await bulk.allPages(job.id);
    assert.ok(page);
    const lines = page.text.split('\r\n');
    assert.equal(lines[0], '"Id"|"Name"|"Website"|"Owner.Name"|"IsDeleted"');
    assert.match(
      page.text,
      new RegExp(`^"Id".*\\r\\n"${id}"\\|"He said ""hi"", then\\nleft"\\|""\\|"[^"]+"\\|"false"\\r\\n$`, 's'),
    );
  });

  test('pages of any size split rows correctly, even rows with quoted newlines', async () => {
    const records = Array.from({ length: 60 }, (_, i) => ({ Name: `Multi "line"\nname ${i}, with commas` }));
    await admin(sim, 'POST', 'mutate', { object: 'Account', ops: [{ op: 'create', records }] });
    const job = (
      await bulk.create({
        operation: 'query',
        query: "SELECT Id, Name FROM Account WHERE Name LIKE 'Multi%'",
      })
    ).body as { id: string };
    await bulk.waitDone(job.id);
    const whole = rowsOf(await bulk.allPages(job.id));
    assert.equal(whole.length, 60);
    const paged = await bulk.allPages(job.id, 7);
    assert.deepEqual(
      paged.map((p) => p.rows),
      [7, 7, 7, 7, 7, 7, 7, 7, 4],
    );
    assert.deepEqual(rowsOf(paged), whole);
    assert.ok(whole.every((r) => /^Multi "line"\nname \d+, with commas$/.test(r[1] ?? '')));
  });

  test('results are gzip-compressed when the client accepts gzip', async () => {
    const job = (await bulk.create({ operation: 'query', query: 'SELECT Id FROM Bench__c' })).body as {
      id: string;
    };
    await bulk.waitDone(job.id);
    const url = `${sim.url}/services/data/v${sim.apiVersion}/jobs/query/${job.id}/results?maxRecords=2000`;
    const plain = await rawGet(url, { Authorization: `Bearer ${token}` });
    const zipped = await rawGet(url, { Authorization: `Bearer ${token}`, 'Accept-Encoding': 'gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(gunzipSync(zipped.body).equals(plain.body));
    assert.ok(zipped.body.length < plain.body.length);
    assert.equal(zipped.headers['sforce-numberofrecords'], '2000');
  });

  test('queryAll includes soft-deleted rows; query does not', async () => {
    const { created } = (await admin(sim, 'POST', 'mutate', {
      object: 'Account',
      ops: [{ op: 'create', records: [{ Name: 'to delete' }] }],
    })) as { created: string[] };
    await admin(sim, 'POST', 'mutate', { object: 'Account', ops: [{ op: 'delete', ids: created }] });
    const soql = `SELECT Id, IsDeleted FROM Account WHERE Id = '${created[0]}'`;
    const q = (await bulk.create({ operation: 'query', query: soql })).body as { id: string };
    const qa = (await bulk.create({ operation: 'queryAll', query: soql })).body as { id: string };
    await bulk.waitDone(q.id);
    await bulk.waitDone(qa.id);
    assert.equal(rowsOf(await bulk.allPages(q.id)).length, 0);
    assert.deepEqual(rowsOf(await bulk.allPages(qa.id)), [[created[0], 'true']]);
  });

  test('an empty result is the header alone with Sforce-Locator null', async () => {
    const job = (
      await bulk.create({
        operation: 'query',
        query: "SELECT Id FROM Account WHERE Name = 'no such account at all'",
      })
    ).body as { id: string };
    await bulk.waitDone(job.id);
    const res = await bulk.results(job.id);
    assert.equal(res.headers.get('sforce-locator'), 'null');
    assert.equal(res.headers.get('sforce-numberofrecords'), '0');
    assert.equal(await res.text(), '"Id"\n');
  });

  test('queries Bulk cannot run are refused at create time', async () => {
    for (const soql of [
      'SELECT COUNT() FROM Account',
      'SELECT Id, (SELECT Id FROM Contacts) FROM Account',
      'SELECT FIELDS(ALL) FROM Account LIMIT 10',
      'SELECT Id, BillingAddress FROM Account',
      'SELECT Id, Body FROM Attachment',
      'SELECT Id, NoSuchField__c FROM Account',
    ]) {
      const res = await bulk.create({ operation: 'query', query: soql });
      assert.equal(res.status, 400, soql);
      const [err] = res.body as Array<{ errorCode: string; message: string }>;
      assert.ok(err?.errorCode && err.message, `${soql}: ${JSON.stringify(res.body)}`);
    }
    const bad = await bulk.create({ operation: 'select', query: 'SELECT Id FROM Account' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /operation/);
  });

  test('abort, delete, list, results before completion and with another API version', async () => {
    const job = (await bulk.create({ operation: 'query', query: 'SELECT Id FROM Bench__c' })).body as {
      id: string;
    };
    const early = await bulk.results(job.id);
    assert.equal(early.status, 400);
    const aborted = await bulk.patch(job.id, { state: 'Aborted' });
    assert.equal(aborted.status, 200);
    assert.equal(((await aborted.json()) as { state: string }).state, 'Aborted');
    const twice = await bulk.patch(job.id, { state: 'Aborted' });
    assert.equal(twice.status, 400);
    assert.equal(((await twice.json()) as Array<{ errorCode: string }>)[0]?.errorCode, 'INVALIDJOBSTATE');

    const listed = await bulk.list();
    assert.equal(listed.done, true);
    assert.ok(listed.records.some((j) => j.id === job.id));

    const done = (await bulk.create({ operation: 'query', query: 'SELECT Id FROM Bench__c LIMIT 5' }))
      .body as { id: string };
    await bulk.waitDone(done.id);
    const otherVersion = await bulkClient(sim, token, '61.0').results(done.id);
    assert.equal(otherVersion.status, 409);

    assert.equal((await bulk.remove(job.id)).status, 204);
    const gone = await fetch(`${sim.url}/services/data/v${sim.apiVersion}/jobs/query/${job.id}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(gone.status, 404);
  });

  test('the queryTimeout fault fails jobs and REST queries over its row count, not smaller ones', async () => {
    await admin(sim, 'POST', 'faults', {
      rules: [{ path: '/jobs/query$|/query/?\\?', action: 'queryTimeout', rows: 1000 }],
    });
    try {
      const large = (await bulk.create({ operation: 'query', query: 'SELECT Id FROM Bench__c' })).body as {
        id: string;
      };
      const failed = await bulk.waitDone(large.id);
      assert.equal(failed.info.state, 'Failed');
      assert.match(String(failed.info.errorMessage), /QUERY_TIMEOUT/);
      const small = (
        await bulk.create({ operation: 'query', query: 'SELECT Id FROM Bench__c ORDER BY Id LIMIT 1000' })
      ).body as { id: string };
      assert.equal((await bulk.waitDone(small.id)).info.state, 'JobComplete');
      const rest = async (soql: string) =>
        fetch(`${sim.url}/services/data/v${sim.apiVersion}/query/?q=${encodeURIComponent(soql)}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
      const timedOut = await rest('SELECT Id FROM Bench__c');
      assert.equal(timedOut.status, 400);
      assert.deepEqual(await timedOut.json(), [
        { message: 'Your query request was running for too long.', errorCode: 'QUERY_TIMEOUT' },
      ]);
      assert.equal((await rest('SELECT Id FROM Bench__c LIMIT 1000')).status, 200);
      assert.equal((await rest('SELECT COUNT() FROM Bench__c')).status, 200, 'COUNT() is not slowed');
    } finally {
      await admin(sim, 'DELETE', 'faults');
    }
  });

  test('the bulkJobFailed fault makes a job end in Failed with an error message', async () => {
    await admin(sim, 'POST', 'faults', {
      rules: [{ path: '/jobs/query$', action: 'bulkJobFailed', count: 1 }],
    });
    try {
      const job = (await bulk.create({ operation: 'query', query: 'SELECT Id FROM Bench__c' })).body as {
        id: string;
      };
      const { info } = await bulk.waitDone(job.id);
      assert.equal(info.state, 'Failed');
      assert.match(String(info.errorMessage), /InternalServerError/);
      const res = await bulk.results(job.id);
      assert.equal(res.status, 400);
    } finally {
      await admin(sim, 'DELETE', 'faults');
    }
  });
});
