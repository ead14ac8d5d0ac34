import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import type { LoggedRequest } from '../src/http/request-log.js';
import { admin, api, clientCredentialsToken } from './support/sim-client.js';

/**
 * What a `/composite` request does is visible to the simulator's request log and fault rules as if each
 * subrequest had come on its own: the log names the objects of all its subrequests, and an error fault rule that
 * matches a subrequest's url answers that subrequest (inside the 200 composite answer, as Salesforce reports a
 * failing subrequest: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/responses_composite.htm).
 */
let sim: Simulator;
let call: (path: string, init?: RequestInit) => Promise<Response>;
const v = (): string => `/services/data/v${sim.apiVersion}`;

before(async () => {
  sim = await startSimulator({ seed: 'small', records: 700 });
  call = api(sim, await clientCredentialsToken(sim));
});
after(async () => {
  await sim?.close();
});

interface SubAnswer {
  body: unknown;
  httpStatusCode: number;
  referenceId: string;
}
type Log = { requests: LoggedRequest[]; next: number };
interface Faults {
  rules: Array<{ path: string; remaining: number | null }>;
  fired: number;
}

const log = async (query: string): Promise<Log> => (await admin(sim, 'GET', `requests${query}`)) as Log;
const faults = async (): Promise<Faults> => (await admin(sim, 'GET', 'faults')) as Faults;
const query = (referenceId: string, soql: string, httpHeaders?: Record<string, string>) => ({
  method: 'GET',
  url: `${v()}/query?q=${encodeURIComponent(soql)}`,
  referenceId,
  ...(httpHeaders ? { httpHeaders } : {}),
});

async function composite(subrequests: unknown[], allOrNone = false): Promise<Map<string, SubAnswer>> {
  const res = await call('composite', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ allOrNone, compositeRequest: subrequests }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { compositeResponse: SubAnswer[] };
  return new Map(body.compositeResponse.map((r) => [r.referenceId, r]));
}

describe('the request log of a composite request', () => {
  test('names the objects of all its subrequests, and ?object= finds it', async () => {
    const start = (await log('')).next;
    const now = Date.now();
    const window = `start=${encodeURIComponent(new Date(now - 3_600_000).toISOString())}&end=${encodeURIComponent(new Date(now).toISOString())}`;
    const answers = await composite([
      { method: 'GET', url: `${v()}/sobjects/Account/updated/?${window}`, referenceId: 'updated' },
      { method: 'GET', url: `${v()}/sobjects/Contact/deleted/?${window}`, referenceId: 'deleted' },
      query('q', 'SELECT Id FROM Opportunity LIMIT 1'),
      { method: 'GET', url: `${v()}/sobjects/Bench__c/describe`, referenceId: 'describe' },
    ]);
    assert.deepEqual(
      [...answers.values()].map((a) => a.httpStatusCode),
      [200, 200, 200, 200],
    );

    for (const object of ['Account', 'Contact', 'Opportunity', 'Bench__c']) {
      const { requests } = await log(`?since=${start}&object=${object}`);
      assert.equal(requests.length, 1, `the composite is found by ${object}`);
      const [entry] = requests;
      assert.equal(entry!.path, `${v()}/composite`);
      assert.equal(entry!.kind, 'other', 'a composite keeps its own kind');
      assert.deepEqual([...entry!.objects].sort(), ['Account', 'Bench__c', 'Contact', 'Opportunity']);
      assert.equal(entry!.status, 200);
    }
  });

  test("a query subrequest's locator names its object when the next page is fetched on its own", async () => {
    const answers = await composite([
      query('bench', 'SELECT Id FROM Bench__c', { 'Sforce-Query-Options': 'batchSize=200' }),
    ]);
    const first = answers.get('bench')!.body as { nextRecordsUrl?: string };
    assert.ok(first.nextRecordsUrl, 'the query has a second page');
    const start = (await log('')).next;
    const res = await call(first.nextRecordsUrl);
    assert.equal(res.status, 200);
    const { requests } = await log(`?since=${start}&object=Bench__c`);
    assert.equal(requests.length, 1, 'the later page is Bench__c’s');
    assert.equal(requests[0]!.kind, 'query');
  });

  test('a /composite/batch request names the objects of its subrequests too', async () => {
    const start = (await log('')).next;
    const res = await call('composite/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        batchRequests: [
          { method: 'GET', url: `v${sim.apiVersion}/sobjects/Lead/describe` },
          { method: 'GET', url: `v${sim.apiVersion}/query?q=${encodeURIComponent('SELECT Id FROM Case')}` },
        ],
      }),
    });
    assert.equal(res.status, 200);
    const { requests } = await log(`?since=${start}&object=Case`);
    assert.equal(requests.length, 1);
    assert.deepEqual([...requests[0]!.objects].sort(), ['Case', 'Lead']);
  });
});

describe('fault rules on composite subrequests', () => {
  beforeEach(async () => {
    await admin(sim, 'DELETE', 'faults');
  });

  test('an error rule answers the matching subrequest with its status and body, once per count', async () => {
    await admin(sim, 'POST', 'faults', {
      rules: [{ path: 'Contact', action: 'status', status: 503, count: 1 }],
    });
    const firedBefore = (await faults()).fired;
    const answers = await composite([
      query('accounts', 'SELECT Id FROM Account LIMIT 1'),
      query('contacts', 'SELECT Id FROM Contact LIMIT 1'),
    ]);
    assert.equal(answers.get('accounts')!.httpStatusCode, 200);
    const failed = answers.get('contacts')!;
    assert.equal(failed.httpStatusCode, 503);
    assert.deepEqual(failed.body, [
      { errorCode: 'SERVER_UNAVAILABLE', message: 'Server too busy. Please try again later.' },
    ]);
    const after = await faults();
    assert.equal(after.fired - firedBefore, 1, 'the rule fired once');
    assert.equal(after.rules.length, 0, 'its one count is used up');

    const again = await composite([query('contacts', 'SELECT Id FROM Contact LIMIT 1')]);
    assert.equal(again.get('contacts')!.httpStatusCode, 200);
  });

  test('a failing subrequest of an allOrNone composite rolls the written records back', async () => {
    await admin(sim, 'POST', 'faults', { rules: [{ path: 'FROM%20Contact', status: 500, count: 1 }] });
    const name = `Rolled back ${Date.now()}`;
    const answers = await composite(
      [
        { method: 'POST', url: `${v()}/sobjects/Account`, referenceId: 'create', body: { Name: name } },
        query('contacts', 'SELECT Id FROM Contact LIMIT 1'),
      ],
      true,
    );
    assert.equal(answers.get('contacts')!.httpStatusCode, 500);
    assert.equal(answers.get('create')!.httpStatusCode, 400, 'the create was rolled back');
    const res = await call(`query?q=${encodeURIComponent(`SELECT Id FROM Account WHERE Name = '${name}'`)}`);
    assert.equal(((await res.json()) as { totalSize: number }).totalSize, 0);
  });

  test('a rule matching the composite itself fires once for the whole request, not again per subrequest', async () => {
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/services/data/', status: 503, count: 2 }] });
    const firedBefore = (await faults()).fired;
    const res = await call('composite', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        compositeRequest: [
          query('a', 'SELECT Id FROM Account LIMIT 1'),
          query('b', 'SELECT Id FROM Contact LIMIT 1'),
        ],
      }),
    });
    assert.equal(res.status, 503, 'the whole request failed');
    const after = await faults();
    assert.equal(after.fired - firedBefore, 1);
    assert.equal(after.rules[0]!.remaining, 1, 'one count used by one request');
  });

  test('HTML pages and delays stay rules of the HTTP request: a subrequest does not consume them', async () => {
    await admin(sim, 'POST', 'faults', {
      rules: [
        { path: 'Contact', status: 503, format: 'html', count: 1 },
        { path: 'Contact', action: 'delay', delayMs: 1, count: 1 },
      ],
    });
    const answers = await composite([query('contacts', 'SELECT Id FROM Contact LIMIT 1')]);
    assert.equal(answers.get('contacts')!.httpStatusCode, 200);
    assert.deepEqual(
      (await faults()).rules.map((r) => r.remaining),
      [1, 1],
    );
  });

  test('a /composite/batch subrequest gets the fault as its own result', async () => {
    await admin(sim, 'POST', 'faults', {
      rules: [{ path: 'Contact', status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED', count: 1 }],
    });
    const res = await call('composite/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        batchRequests: [
          { method: 'GET', url: `v${sim.apiVersion}/sobjects/Account/describe` },
          { method: 'GET', url: `v${sim.apiVersion}/sobjects/Contact/describe` },
        ],
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      hasErrors: boolean;
      results: Array<{ statusCode: number; result: Array<{ errorCode: string }> }>;
    };
    assert.equal(body.hasErrors, true);
    assert.deepEqual(
      body.results.map((r) => r.statusCode),
      [200, 403],
    );
    assert.equal(body.results[1]!.result[0]!.errorCode, 'REQUEST_LIMIT_EXCEEDED');
  });
});
