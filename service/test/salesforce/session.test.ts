import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { createLogger } from '../../src/logger.js';
import { bulkQueryPages } from '../../src/salesforce/bulk-query.js';
import { describeGlobal, describeObject } from '../../src/salesforce/describe.js';
import { SalesforceError } from '../../src/salesforce/errors.js';
import { getDeleted } from '../../src/salesforce/replication.js';
import { queryPages } from '../../src/salesforce/rest-query.js';
import { SalesforceSession, type OrgConnectionSettings } from '../../src/salesforce/session.js';

const logger = createLogger('silent');
let sim: Simulator;

/** The simulator's admin API (throws on a refused call). */
const admin = (path: string, body?: unknown, method = 'POST') => simAdmin(sim, method, path, body);

function jwtSettings(): OrgConnectionSettings {
  return {
    instanceUrl: sim.url,
    loginUrl: sim.url,
    clientId: sim.clientId,
    auth: {
      kind: 'jwt',
      username: sim.username,
      privateKey: async () => readFileSync(sim.privateKeyPath, 'utf8'),
    },
  };
}

before(async () => {
  sim = await startSimulator({ seed: 'small' });
});
after(async () => {
  await sim?.close();
});

describe('a session with the org', () => {
  test('JWT bearer login reaches the org and tells which org and user it is', async () => {
    const session = await SalesforceSession.connect(jwtSettings(), logger);
    assert.equal(session.identity.orgId, sim.orgId);
    assert.equal(session.identity.username, sim.username);
    assert.ok(session.apiUsage === undefined || session.apiUsage.max > 0);
  });

  test('client credentials login works; a wrong secret is refused with a clear error', async () => {
    const ok = await SalesforceSession.connect(
      {
        instanceUrl: sim.url,
        loginUrl: sim.url,
        clientId: sim.clientId,
        auth: { kind: 'client-credentials', clientSecret: async () => sim.clientSecret },
      },
      logger,
    );
    assert.equal(ok.identity.orgId, sim.orgId);
    await assert.rejects(
      SalesforceSession.connect(
        {
          instanceUrl: sim.url,
          loginUrl: sim.url,
          clientId: sim.clientId,
          auth: { kind: 'client-credentials', clientSecret: async () => 'wrong' },
        },
        logger,
      ),
      (err: SalesforceError) =>
        err instanceof SalesforceError && /authentication failed: invalid_client/.test(err.message),
    );
  });

  test('the org clock comes from the org, not from this host', async () => {
    await admin('clock', { advanceMs: 3 * 24 * 3600_000 });
    try {
      const session = await SalesforceSession.connect(jwtSettings(), logger);
      const simNow = sim.org.clock.nowMs();
      assert.ok(
        Math.abs(session.clock.now().getTime() - simNow) < 2500,
        'within the Date header’s one-second precision',
      );
      assert.ok(session.clock.now().getTime() - Date.now() > 2.9 * 24 * 3600_000);
    } finally {
      await admin('clock', { advanceMs: -3 * 24 * 3600_000 });
    }
  });

  test('an expired token is renewed and the request still succeeds; API usage is tracked', async () => {
    const session = await SalesforceSession.connect(jwtSettings(), logger);
    await admin('sessions', undefined, 'DELETE');
    const res = await session.request<{ sobjects: unknown[] }>({ path: '/sobjects/' });
    assert.equal(res.status, 200);
    assert.ok(res.body.sobjects.length > 10);
    assert.ok(session.apiUsage && session.apiUsage.used > 0 && session.apiUsage.max > session.apiUsage.used);
  });

  test('transient 503s are retried; REQUEST_LIMIT_EXCEEDED is not', async () => {
    const session = await SalesforceSession.connect(jwtSettings(), logger);
    await admin('faults', {
      rules: [
        { path: '/sobjects/$', action: 'status', status: 503, errorCode: 'SERVER_UNAVAILABLE', count: 2 },
      ],
    });
    try {
      const res = await session.request({ path: '/sobjects/' });
      assert.equal(res.status, 200);
    } finally {
      await admin('faults', undefined, 'DELETE');
    }
    await admin('limits', { dailyApiRequests: 1 });
    try {
      await assert.rejects(
        session.request({ path: '/sobjects/' }),
        (err: SalesforceError) => err.dailyLimitExceeded && err.status === 403,
      );
    } finally {
      await admin('limits', { dailyApiRequests: 1_000_000 });
    }
  });

  test('describe answers 304 when nothing changed since the given time', async () => {
    const session = await SalesforceSession.connect(jwtSettings(), logger);
    const all = await describeGlobal(session);
    assert.ok(all !== 'not-modified' && all.some((o) => o.name === 'Account'));
    const later = new Date(sim.org.clock.nowMs() + 60_000);
    assert.equal(await describeGlobal(session, later), 'not-modified');
    const account = await describeObject(session, 'Account');
    assert.ok(account !== 'not-modified' && account.fields.some((f) => f.name === 'SystemModstamp'));
  });

  test('REST query pages through nextRecordsUrl and returns every row once', async () => {
    const session = await SalesforceSession.connect(jwtSettings(), logger);
    const ids: string[] = [];
    let pages = 0;
    for await (const page of queryPages<{ Id: string }>(
      session,
      'SELECT Id FROM Contact ORDER BY SystemModstamp, Id',
      { batchSize: 200 },
    )) {
      pages += 1;
      ids.push(...page.records.map((r) => r.Id));
    }
    const expected = new Set(
      [...sim.org.truth('Contact')].filter((v) => !v.IsDeleted && !v.purged).map((v) => v.Id),
    );
    assert.equal(new Set(ids).size, ids.length, 'no row twice');
    assert.deepEqual(new Set(ids), expected);
    assert.ok(ids.length <= 200 || pages > 1);
  });

  test('Bulk 2.0 results are read page by page until the locator is null', async () => {
    const session = await SalesforceSession.connect(jwtSettings(), logger);
    const rows: string[] = [];
    let pages = 0;
    for await (const page of bulkQueryPages(session, 'SELECT Id, LastName FROM Contact', {
      pageSize: 50,
      pollIntervalMs: 20,
    })) {
      pages += 1;
      const csv = await text(page.body);
      const lines = csv.trimEnd().split('\n');
      assert.equal(lines[0], '"Id","LastName"');
      rows.push(...lines.slice(1));
    }
    const count = [...new Set([...sim.org.truth('Contact')].filter((v) => !v.IsDeleted).map((v) => v.Id))]
      .length;
    assert.ok(count > 50, 'the small org has enough contacts for several pages');
    assert.equal(rows.length, sim.org.recordCount('Contact'));
    assert.equal(pages, Math.ceil(rows.length / 50));
  });

  test('responses come compressed: REST JSON pages and Bulk 2.0 CSV results are gzip on the wire', async () => {
    // REST API Developer Guide, "Compression Headers"
    // (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_rest_compression.htm):
    // Salesforce compresses a response only when the request asks for it with Accept-Encoding.
    type Compression = { responses: Record<string, number> };
    const compression = async () =>
      ((await admin('stats', undefined, 'GET')) as { compression: Compression }).compression.responses;
    const session = await SalesforceSession.connect(jwtSettings(), logger);
    const before = await compression();
    let rows = 0;
    for await (const page of queryPages<{ Id: string }>(session, 'SELECT Id FROM Contact'))
      rows += page.records.length;
    for await (const page of bulkQueryPages(session, 'SELECT Id FROM Contact', { pollIntervalMs: 20 }))
      rows += (await text(page.body)).trimEnd().split('\n').length - 1;
    await describeObject(session, 'Contact');
    const after = await compression();
    assert.ok(rows > 0);
    assert.equal(after.identity ?? 0, before.identity ?? 0, 'no response body went out uncompressed');
    // REST pages, describe, Bulk create/poll/results/delete: each a gzip body (DELETE answers 204, no body).
    assert.ok((after.gzip ?? 0) - (before.gzip ?? 0) >= 4);
  });

  test('getDeleted lists a hard-deleted record', async () => {
    const session = await SalesforceSession.connect(jwtSettings(), logger);
    const page = await queryPages<{ Id: string }>(session, 'SELECT Id FROM Lead LIMIT 1').next();
    const id = page.value?.records[0]?.Id;
    assert.ok(id);
    const before = new Date(sim.org.clock.nowMs() - 60_000);
    await admin('mutate', { object: 'Lead', ops: [{ op: 'delete', ids: [id], hard: true }] });
    // Salesforce covers whole minutes only: the delete shows once its minute has passed.
    await admin('clock', { advanceMs: 120_000 });
    const deleted = await getDeleted(session, 'Lead', before, new Date(sim.org.clock.nowMs()));
    assert.ok(deleted.deletedRecords.some((r) => r.id === id));
    assert.ok(Date.parse(deleted.latestDateCovered) <= sim.org.clock.nowMs());
  });
});

/** A streamed page's whole text. */
async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
