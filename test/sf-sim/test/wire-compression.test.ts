import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { Connection } from 'jsforce';
import { startSimulator, type Simulator } from '../src/index.js';
import { rawRequest as raw } from './support/raw-request.js';
import { admin, clientCredentialsToken } from './support/sim-client.js';

/**
 * Compression as the REST API documents it (REST API Developer Guide, "Compression Headers",
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_rest_compression.htm):
 * "Salesforce compresses a response only if the request contains an Accept-Encoding: gzip,
 * Accept-Encoding: deflate …" and then says so in Content-Encoding; "Include a Content-Encoding:
 * gzip or Content-Encoding: deflate header to compress a request. REST API decompresses any
 * requests before processing."
 */

type Compression = {
  responses: Record<string, number>;
  requestBodies: Record<string, number>;
  responseBodyBytes: number;
  responseWireBytes: number;
};

describe('sf-sim wire: compression', () => {
  let sim: Simulator;
  let token: string;
  let auth: Record<string, string>;
  const compression = async (): Promise<Compression> =>
    ((await admin(sim, 'GET', 'stats')) as { compression: Compression }).compression;

  before(async () => {
    sim = await startSimulator({ seed: 'small', seedValue: 'compression' });
    token = await clientCredentialsToken(sim);
    auth = { Authorization: `Bearer ${token}` };
  });
  after(async () => {
    await sim.close();
  });

  const queryUrl = () =>
    `${sim.url}/services/data/v${sim.apiVersion}/query?q=${encodeURIComponent('SELECT Id, Name FROM Account ORDER BY Id')}`;

  test('a client that sends no Accept-Encoding gets identity', async () => {
    const res = await raw(queryUrl(), { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(Number(res.headers['content-length']), res.body.length);
    assert.ok((JSON.parse(res.body.toString('utf8')) as { totalSize: number }).totalSize > 0);
  });

  test('Accept-Encoding: gzip gets a gzip body with the same JSON, smaller on the wire', async () => {
    const plain = await raw(queryUrl(), { headers: auth });
    const before = await compression();
    const zipped = await raw(queryUrl(), { headers: { ...auth, 'Accept-Encoding': 'gzip' } });
    const after = await compression();
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.match(String(zipped.headers.vary), /Accept-Encoding/);
    assert.equal(Number(zipped.headers['content-length']), zipped.body.length);
    assert.deepEqual(
      JSON.parse(gunzipSync(zipped.body).toString('utf8')),
      JSON.parse(plain.body.toString('utf8')),
    );
    assert.ok(zipped.body.length < plain.body.length);
    // /__sim/stats tells tests and benchmarks what went over the wire.
    assert.equal((after.responses.gzip ?? 0) - (before.responses.gzip ?? 0), 1);
    assert.ok(
      after.responseWireBytes - before.responseWireBytes < after.responseBodyBytes - before.responseBodyBytes,
    );
  });

  test('Accept-Encoding: deflate gets deflate; q-values pick the coding; identity and q=0 get none', async () => {
    const deflated = await raw(queryUrl(), { headers: { ...auth, 'Accept-Encoding': 'deflate' } });
    assert.equal(deflated.headers['content-encoding'], 'deflate');
    assert.ok(
      (JSON.parse(inflateSync(deflated.body).toString('utf8')) as { totalSize: number }).totalSize > 0,
    );
    const preferred = await raw(queryUrl(), {
      headers: { ...auth, 'Accept-Encoding': 'gzip;q=0.2, deflate;q=0.8' },
    });
    assert.equal(preferred.headers['content-encoding'], 'deflate');
    const refused = await raw(queryUrl(), { headers: { ...auth, 'Accept-Encoding': 'gzip;q=0' } });
    assert.equal(refused.headers['content-encoding'], undefined);
    const identity = await raw(queryUrl(), { headers: { ...auth, 'Accept-Encoding': 'identity' } });
    assert.equal(identity.headers['content-encoding'], undefined);
  });

  test('errors, describes and Bulk 2.0 CSV results are compressed too', async () => {
    const base = `${sim.url}/services/data/v${sim.apiVersion}`;
    const gz = { ...auth, 'Accept-Encoding': 'gzip' };
    const notFound = await raw(`${base}/sobjects/NoSuch__c/describe`, { headers: gz });
    assert.equal(notFound.status, 404);
    assert.equal(notFound.headers['content-encoding'], 'gzip');
    assert.equal(
      (JSON.parse(gunzipSync(notFound.body).toString('utf8')) as { errorCode: string }[])[0]?.errorCode,
      'NOT_FOUND',
    );
    const described = await raw(`${base}/sobjects/Account/describe`, { headers: gz });
    assert.equal(described.headers['content-encoding'], 'gzip');
    const created = await raw(`${base}/jobs/query`, {
      method: 'POST',
      headers: { ...gz, 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify({ operation: 'query', query: 'SELECT Id FROM Account' })),
    });
    const job = JSON.parse(gunzipSync(created.body).toString('utf8')) as { id: string };
    for (let state = ''; state !== 'JobComplete';) {
      const info = await raw(`${base}/jobs/query/${job.id}`, { headers: auth });
      state = (JSON.parse(info.body.toString('utf8')) as { state: string }).state;
    }
    const csv = await raw(`${base}/jobs/query/${job.id}/results`, {
      headers: { ...auth, 'Accept-Encoding': 'deflate' },
    });
    assert.equal(csv.headers['content-encoding'], 'deflate');
    assert.match(inflateSync(csv.body).toString('utf8'), /^"Id"\n/);
  });

  test('a gzip or deflate request body is decompressed before it is processed', async () => {
    const url = `${sim.url}/services/data/v${sim.apiVersion}/sobjects/Account`;
    const body = (name: string) => Buffer.from(JSON.stringify({ Name: name }));
    const before = await compression();
    for (const [coding, bytes] of [
      ['gzip', gzipSync(body('Zipped Co'))],
      ['deflate', deflateSync(body('Deflated Co'))],
      // Some clients send raw deflate for "deflate"; it is read as well.
      ['deflate', deflateRawSync(body('Raw Deflated Co'))],
    ] as const) {
      const res = await raw(url, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json', 'Content-Encoding': coding },
        body: bytes,
      });
      assert.equal(res.status, 201, `${coding}: ${res.body.toString('utf8')}`);
    }
    const after = await compression();
    assert.equal((after.requestBodies.gzip ?? 0) - (before.requestBodies.gzip ?? 0), 1);
    assert.equal((after.requestBodies.deflate ?? 0) - (before.requestBodies.deflate ?? 0), 2);
    const names = sim.org.query("SELECT Name FROM Account WHERE Name LIKE '%Co'").records.map((r) => r.Name);
    for (const n of ['Zipped Co', 'Deflated Co', 'Raw Deflated Co']) assert.ok(names.includes(n), n);

    const bad = await raw(url, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: body('not gzip at all'),
    });
    assert.equal(bad.status, 400);
    const unknown = await raw(url, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', 'Content-Encoding': 'compress' },
      body: body('x'),
    });
    assert.equal(unknown.status, 415);
  });

  test('jsforce asks for compression by itself and reads the compressed answers', async () => {
    const conn = new Connection({
      loginUrl: sim.url,
      version: sim.apiVersion,
      oauth2: { loginUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret },
    });
    await conn.authorize({ grant_type: 'client_credentials' });
    const before = await compression();
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Contact');
    const after = await compression();
    assert.ok(res.totalSize > 0);
    assert.equal((after.responses.gzip ?? 0) - (before.responses.gzip ?? 0), 1);
    assert.equal(after.responses.identity ?? 0, before.responses.identity ?? 0);
  });
});
