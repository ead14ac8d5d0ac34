import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import type { LoggedRequest } from '../src/http/request-log.js';
import { bulkClient } from './support/bulk.js';
import { admin, clientCredentialsToken } from './support/sim-client.js';

/**
 * The request log tells which session touched which object, and when: from the path, a query's FROM, and the
 * query locators and Bulk job ids the simulator handed out earlier.
 */
let sim: Simulator;

before(async () => {
  sim = await startSimulator({ seed: 'small', records: 700 });
});
after(async () => {
  await sim?.close();
});

type Log = { requests: LoggedRequest[]; next: number; dropped: number };
const log = async (query = ''): Promise<Log> => (await admin(sim, 'GET', `requests${query}`)) as Log;

async function get(token: string, rest: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(`${sim.url}/services/data/v${sim.apiVersion}${rest}`, {
    headers: { Authorization: `Bearer ${token}`, ...headers },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

describe('the request log', () => {
  test('names the objects of every request and the session that made it', async () => {
    const start = (await log()).next;
    const first = await clientCredentialsToken(sim);
    const second = await clientCredentialsToken(sim);

    await get(first, '/sobjects/Contact/describe');
    // A query paged by its locator: the later pages name no object on the wire.
    let page = (await get(second, `/query?q=${encodeURIComponent('SELECT Id FROM Bench__c')}`, {
      'Sforce-Query-Options': 'batchSize=200',
    })) as { nextRecordsUrl?: string };
    let pages = 1;
    while (page.nextRecordsUrl) {
      page = (await get(second, page.nextRecordsUrl.replace(/^\/services\/data\/v[\d.]+/, ''))) as {
        nextRecordsUrl?: string;
      };
      pages++;
    }
    assert.ok(pages > 1, 'the query took several pages');
    // A Bulk job: its id names the object from then on.
    const bulk = bulkClient(sim, first);
    const job = (await bulk.create({ operation: 'query', query: 'SELECT Id FROM Opportunity' })).body as {
      id: string;
    };
    await bulk.waitDone(job.id);
    await bulk.allPages(job.id);

    const { requests } = await log(`?since=${start}`);
    assert.ok(requests.length >= 4 + pages);
    for (const r of requests) {
      assert.ok(r.endedAt !== null && r.endedAt >= r.startedAt, `request ${r.seq} has its end`);
      assert.equal(r.status, 200);
      assert.equal(r.objects.length, 1, `${r.method} ${r.path} names its object`);
    }
    const sessions = (object: string) =>
      new Set(requests.filter((r) => r.objects[0] === object).map((r) => r.session));
    assert.equal(
      requests.filter((r) => r.objects[0] === 'Bench__c').length,
      pages,
      'every page is Bench__c’s',
    );
    assert.equal(sessions('Bench__c').size, 1);
    assert.equal(sessions('Opportunity').size, 1);
    assert.deepEqual(sessions('Contact'), sessions('Opportunity'), 'the same token, the same session');
    assert.notDeepEqual(sessions('Bench__c'), sessions('Opportunity'), 'another token, another session');
    assert.ok(![...sessions('Bench__c')][0]!.includes(second.slice(-8)), 'the token itself is not shown');

    const kinds = (object: string) =>
      new Set(requests.filter((r) => r.objects[0] === object).map((r) => r.kind));
    assert.deepEqual(kinds('Contact'), new Set(['describe']));
    assert.deepEqual(kinds('Bench__c'), new Set(['query']), 'a locator’s pages are the query’s kind');
    assert.deepEqual(kinds('Opportunity'), new Set(['bulkQuery']), 'every call about a Bulk job');

    const onlyAccount = await log(`?since=${start}&object=bench__C`);
    assert.equal(onlyAccount.requests.length, pages, 'filtered by object, whatever its case');
  });

  test('refuses a since that is not a request number', async () => {
    await assert.rejects(log('?since=yesterday'), /400 .*since.* must be a request number/);
  });
});
