import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import { JOB_LIST_PAGE_SIZE } from '../src/http/bulk-jobs.js';
import { bulkClient } from './support/bulk.js';
import { admin, clientCredentialsToken } from './support/sim-client.js';

/** `GET /jobs/query`: paging by `nextRecordsUrl`, filters, and what Bulk 2.0 does with TYPEOF / date functions. */

interface JobList {
  done: boolean;
  records: Array<Record<string, unknown>>;
  nextRecordsUrl: string | null;
}

const LIST_KEYS = [
  'id',
  'operation',
  'object',
  'createdById',
  'createdDate',
  'systemModstamp',
  'state',
  'concurrencyMode',
  'contentType',
  'apiVersion',
  'jobType',
  'lineEnding',
  'columnDelimiter',
];

describe('sf-sim wire: Bulk API 2.0 job list', () => {
  let sim: Simulator;
  let token: string;
  let bulk: ReturnType<typeof bulkClient>;
  const created: string[] = [];

  async function get(pathAndQuery: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${sim.url}${pathAndQuery}`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  }
  const listPath = (query = ''): string =>
    `/services/data/v${sim.apiVersion}/jobs/query${query ? `?${query}` : ''}`;

  /** Every page of a listing, following nextRecordsUrl. */
  async function listAll(query = ''): Promise<JobList[]> {
    const pages: JobList[] = [];
    let next: string | null = listPath(query);
    while (next) {
      const { status, body } = await get(next);
      assert.equal(status, 200);
      const page = body as JobList;
      pages.push(page);
      next = page.nextRecordsUrl;
      assert.equal(page.done, next === null);
    }
    return pages;
  }

  before(async () => {
    sim = await startSimulator({ seed: 'none' });
    token = await clientCredentialsToken(sim);
    bulk = bulkClient(sim, token);
    for (let i = 0; i < 7; i++) {
      const res = await bulk.create({ operation: 'query', query: `SELECT Id FROM User LIMIT ${i + 1}` });
      assert.equal(res.status, 200);
      created.push((res.body as { id: string }).id);
    }
  });
  after(async () => {
    await sim.close();
  });

  test('by default every job fits one page of up to 1,000', async () => {
    assert.equal(JOB_LIST_PAGE_SIZE, 1000);
    const pages = await listAll();
    assert.equal(pages.length, 1);
    assert.deepEqual(pages[0]?.nextRecordsUrl, null);
    assert.deepEqual(
      pages[0]?.records.map((r) => r.id),
      created,
    );
    for (const r of pages[0]!.records) {
      assert.deepEqual(Object.keys(r), LIST_KEYS);
      assert.equal(r.jobType, 'V2Query');
      assert.equal(r.apiVersion, Number(sim.apiVersion));
    }
  });

  test('pages follow nextRecordsUrl …/jobs/query?queryLocator=…; jobs created or deleted meanwhile do not upset it', async () => {
    assert.deepEqual(await admin(sim, 'POST', 'bulk', { listPageSize: 3 }), {
      pageSize: sim.context.bulk.defaultPageRows,
      inProgressPolls: sim.context.bulk.inProgressPolls,
      listPageSize: 3,
    });
    try {
      const first = (await get(listPath())).body as JobList;
      assert.equal(first.done, false);
      assert.equal(first.records.length, 3);
      assert.match(
        String(first.nextRecordsUrl),
        new RegExp(
          `^/services/data/v${sim.apiVersion.replace('.', '\\.')}/jobs/query\\?queryLocator=01g\\w{15}-3$`,
        ),
      );
      // A job created after the first page is not part of this listing; a deleted one drops out.
      const late = (await bulk.create({ operation: 'query', query: 'SELECT Id FROM User' })).body as {
        id: string;
      };
      const doomed = created[4]!;
      await bulk.waitDone(doomed);
      assert.equal((await bulk.remove(doomed)).status, 204);

      const second = (await get(first.nextRecordsUrl!)).body as JobList;
      assert.equal(second.done, false);
      assert.deepEqual(
        second.records.map((r) => r.id),
        [created[3], created[5]],
      );
      const third = (await get(second.nextRecordsUrl!)).body as JobList;
      assert.equal(third.done, true);
      assert.equal(third.nextRecordsUrl, null);
      assert.deepEqual(
        third.records.map((r) => r.id),
        [created[6]],
      );

      // A fresh listing sees the current jobs.
      const fresh = (await listAll()).flatMap((p) => p.records.map((r) => r.id));
      assert.deepEqual(fresh, [...created.filter((id) => id !== doomed), late.id]);
      created.splice(created.indexOf(doomed), 1);
      created.push(late.id);

      // The last page's locator is spent; a made-up one is refused.
      const spent = await get(second.nextRecordsUrl!);
      assert.equal(spent.status, 400);
      assert.equal((spent.body as Array<{ errorCode: string }>)[0]?.errorCode, 'INVALID_QUERY_LOCATOR');
      const bogus = await get(listPath('queryLocator=nonsense'));
      assert.equal(bogus.status, 400);
    } finally {
      sim.context.bulk.listPageSize = JOB_LIST_PAGE_SIZE;
    }
  });

  test('filters: jobType, isPkChunkingEnabled, concurrencyMode; bad values are refused', async () => {
    const ids = async (query: string): Promise<unknown[]> =>
      (await listAll(query)).flatMap((p) => p.records.map((r) => r.id));
    assert.deepEqual(await ids('jobType=V2Query'), created);
    assert.deepEqual(await ids('jobType=Classic'), []);
    assert.deepEqual(await ids('jobType=V2Ingest'), []);
    // PK chunking applies to Bulk API (v1) jobs only, never to these.
    assert.deepEqual(await ids('isPkChunkingEnabled=true'), []);
    assert.deepEqual(await ids('isPkChunkingEnabled=false'), created);
    assert.deepEqual(await ids('concurrencyMode=parallel'), created);
    assert.deepEqual(await ids('concurrencyMode=serial'), []);
    assert.deepEqual(
      await ids('jobType=V2Query&concurrencyMode=Parallel&isPkChunkingEnabled=false'),
      created,
    );

    const bad = await get(listPath('jobType=Bulk3'));
    assert.equal(bad.status, 400);
    const [error] = bad.body as Array<{ errorCode: string; message: string }>;
    assert.equal(error?.errorCode, 'INVALIDJOB');
    assert.match(error!.message, /Invalid jobType: Bulk3/);
  });

  test('Bulk 2.0 rejects TYPEOF at creation and runs date functions in WHERE', async () => {
    const typeofJob = await bulk.create({
      operation: 'query',
      query: 'SELECT Id, TYPEOF What WHEN Account THEN Name END FROM Task',
    });
    assert.equal(typeofJob.status, 400);
    const [error] = typeofJob.body as Array<{ errorCode: string; message: string }>;
    assert.equal(error?.errorCode, 'API_ERROR');
    assert.match(error!.message, /TYPEOF/);

    const year = sim.org.clock.now().getUTCFullYear();
    const dated = (
      await bulk.create({
        operation: 'query',
        query: `SELECT Username FROM User WHERE CALENDAR_YEAR(CreatedDate) <= ${year}`,
      })
    ).body as { id: string };
    const { info } = await bulk.waitDone(dated.id);
    assert.equal(info.state, 'JobComplete');
    const pages = await bulk.allPages(dated.id);
    assert.match(pages[0]!.text, /^"Username"\n"[^"]+@/);
    assert.equal(pages[0]?.rows, 1);
  });
});
