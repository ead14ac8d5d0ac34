import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import { api, clientCredentialsToken } from './support/sim-client.js';

/**
 * `/composite` limits as Salesforce documents them (REST API Developer Guide, "Send Multiple Requests Using
 * Composite": https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite_post.htm):
 * up to 25 subrequests, at most 5 of them query or sObject Collections operations; the whole series counts as one
 * call; each subrequest may carry its own headers.
 */
describe('sf-sim wire: composite limits', () => {
  let sim: Simulator;
  let call: (path: string, init?: RequestInit) => Promise<Response>;
  const v = (): string => `/services/data/v${sim.apiVersion}`;

  before(async () => {
    sim = await startSimulator({ seed: 'small' });
    call = api(sim, await clientCredentialsToken(sim));
  });
  after(async () => sim?.close());

  const composite = (subrequests: unknown[]) =>
    call('composite', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ allOrNone: false, compositeRequest: subrequests }),
    });
  const query = (i: number) => ({
    method: 'GET',
    url: `${v()}/${i % 2 ? 'queryAll' : 'query'}/?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 1')}`,
    referenceId: `q${i}`,
  });
  const describeSub = (i: number, object = 'Account') => ({
    method: 'GET',
    url: `${v()}/sobjects/${object}/describe`,
    referenceId: `d${i}`,
  });
  const used = () => sim.context.limits.used();

  test('five queries and twenty other subrequests run as one counted call', async () => {
    const before = used();
    const subs = [
      ...Array.from({ length: 5 }, (_, i) => query(i)),
      ...Array.from({ length: 20 }, (_, i) => describeSub(i)),
    ];
    const res = await composite(subs);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { compositeResponse: Array<{ httpStatusCode: number }> };
    assert.equal(body.compositeResponse.length, 25);
    assert.ok(body.compositeResponse.every((r) => r.httpStatusCode === 200));
    assert.equal(used() - before, 1, 'the whole composite is one API call');
  });

  test('a sixth query refuses the whole request and runs nothing', async () => {
    const before = used();
    const res = await composite([...Array.from({ length: 6 }, (_, i) => query(i)), describeSub(0)]);
    assert.equal(res.status, 400);
    const body = (await res.json()) as Array<{ errorCode: string; message: string }>;
    assert.equal(body[0]?.errorCode, 'INVALID_API_INPUT');
    assert.match(body[0]!.message, /at most 5 query or sObject Collections subrequests, got 6/);
    assert.ok(used() - before <= 1);
  });

  test('sObject Collections count against the five as well', async () => {
    const res = await composite([
      ...Array.from({ length: 5 }, (_, i) => query(i)),
      {
        method: 'GET',
        url: `${v()}/composite/sobjects/Account?ids=001000000000000AAA&fields=Id`,
        referenceId: 'c',
      },
    ]);
    assert.equal(res.status, 400);
  });

  test('a twenty-sixth subrequest refuses the whole request', async () => {
    const res = await composite(Array.from({ length: 26 }, (_, i) => describeSub(i)));
    assert.equal(res.status, 400);
    const body = (await res.json()) as Array<{ errorCode: string; message: string }>;
    assert.match(body[0]!.message, /between 1 and 25 subrequests, got 26/);
  });

  test('a subrequest carries its own If-Modified-Since', async () => {
    const lastModified = new Date(Date.parse('2030-01-01T00:00:00Z')).toUTCString();
    const res = await composite([
      { ...describeSub(0), httpHeaders: { 'If-Modified-Since': lastModified } },
      describeSub(1),
    ]);
    const body = (await res.json()) as { compositeResponse: Array<{ httpStatusCode: number }> };
    assert.deepEqual(
      body.compositeResponse.map((r) => r.httpStatusCode),
      [304, 200],
    );
  });
});
