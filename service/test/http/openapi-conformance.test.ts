/**
 * The OpenAPI document is the source of truth (issue #12): the document the running app serves at
 * /api/v1/openapi.json is checked against the routes' real answers — every operation's success and every
 * error status it documents, each body validated against the documented schema (Ajv, JSON Schema 2020-12),
 * each error {"error":{"code","message"}} with a code of the document's ErrorCode enum that the documented
 * response names and that maps to that status. The data is the engine's backup of the org simulator (the API
 * fixture), plus errors, versions and settings changes made here. At the end, every documented operation,
 * status and error code must have been produced at least once, so a route added without a test fails here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Gauge } from 'prom-client';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { ERROR_CODES } from '../../src/app/app-error.js';
import { CSV_LINK_TTL_MS } from '../../src/app/error-list.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/backup/engine-context.js';
import { scanSchema } from '../../src/backup/schema-scan.js';
import { createHttpApp } from '../../src/http/app.js';
import type { HttpDeps } from '../../src/http/route-spec.js';
import { listen, type RunningServer } from '../../src/http/server.js';
import { createMetrics } from '../../src/metrics.js';
import { canonicalId } from '../../src/salesforce/record-id.js';
import type { BlobInfo } from '../../src/store/blob/blob-store.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { createKnex, type Knex } from '../../src/store/db/knex.js';
import { probeBucket, probeDatabase, type ProbeResult } from '../../src/store/health.js';
import { recordError } from '../../src/store/registry/error-log.js';
import { engineFor } from '../support/engine-fixture.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';
import {
  OpenApiContract,
  readAnswer,
  type Answer,
  type Expected,
  type Operation,
} from './support/openapi-contract.js';

/** Requests per minute of the second fixture's key. */
const RATE_LIMIT = 3;
/** Nothing listens on port 1: a database that does not answer. */
const UNREACHABLE_DATABASE = 'postgres://nobody:nothing@127.0.0.1:1/none';

const OP = {
  dashboard: 'get /api/v1/orgs/{orgId}/dashboard',
  objects: 'get /api/v1/orgs/{orgId}/objects',
  excluded: 'get /api/v1/orgs/{orgId}/excluded',
  enable: 'post /api/v1/orgs/{orgId}/enable',
  settings: 'get /api/v1/orgs/{orgId}/settings',
  putSettings: 'put /api/v1/orgs/{orgId}/settings',
  settingsHistory: 'get /api/v1/orgs/{orgId}/settings/history',
  errors: 'get /api/v1/orgs/{orgId}/errors',
  dismiss: 'post /api/v1/orgs/{orgId}/errors/{errorId}/dismiss',
  csv: 'get /api/v1/orgs/{orgId}/errors.csv',
  csvLink: 'post /api/v1/orgs/{orgId}/errors.csv/link',
  versions: 'get /api/v1/orgs/{orgId}/records/{object}/{id}/versions',
  missingFields: 'get /api/v1/orgs/{orgId}/fields/missing',
  fieldHistory: 'get /api/v1/orgs/{orgId}/objects/{object}/field-history',
  objectFields: 'get /api/v1/orgs/{orgId}/objects/{object}/fields',
  files: 'get /api/v1/orgs/{orgId}/files',
  fileLink: 'post /api/v1/orgs/{orgId}/files/{object}/{id}/link',
  fileContent: 'get /api/v1/orgs/{orgId}/files/{object}/{id}/content',
  healthz: 'get /healthz',
  readyz: 'get /readyz',
  metrics: 'get /metrics',
  document: 'get /api/v1/openapi.json',
} as const;

/** Bodies the document accepts, for operations where `{}` is not one (used where only the pipeline matters). */
const SAMPLE_BODIES: Record<string, unknown> = {
  // A version no org reaches: should a slow request go on after its TIMEOUT answer, it changes nothing.
  [OP.putSettings]: { mode: 'objects_and_files', schedule: 'continuous', exclusions: [], version: 999_999 },
};

interface Target {
  url: string;
  key: string | null;
  orgId: string;
}

interface Call {
  /** Path parameters; orgId defaults to the target's org, others to a sample value. */
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with `contentType`. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** The service key; null sends none. Defaults to the target's. */
  key?: string | null;
  via?: Target;
}

let fx: ApiFixture;
let limited: ApiFixture;
let contract: OpenApiContract;
let main: Target;
let brokenKnex: Knex;
/** What the main fixture's readiness probes do (overrides.probes). */
let probeMode: 'real' | 'database-down' | 'bucket-down' | 'crash' = 'real';
/** Requests made so far with the second fixture's key (its rate limit counts them). */
let limitedSpent = 0;

/** A bucket whose reads fail (the bucket service is down). */
class UnreachableBucket extends FsBlobStore {
  override stat(_key: string): Promise<BlobInfo | null> {
    return Promise.reject(new Error('connect ECONNREFUSED (bucket)'));
  }
}

function probe(which: 'database' | 'bucket'): Promise<ProbeResult> {
  if (probeMode === 'crash') return Promise.reject(new Error('the probe itself failed'));
  if (which === 'database') return probeDatabase(probeMode === 'database-down' ? brokenKnex : fx.db.knex);
  return probeBucket(
    probeMode === 'bucket-down' ? new UnreachableBucket(fx.app.config.home) : fx.app.store.blobs,
  );
}

function samplePathValue(op: Operation, name: string, target: Target): string {
  const samples: Record<string, string> = {
    orgId: target.orgId,
    errorId: '999999999',
    object: 'Account',
    id: '001000000000001',
  };
  const value = samples[name];
  assert.ok(
    value !== undefined,
    `${op.key}: add a sample value for the path parameter {${name}} to this test`,
  );
  return value;
}

function pathOf(op: Operation, target: Target, params: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    encodeURIComponent(params[name] ?? samplePathValue(op, name, target)),
  );
}

/** Calls an operation as `call` says; the answer is not checked. */
async function send(opKey: string, call: Call = {}): Promise<Answer> {
  const op = contract.operation(opKey);
  const target = call.via ?? main;
  const query = call.query ?? {};
  const search = new URLSearchParams(query).toString();
  const url = `${target.url}${pathOf(op, target, call.params)}${search ? `?${search}` : ''}`;
  const key = call.key === undefined ? target.key : call.key;
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  let body: string | undefined;
  if (call.raw !== undefined) {
    body = call.raw;
    if (call.contentType) headers['content-type'] = call.contentType;
  } else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, {
    method: op.method.toUpperCase(),
    headers: { ...headers, ...call.headers },
    ...(body !== undefined ? { body } : {}),
  });
  return readAnswer(res);
}

/**
 * Calls an operation and checks the answer against the document and `expected`; a request meant to succeed
 * must itself be one the document describes.
 */
async function hit(opKey: string, expected: Expected, call: Call = {}): Promise<Answer> {
  const op = contract.operation(opKey);
  if (expected.status < 300) contract.checkRequest(op, call.query ?? {}, call.body);
  const answer = await send(opKey, call);
  contract.check(op, answer, expected);
  return answer;
}

/** A body the document accepts for `op` (only for operations that take one). */
function sampleBody(op: Operation): unknown {
  if (!op.requestBody) return undefined;
  const body = SAMPLE_BODIES[op.key] ?? {};
  assert.doesNotThrow(
    () => contract.checkRequest(op, {}, body),
    `${op.key}: add a body the document accepts to SAMPLE_BODIES`,
  );
  return body;
}

/** The same app as the fixture's on other dependencies, listening on its own port. */
async function withApp<T>(deps: HttpDeps, run: (target: Target) => Promise<T>): Promise<T> {
  const server: RunningServer = await listen(createHttpApp(deps), 0, '127.0.0.1');
  try {
    return await run({ ...main, url: server.url });
  } finally {
    await server.close(1000);
  }
}

/** Runs `check` for each case and reports every failure together (the first line of each). */
async function collectMismatches(cases: Array<[string, () => Promise<unknown>]>): Promise<string[]> {
  const mismatches: string[] = [];
  for (const [name, check] of cases) {
    try {
      await check();
    } catch (err) {
      mismatches.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return mismatches;
}

const passTheLag = () =>
  simAdmin(fx.sim, 'POST', 'clock', { advanceMs: DEFAULT_ENGINE_OPTIONS.lagMs + 65_000 });

async function backUpAccounts(): Promise<void> {
  await passTheLag();
  const engine = await engineFor(fx.sim, fx.db.knex, fx.app.store.blobs, {
    restSliceSize: 500,
    bulkThreshold: 1_000_000,
  });
  const pass = await runBackupPass(engine, { objects: ['Account'] });
  assert.deepEqual(
    pass.outcomes.filter((o) => !o.ok).map((o) => o.object),
    [],
    'the Account pass succeeds',
  );
}

async function addErrors(object: string, count: number, code: string): Promise<void> {
  const base = Date.now() - 60_000;
  for (let start = 0; start < count; start += 25)
    await Promise.all(
      Array.from({ length: Math.min(25, count - start) }, (_, j) => {
        const i = start + j;
        return recordError(fx.db.knex, {
          orgId: fx.orgId,
          code,
          message: `${object} ${i} could not be read`,
          stack: `Error: ${object} ${i}\n    at conformance (test.ts:1:1)`,
          hint: i % 2 === 0 ? 'check the field permissions' : null,
          object,
          recordId: `003${String(i).padStart(12, '0')}`,
          at: new Date(base - i * 1000),
        });
      }),
    );
}

before(async () => {
  brokenKnex = createKnex(UNREACHABLE_DATABASE, { poolMax: 1 });
  [fx, limited] = await Promise.all([
    startApiFixture({
      overrides: { probes: { database: () => probe('database'), bucket: () => probe('bucket') } },
    }),
    startApiFixture({ env: { AUTOBACKUP_RATE_LIMIT: String(RATE_LIMIT), PUBLIC_URL: '' } }),
  ]);
  main = { url: fx.server.url, key: fx.serviceKey, orgId: fx.orgId };
  contract = await OpenApiContract.fetch(fx.server.url);
});

after(async () => {
  await Promise.all([fx?.close(), limited?.close()]);
  await brokenKnex?.destroy();
});

describe('the document', () => {
  test('is OpenAPI 3.1 and lists every route with its responses', () => {
    assert.equal(contract.document.openapi, '3.1.0');
    assert.ok(contract.operations.length >= 16, `${contract.operations.length} operations`);
    for (const op of contract.operations) {
      assert.ok(op.responses['200'], `${op.key} documents its success`);
      if (op.authenticated)
        for (const status of ['400', '401', '404', '429', '500', '503'])
          assert.ok(op.responses[status], `${op.key} documents ${status}`);
    }
    assert.deepEqual(
      contract.errorCodes.toSorted(),
      Object.keys(ERROR_CODES).toSorted(),
      'ErrorCode lists every code',
    );
  });

  test('GET /api/v1/openapi.json answers the document as its own 200 response describes', async () => {
    const answer = await send(OP.document);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, contract.document);
    contract.check(contract.operation(OP.document), answer, { status: 200 });
  });
});

describe('dashboard, objects and excluded objects (the engine’s backup of the simulator)', () => {
  test('the dashboard', async () => {
    const { json } = await hit(OP.dashboard, { status: 200 });
    const dashboard = json as { totals: { records: number; versions: number } };
    assert.ok(dashboard.totals.records > 0 && dashboard.totals.versions >= dashboard.totals.records);
  });

  test('the object list, its pages, filters, a limit above 1000 and a bad cursor', async () => {
    type ObjectPage = { items: Array<{ name: string; label: string; status: string }>; next: string | null };
    const all = (await hit(OP.objects, { status: 200 }, { query: { limit: '1000' } })).json as ObjectPage;
    assert.equal(all.next, null);
    assert.ok(
      all.items.some((o) => o.name === 'Account'),
      'Account was backed up',
    );
    const firstPage = (await hit(OP.objects, { status: 200 })).json as ObjectPage;
    assert.equal(firstPage.items.length, Math.min(50, all.items.length), 'limit defaults to 50');
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await hit(OP.objects, { status: 200 }, { query: { limit: '7', ...(cursor ? { cursor } : {}) } })
      ).json as { items: Array<{ name: string }>; next: string | null };
      assert.ok(page.items.length <= 7);
      paged.push(...page.items.map((i) => i.name));
      cursor = page.next;
    } while (cursor !== null);
    assert.deepEqual(
      paged,
      all.items.map((i) => i.name),
      'the pages together are the list',
    );
    const clamped = (await hit(OP.objects, { status: 200 }, { query: { limit: '5000' } })).json as {
      items: unknown[];
      next: string | null;
    };
    assert.equal(clamped.items.length, all.items.length, 'limit 5000 is accepted (counted as 1000)');
    assert.equal(clamped.next, null);
    const status = all.items[0]!.status;
    const filtered = (await hit(OP.objects, { status: 200 }, { query: { status, q: 'CO', limit: '1000' } }))
      .json as ObjectPage;
    assert.deepEqual(
      filtered.items.map((i) => i.name),
      all.items
        .filter((i) => i.status === status && `${i.name} ${i.label}`.toLowerCase().includes('co'))
        .map((i) => i.name),
      'filtered by status and by a text in the name or label, any case',
    );
    await hit(OP.objects, { status: 400, code: 'INVALID_CURSOR' }, { query: { cursor: 'not-a-cursor' } });
    await hit(OP.objects, { status: 400, code: 'INVALID_REQUEST' }, { query: { status: 'Sleeping' } });
    await hit(OP.objects, { status: 400, code: 'INVALID_REQUEST' }, { query: { limit: '0' } });
  });

  test('the excluded objects, a page of them and a bad cursor', async () => {
    const { json } = await hit(OP.excluded, { status: 200 });
    assert.ok(Array.isArray((json as { items: unknown[] }).items));
    const page = (
      await hit(OP.excluded, { status: 200 }, { query: { sort: 'label', order: 'desc', limit: '1' } })
    ).json as { items: unknown[]; total: number };
    assert.equal(page.items.length, Math.min(1, page.total));
    await hit(OP.excluded, { status: 400, code: 'INVALID_CURSOR' }, { query: { cursor: 'not-a-cursor' } });
  });

  test('enabling an org that is already enabled answers its state', async () => {
    const { json } = await hit(OP.enable, { status: 200 }, { body: {} });
    assert.deepEqual(json, { orgId: fx.orgId, enabled: true, mode: 'objects_and_files' });
    // No body at all counts as {} (the document marks the body required).
    await hit(OP.enable, { status: 200 });
    await hit(OP.enable, { status: 400, code: 'INVALID_REQUEST' }, { body: { paused: false } });
  });
});

describe('settings', () => {
  test('GET answers the settings with their version as the ETag', async () => {
    const answer = await hit(OP.settings, { status: 200 });
    const settings = answer.json as { version: number };
    assert.equal(answer.headers.get('etag'), `"${settings.version}"`);
  });

  test('PUT with a stale version (412), none (428), If-Match and body disagreeing (412), then a change and its history', async () => {
    const current = (await hit(OP.settings, { status: 200 })).json as {
      mode: string;
      schedule: string;
      exclusions: string[];
      version: number;
    };
    const { version, ...values } = current;
    await hit(OP.putSettings, { status: 428, code: 'PRECONDITION_REQUIRED' }, { body: values });
    await hit(
      OP.putSettings,
      { status: 412, code: 'SETTINGS_CHANGED' },
      { body: { ...values, version: version + 5 } },
    );
    await hit(
      OP.putSettings,
      { status: 412, code: 'SETTINGS_CHANGED' },
      { body: { ...values, version }, headers: { 'if-match': `"${version + 1}"` } },
    );
    await hit(
      OP.putSettings,
      { status: 400, code: 'INVALID_REQUEST' },
      { body: current, headers: { 'if-match': 'yesterday' } },
    );
    await hit(
      OP.putSettings,
      { status: 400, code: 'INVALID_REQUEST' },
      { body: current, headers: { 'x-autobackup-user-id': 'not-a-user' } },
    );

    const changed = await hit(
      OP.putSettings,
      { status: 200 },
      {
        body: { ...values, schedule: 'daily', exclusions: [' account '] },
        headers: {
          'if-match': `"${version}"`,
          'x-autobackup-user-id': '005000000000001AAA',
          'x-autobackup-user-name': encodeURIComponent('Adèle Dupont'),
        },
      },
    );
    const stored = changed.json as { version: number; exclusions: string[]; schedule: string };
    assert.equal(stored.version, version + 1);
    assert.deepEqual(stored.exclusions, ['Account'], 'names are trimmed and normalised');
    assert.equal(changed.headers.get('etag'), `"${stored.version}"`);
    await hit(OP.putSettings, { status: 412, code: 'SETTINGS_CHANGED' }, { body: { ...values, version } });

    const history = (await hit(OP.settingsHistory, { status: 200 }, { query: { limit: '5000' } })).json as {
      items: Array<{ version: number; actor: { source: string; id: string | null; name: string | null } }>;
    };
    assert.equal(history.items[0]?.version, stored.version);
    assert.deepEqual(history.items[0]?.actor, {
      source: 'api',
      id: '005000000000001AAA',
      name: 'Adèle Dupont',
    });
    await hit(OP.settingsHistory, { status: 400, code: 'INVALID_REQUEST' }, { query: { limit: 'all' } });

    // Back to what it was (any GET answer is a valid PUT body).
    const restored = await hit(
      OP.putSettings,
      { status: 200 },
      { body: { ...values, version: stored.version } },
    );
    assert.deepEqual(restored.json, { ...values, version: stored.version + 1 });
  });

  test('PUT refuses an unknown field, an invalid or unknown exclusion, malformed JSON, a non-JSON and a >1 MB body', async () => {
    const current = (await hit(OP.settings, { status: 200 })).json as { version: number };
    const refused = await hit(
      OP.putSettings,
      { status: 400, code: 'INVALID_REQUEST' },
      { body: { ...current, admin: true } },
    );
    assert.match((refused.json as { error: { message: string } }).error.message, /admin/);
    await hit(
      OP.putSettings,
      { status: 400, code: 'INVALID_SETTINGS' },
      { body: { ...current, exclusions: ['Not An Object!'] } },
    );
    const unknown = await hit(
      OP.putSettings,
      { status: 400, code: 'UNKNOWN_OBJECT' },
      { body: { ...current, exclusions: ['Account', 'NoSuchThing__c'] } },
    );
    assert.match((unknown.json as { error: { message: string } }).error.message, /NoSuchThing__c/);
    await hit(
      OP.putSettings,
      { status: 400, code: 'MALFORMED_JSON' },
      { raw: '{"mode": "paused",', contentType: 'application/json' },
    );
    await hit(
      OP.putSettings,
      { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { raw: 'mode=paused', contentType: 'text/plain' },
    );
    const huge = JSON.stringify({ ...current, exclusions: ['A'.repeat(1_100_000)] });
    await hit(
      OP.putSettings,
      { status: 413, code: 'PAYLOAD_TOO_LARGE' },
      { raw: huge, contentType: 'application/json' },
    );
    assert.deepEqual((await hit(OP.settings, { status: 200 })).json, current, 'nothing changed');
  });
});

describe('the error list', () => {
  let caseErrors: string[];

  before(async () => {
    await addErrors('Case', 5, 'CONFORMANCE_CASE');
    await addErrors('Contact', 1001, 'CONFORMANCE_BULK');
  });

  test('pages of open errors for one object, newest first; the pages together are the list', async () => {
    const all = (await hit(OP.errors, { status: 200 }, { query: { object: 'Case' } })).json as {
      items: Array<{ id: string; at: string; object: string }>;
      next: string | null;
    };
    assert.equal(all.items.length, 5);
    assert.equal(all.next, null);
    assert.ok(all.items.every((e) => e.object === 'Case'));
    const times = all.items.map((e) => e.at);
    assert.deepEqual(times, times.toSorted().reverse(), 'newest first');
    caseErrors = all.items.map((e) => e.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await hit(
          OP.errors,
          { status: 200 },
          { query: { object: 'Case', limit: '2', ...(cursor ? { cursor } : {}) } },
        )
      ).json as { items: Array<{ id: string }>; next: string | null };
      paged.push(...page.items.map((e) => e.id));
      cursor = page.next;
    } while (cursor !== null);
    assert.deepEqual(paged, caseErrors);
  });

  test('a limit above 1000 gives 1000 items and a cursor to the rest', async () => {
    const first = (await hit(OP.errors, { status: 200 }, { query: { object: 'Contact', limit: '5000' } }))
      .json as {
      items: Array<{ id: string }>;
      next: string | null;
    };
    assert.equal(first.items.length, 1000, 'limit 5000 counts as 1000');
    assert.ok(first.next, 'there is more');
    const rest = (
      await hit(
        OP.errors,
        { status: 200 },
        { query: { object: 'Contact', limit: '1000', cursor: first.next } },
      )
    ).json as { items: Array<{ id: string }>; next: string | null };
    assert.equal(rest.items.length, 1);
    assert.equal(rest.next, null);
    assert.equal(new Set([...first.items, ...rest.items].map((e) => e.id)).size, 1001);
  });

  test('a bad cursor, or a cursor of another list, is 400 INVALID_CURSOR', async () => {
    await hit(OP.errors, { status: 400, code: 'INVALID_CURSOR' }, { query: { cursor: 'bm90IGEgY3Vyc29y' } });
    const objects = (await hit(OP.objects, { status: 200 }, { query: { limit: '1' } })).json as {
      next: string;
    };
    await hit(OP.errors, { status: 400, code: 'INVALID_CURSOR' }, { query: { cursor: objects.next } });
    await hit(OP.errors, { status: 400, code: 'INVALID_REQUEST' }, { query: { object: 'Not an object' } });
  });

  test('dismissing an error removes it from the list; again, or an unknown one, is 404', async () => {
    const [first] = caseErrors;
    assert.ok(first);
    const dismissed = await hit(OP.dismiss, { status: 200 }, { params: { errorId: first }, body: {} });
    assert.deepEqual(dismissed.json, { dismissed: true });
    const left = (await hit(OP.errors, { status: 200 }, { query: { object: 'Case' } })).json as {
      items: Array<{ id: string }>;
    };
    assert.deepEqual(
      left.items.map((e) => e.id),
      caseErrors.slice(1),
      'the dismissed error is no longer listed',
    );
    await hit(OP.dismiss, { status: 404, code: 'NOT_FOUND' }, { params: { errorId: first }, body: {} });
    await hit(OP.dismiss, { status: 200 }, { params: { errorId: caseErrors[1]! } });
    await hit(OP.dismiss, { status: 400, code: 'INVALID_REQUEST' }, { params: { errorId: 'first' } });
  });

  test('the CSV: UTF-8 with a BOM, attachment named with the org and the date', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const answer = await hit(OP.csv, { status: 200 });
    assert.equal(answer.headers.get('content-type'), 'text/csv; charset=utf-8');
    const disposition = answer.headers.get('content-disposition') ?? '';
    const named = /^attachment; filename="autobackup-errors-(00D\w{15})-(\d{4}-\d{2}-\d{2})\.csv"$/.exec(
      disposition,
    );
    assert.ok(named, disposition);
    assert.equal(named[1], fx.orgId);
    assert.ok(
      [day, new Date().toISOString().slice(0, 10)].includes(named[2]!),
      `dated today: ${disposition}`,
    );
    assert.deepEqual([...answer.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the BOM comes first');
    const lines = answer.bytes.subarray(3).toString('utf8').split('\r\n');
    assert.equal(lines[0], 'at,object,recordId,code,message,hint,stack,id');
    assert.ok(lines.length > 1000, 'every open error is in the CSV');
  });

  test('a signed link to the CSV works without the key until it expires; a tampered one is 401', async () => {
    const asked = Date.now();
    const link = (await hit(OP.csvLink, { status: 200 }, { body: {} })).json as {
      url: string;
      expiresAt: string;
      bytes: number;
    };
    const url = new URL(link.url);
    assert.equal(url.origin, 'https://backup.example.com');
    assert.equal(url.pathname, `/api/v1/orgs/${fx.orgId}/errors.csv`);
    const expiresIn = Date.parse(link.expiresAt) - asked;
    assert.ok(Math.abs(expiresIn - CSV_LINK_TTL_MS) < 5000, `valid for 5 minutes (${expiresIn} ms)`);
    const signed = Object.fromEntries(url.searchParams) as Record<string, string>;
    assert.deepEqual(Object.keys(signed).toSorted(), ['expires', 'signature']);

    const viaLink = await hit(OP.csv, { status: 200 }, { key: null, query: signed });
    assert.equal(viaLink.bytes.length, link.bytes, 'bytes is the size of the CSV');
    assert.deepEqual([...viaLink.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    await hit(OP.csvLink, { status: 200 });

    const flipped = signed.signature!.startsWith('A')
      ? `B${signed.signature!.slice(1)}`
      : `A${signed.signature!.slice(1)}`;
    await hit(
      OP.csv,
      { status: 401, code: 'UNAUTHORIZED' },
      { key: null, query: { ...signed, signature: flipped } },
    );
    await hit(
      OP.csv,
      { status: 401, code: 'UNAUTHORIZED' },
      { key: null, query: { ...signed, expires: String(Number(signed.expires) + 3600) } },
    );
    await hit(
      OP.csv,
      { status: 401, code: 'UNAUTHORIZED' },
      { key: null, query: signed, params: { orgId: canonicalId('00D00000000000Z')! } },
    );
    await hit(
      OP.csv,
      { status: 401, code: 'UNAUTHORIZED' },
      { key: null, query: { expires: signed.expires! } },
    );
    // The same link five minutes and a second later.
    const later = new Date(Date.parse(link.expiresAt) + 1000);
    await withApp({ ...fx.deps, app: { ...fx.app, now: () => later } }, (via) =>
      hit(OP.csv, { status: 401, code: 'UNAUTHORIZED' }, { key: null, query: signed, via }),
    );
  });
});

describe('record history', () => {
  let recordId: string;

  before(async () => {
    // A new account, backed up, changed twice and deleted, with a pass after each step: four versions.
    const created = (await simAdmin(fx.sim, 'POST', 'mutate', {
      object: 'Account',
      ops: [{ op: 'create', records: [{ Name: 'Conformance 1' }] }],
    })) as { created: string[] };
    recordId = created.created[0]!;
    await backUpAccounts();
    for (const name of ['Conformance 2', 'Conformance 3']) {
      await simAdmin(fx.sim, 'POST', 'mutate', {
        object: 'Account',
        ops: [{ op: 'update', ids: [recordId], set: { Name: name } }],
      });
      await backUpAccounts();
    }
    await simAdmin(fx.sim, 'POST', 'mutate', { object: 'Account', ops: [{ op: 'delete', ids: [recordId] }] });
    await backUpAccounts();
  });

  test('all versions newest first; limit 1 → next → before=next pages through the same history', async () => {
    type Page = {
      items: Array<{ systemModstamp: string; deleted: boolean; fields: Record<string, unknown> }>;
      next: string | null;
    };
    const full = (await hit(OP.versions, { status: 200 }, { params: { object: 'Account', id: recordId } }))
      .json as Page;
    assert.equal(full.items.length, 4, 'created, two updates, deleted');
    assert.equal(full.next, null);
    const stamps = full.items.map((v) => v.systemModstamp);
    assert.deepEqual(stamps, stamps.toSorted().reverse(), 'newest first');
    assert.deepEqual(
      full.items.map((v) => [v.fields.Name, v.deleted]),
      [
        ['Conformance 3', true],
        ['Conformance 3', false],
        ['Conformance 2', false],
        ['Conformance 1', false],
      ],
    );
    const pages: Page[] = [];
    let before: string | null = null;
    do {
      const page = (
        await hit(
          OP.versions,
          { status: 200 },
          {
            params: { object: 'account', id: recordId.slice(0, 15) },
            query: { limit: '1', ...(before ? { before } : {}) },
          },
        )
      ).json as Page;
      assert.equal(page.items.length, 1);
      pages.push(page);
      before = page.next;
    } while (before !== null && pages.length < 10);
    assert.deepEqual(
      pages.map((p) => p.items[0]),
      full.items,
      'the pages together are the history, newest first',
    );
    assert.equal(pages[0]!.next, pages[0]!.items[0]!.systemModstamp, 'next is the before of the older page');
    const clamped = (
      await hit(OP.versions, { status: 200 }, { params: { id: recordId }, query: { limit: '5000' } })
    ).json as Page;
    assert.deepEqual(clamped.items, full.items, 'limit 5000 is accepted');
  });

  test('a record never captured has no versions; an unknown object is 404; a bad id or time is 400', async () => {
    const none = (await hit(OP.versions, { status: 200 }, { params: { id: '001000000000zzz' } })).json as {
      items: unknown[];
      next: string | null;
    };
    assert.deepEqual([none.items, none.next], [[], null]);
    await hit(OP.versions, { status: 404, code: 'NOT_FOUND' }, { params: { object: 'NoSuchObject__c' } });
    await hit(OP.versions, { status: 400, code: 'INVALID_REQUEST' }, { params: { id: 'abc' } });
    await hit(
      OP.versions,
      { status: 400, code: 'INVALID_REQUEST' },
      { params: { id: '001000000000001XXX' } },
    );
    await hit(OP.versions, { status: 400, code: 'INVALID_REQUEST' }, { query: { before: 'yesterday' } });
  });
});

describe('file bodies', () => {
  const storedFile = async () => {
    const row = await fx.db
      .knex('files')
      .where({ org_id: fx.orgId, object: 'ContentVersion', state: 'stored' })
      .first<{ record_id: string; size: string }>('record_id', 'size');
    assert.ok(row, 'the fixture backed a ContentVersion body up');
    return { object: 'ContentVersion', id: row.record_id, size: Number(row.size) };
  };

  test('the file list, one object, failures only; a bad cursor or a non-file object is 400', async () => {
    const all = (await hit(OP.files, { status: 200 })).json as { items: Array<{ state: string }> };
    assert.ok(all.items.length > 0);
    await hit(OP.files, { status: 200 }, { query: { object: 'Attachment', failed: 'true', limit: '5' } });
    await hit(OP.files, { status: 400, code: 'INVALID_CURSOR' }, { query: { cursor: 'not-a-cursor' } });
    await hit(OP.files, { status: 400, code: 'UNKNOWN_OBJECT' }, { query: { object: 'Account' } });
  });

  test('a link and the body through it; 416 outside the file; 404 unknown; 400 not a file object', async () => {
    const { size, ...params } = await storedFile();
    const link = (await hit(OP.fileLink, { status: 200 }, { params, body: {} })).json as { url: string };
    const signed = Object.fromEntries(new URL(link.url).searchParams);
    const body = await hit(OP.fileContent, { status: 200 }, { params, key: null, query: signed });
    assert.equal(Number(body.headers.get('content-length')), size);
    await hit(
      OP.fileContent,
      { status: 401, code: 'UNAUTHORIZED' },
      {
        params,
        key: null,
        query: { ...signed, systemModstamp: '2001-01-01T00:00:00Z' },
      },
    );
    await hit(
      OP.fileContent,
      { status: 416, code: 'RANGE_NOT_SATISFIABLE' },
      { params, headers: { range: `bytes=${size}-` } },
    );
    await hit(
      OP.fileLink,
      { status: 404, code: 'NOT_FOUND' },
      { params: { ...params, id: '068000000000zzz' } },
    );
    await hit(
      OP.fileContent,
      { status: 404, code: 'NOT_FOUND' },
      { params: { ...params, id: '068000000000zzz' } },
    );
    await hit(OP.fileLink, { status: 400, code: 'UNKNOWN_OBJECT' }, { body: {} });
    await hit(OP.fileContent, { status: 400, code: 'UNKNOWN_OBJECT' });
  });

  test('PUBLIC_URL unset: a file link is 503 NOT_CONFIGURED (second fixture)', async () => {
    const via: Target = { url: limited.server.url, key: limited.serviceKey, orgId: limited.orgId };
    limitedSpent++;
    await hit(
      OP.fileLink,
      { status: 503, code: 'NOT_CONFIGURED' },
      { via, params: { object: 'ContentVersion' } },
    );
  });
});

describe('field metadata', () => {
  before(async () => {
    // Two changes an admin makes in the org, seen by the next schema scan: a field hidden, a picklist value added.
    await simAdmin(fx.sim, 'POST', 'clock', { advanceMs: 5_000 });
    await simAdmin(fx.sim, 'POST', 'permissions', { object: 'Account', fields: { Site: false } });
    await simAdmin(fx.sim, 'POST', 'schema/change', {
      object: 'Account',
      field: 'Rating',
      picklistValues: ['Hot', 'Warm', 'Cold', 'Frozen'],
    });
    await simAdmin(fx.sim, 'POST', 'clock', { advanceMs: 5_000 });
    await scanSchema(await engineFor(fx.sim, fx.db.knex, fx.app.store.blobs));
  });

  test('the missing-field report lists the hidden field with what to grant; one object; unknown object 404', async () => {
    type Report = {
      checkedAt: string | null;
      items: Array<{ object: string; field: string; grant: string }>;
    };
    const report = (await hit(OP.missingFields, { status: 200 })).json as Report;
    assert.ok(report.checkedAt);
    assert.ok(
      report.items.some(
        (i) => i.object === 'Account' && i.field === 'Site' && /^Read on Account\.Site:/.test(i.grant),
      ),
    );
    const one = (await hit(OP.missingFields, { status: 200 }, { query: { object: 'Account' } }))
      .json as Report;
    assert.deepEqual([...new Set(one.items.map((i) => i.object))], ['Account']);
    await hit(OP.missingFields, { status: 404, code: 'NOT_FOUND' }, { query: { object: 'NoSuchObject__c' } });
    await hit(
      OP.missingFields,
      { status: 400, code: 'INVALID_REQUEST' },
      { query: { object: 'not a name' } },
    );
  });

  test('an object’s field history, newest first, in pages; a bad cursor is 400; an unknown object 404', async () => {
    type Page = { items: Array<{ field: string | null; change: string }>; next: string | null };
    const full = (await hit(OP.fieldHistory, { status: 200 })).json as Page;
    assert.deepEqual(full.items.map((i) => [i.field, i.change]).sort(), [
      ['Rating', 'picklist'],
      ['Site', 'access-lost'],
    ]);
    const first = (await hit(OP.fieldHistory, { status: 200 }, { query: { limit: '1' } })).json as Page;
    assert.ok(first.next);
    const second = (
      await hit(OP.fieldHistory, { status: 200 }, { query: { limit: '1', cursor: first.next } })
    ).json as Page;
    assert.deepEqual([...first.items, ...second.items], full.items);
    assert.equal(second.next, null);
    await hit(OP.fieldHistory, { status: 400, code: 'INVALID_CURSOR' }, { query: { cursor: 'nope' } });
    await hit(OP.fieldHistory, { status: 404, code: 'NOT_FOUND' }, { params: { object: 'NoSuchObject__c' } });
  });

  test('an object’s fields with labels, types, decimals and picklist labels, as of the last scan; unknown 404', async () => {
    type Fields = {
      name: string;
      fields: Array<{
        name: string;
        label: string;
        type: string;
        scale?: number;
        picklistValues?: unknown[];
      }>;
    };
    const answer = (await hit(OP.objectFields, { status: 200 }, { params: { object: 'account' } }))
      .json as Fields;
    const byName = new Map(answer.fields.map((f) => [f.name, f]));
    assert.equal(answer.name, 'Account');
    assert.deepEqual(
      [byName.get('AnnualRevenue')?.type, byName.get('AnnualRevenue')?.label],
      ['currency', 'Annual Revenue'],
    );
    assert.equal(typeof byName.get('AnnualRevenue')?.scale, 'number');
    assert.equal(byName.get('Name')?.scale, undefined, 'text has no decimals');
    assert.deepEqual(
      (byName.get('Rating')?.picklistValues as Array<{ value: string }>).map((v) => v.value),
      ['Hot', 'Warm', 'Cold', 'Frozen'],
      'the picklist as the last scan saw it',
    );
    assert.equal(byName.has('Site'), false, 'a field the integration user cannot read is not listed');
    await hit(OP.objectFields, { status: 404, code: 'NOT_FOUND' }, { params: { object: 'NoSuchObject__c' } });
    await hit(OP.objectFields, { status: 400, code: 'INVALID_REQUEST' }, { params: { object: '1bad' } });
  });
});

describe('operations', () => {
  test('/healthz, /metrics', async () => {
    assert.deepEqual((await hit(OP.healthz, { status: 200 })).json, { status: 'ok' });
    const metrics = await hit(OP.metrics, { status: 200 });
    assert.match(metrics.text, /^autobackup_http_requests_total\{/m);
  });

  /** Readiness with the main fixture's probes doing `mode` (overrides.probes). */
  async function readiness(mode: typeof probeMode): Promise<Answer> {
    probeMode = mode;
    try {
      return await send(OP.readyz);
    } finally {
      probeMode = 'real';
    }
  }

  test('/readyz is 200 when the database and the bucket answer', async () => {
    const ready = await hit(OP.readyz, { status: 200 });
    assert.deepEqual(ready.json, {
      status: 'ready',
      checks: { database: { ok: true }, bucket: { ok: true } },
    });
  });

  test('/readyz is 503 naming the database when it does not answer', async () => {
    const answer = await readiness('database-down');
    assert.equal(answer.status, 503);
    assert.deepEqual(answer.json, {
      status: 'unavailable',
      checks: { database: { ok: false, error: 'database is not reachable' }, bucket: { ok: true } },
    });
    contract.check(contract.operation(OP.readyz), answer, { status: 503, code: 'UNAVAILABLE' });
  });

  test('/readyz is 503 naming the bucket when it does not answer', async () => {
    const answer = await readiness('bucket-down');
    assert.equal(answer.status, 503);
    assert.deepEqual(answer.json, {
      status: 'unavailable',
      checks: { database: { ok: true }, bucket: { ok: false, error: 'bucket is not reachable' } },
    });
    contract.check(contract.operation(OP.readyz), answer, { status: 503, code: 'UNAVAILABLE' });
  });

  test('/readyz is 500 when a probe itself fails', async () => {
    contract.check(contract.operation(OP.readyz), await readiness('crash'), {
      status: 500,
      code: 'INTERNAL',
    });
  });

  test('an unknown route is 404 and a wrong method 405 with Allow, as error bodies', async () => {
    for (const pathname of [
      '/api/v1/nothing-here',
      `/api/v1/orgs/${fx.orgId}/backups`,
      '/api/v2/openapi.json',
    ])
      contract.checkUnrouted(await readAnswer(await fetch(`${fx.server.url}${pathname}`)), {
        status: 404,
        code: 'NOT_FOUND',
      });
    for (const [method, pathname, allow] of [
      ['DELETE', `/api/v1/orgs/${fx.orgId}/settings`, 'GET, PUT'],
      ['PATCH', `/api/v1/orgs/${fx.orgId}/settings`, 'GET, PUT'],
      ['GET', `/api/v1/orgs/${fx.orgId}/enable`, 'POST'],
      ['POST', '/healthz', 'GET'],
    ] as const) {
      const answer = await readAnswer(
        await fetch(`${fx.server.url}${pathname}`, {
          method,
          headers: { authorization: `Bearer ${fx.serviceKey}` },
        }),
      );
      contract.checkUnrouted(answer, { status: 405, code: 'METHOD_NOT_ALLOWED' });
      assert.equal(answer.headers.get('allow'), allow, `${method} ${pathname}`);
    }
  });
});

describe('the errors every authenticated operation documents', () => {
  const authenticated = () => contract.operations.filter((o) => o.authenticated);

  test('no key or an unknown key (401), another org (404), an unknown query parameter (400)', async () => {
    const otherOrg = canonicalId('00D00000000000Z')!;
    for (const op of authenticated()) {
      const body = sampleBody(op);
      await hit(op.key, { status: 401, code: 'UNAUTHORIZED' }, { key: null, body });
      await hit(op.key, { status: 401, code: 'UNAUTHORIZED' }, { key: 'abk_000000000000_nothing', body });
      await hit(op.key, { status: 404, code: 'NOT_FOUND' }, { params: { orgId: otherOrg }, body });
      await hit(op.key, { status: 400, code: 'INVALID_REQUEST' }, { query: { unexpected: '1' }, body });
    }
  });

  test('the database failing mid-request is 500 INTERNAL, with nothing leaked', async () => {
    const deps: HttpDeps = { ...fx.deps, app: { ...fx.app, store: { ...fx.app.store, knex: brokenKnex } } };
    await withApp(deps, async (via) => {
      for (const op of authenticated()) {
        const answer = await hit(op.key, { status: 500, code: 'INTERNAL' }, { via, body: sampleBody(op) });
        assert.doesNotMatch(
          answer.text,
          /ECONNREFUSED|127\.0\.0\.1|postgres/i,
          `${op.key}: the cause stays in the log`,
        );
      }
    });
  });

  test('an answer slower than the request timeout is 503 TIMEOUT', async () => {
    // Checking the key waits until the test lets it go: only the timeout can answer meanwhile.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const waiting: Array<Promise<unknown>> = [];
    const slowKey = (key: string) => {
      const verified = gate.then(() => fx.deps.verifyKey(key));
      waiting.push(verified);
      return verified;
    };
    await withApp({ ...fx.deps, requestTimeoutMs: 50, verifyKey: slowKey }, async (via) => {
      try {
        for (const op of authenticated()) {
          const answer = await hit(op.key, { status: 503, code: 'TIMEOUT' }, { via, body: sampleBody(op) });
          assert.match((answer.json as { error: { message: string } }).error.message, /0\.05 s/);
        }
      } finally {
        release();
        await Promise.allSettled(waiting);
        // The handlers go on after their answer; their late writes are dropped (bodies chosen to change nothing).
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
  });

  test('PUBLIC_URL unset: the CSV link is 503 NOT_CONFIGURED (second fixture)', async () => {
    const via: Target = { url: limited.server.url, key: limited.serviceKey, orgId: limited.orgId };
    limitedSpent++;
    const answer = await hit(OP.csvLink, { status: 503, code: 'NOT_CONFIGURED' }, { via });
    assert.match((answer.json as { error: { message: string } }).error.message, /PUBLIC_URL/);
  });

  test(`more than ${RATE_LIMIT} requests a minute with one key is 429 with Retry-After, on every operation`, async () => {
    const via: Target = { url: limited.server.url, key: limited.serviceKey, orgId: limited.orgId };
    // Every call with this key so far counted; the rest of the allowance is answered, then the key is refused.
    const statuses: number[] = [];
    for (let i = limitedSpent; i <= RATE_LIMIT; i++) {
      const res = await fetch(`${via.url}/api/v1/orgs/${via.orgId}/dashboard`, {
        headers: { authorization: `Bearer ${via.key}` },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(
      statuses,
      [...Array<number>(RATE_LIMIT - limitedSpent).fill(200), 429],
      `${RATE_LIMIT} requests answered, then refused`,
    );
    for (const op of authenticated()) {
      const answer = await hit(op.key, { status: 429, code: 'RATE_LIMITED' }, { via, body: sampleBody(op) });
      const retryAfter = Number(answer.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `${op.key}: Retry-After ${retryAfter}`);
      assert.equal(answer.headers.get('ratelimit-limit'), String(RATE_LIMIT));
      assert.equal(answer.headers.get('ratelimit-remaining'), '0');
    }
  });
});

describe('failures of the pipeline itself', () => {
  test('every operation answers 500 INTERNAL when the request pipeline fails', async () => {
    // healthz and the document cannot fail in their handlers; a dependency that throws where the pipeline
    // reads it stands for any unexpected failure before a handler runs.
    const deps = { ...fx.deps };
    Object.defineProperty(deps, 'requestTimeoutMs', {
      get(): number {
        throw new Error('injected failure in the request pipeline');
      },
    });
    await withApp(deps, async (via) => {
      for (const op of contract.operations)
        await hit(op.key, { status: 500, code: 'INTERNAL' }, { via, body: sampleBody(op) });
    });
  });

  test('a metrics collector that fails is 500 on /metrics', async () => {
    const metrics = createMetrics({ processMetrics: false });
    new Gauge({
      name: 'conformance_failing_collector',
      help: 'a collector that throws',
      registers: [metrics.registry],
      collect() {
        throw new Error('collector failed');
      },
    });
    await withApp({ ...fx.deps, metrics }, (via) =>
      hit(OP.metrics, { status: 500, code: 'INTERNAL' }, { via }),
    );
  });
});

describe('answers the document does not describe', () => {
  test('every operation taking a body answers non-JSON (415), malformed JSON (400) and >1 MB (413) as documented', async () => {
    const huge = JSON.stringify({ pad: 'A'.repeat(1_100_000) });
    const cases: Array<[string, () => Promise<unknown>]> = [];
    for (const op of contract.operations.filter((o) => o.requestBody)) {
      const params = { errorId: '999999999' };
      cases.push(
        [
          `${op.key} text/plain body`,
          () =>
            hit(
              op.key,
              { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
              { params, raw: 'x=1', contentType: 'text/plain' },
            ),
        ],
        [
          `${op.key} malformed JSON`,
          () =>
            hit(
              op.key,
              { status: 400, code: 'MALFORMED_JSON' },
              { params, raw: '{"x":', contentType: 'application/json' },
            ),
        ],
        [
          `${op.key} body over 1 MB`,
          () =>
            hit(
              op.key,
              { status: 413, code: 'PAYLOAD_TOO_LARGE' },
              { params, raw: huge, contentType: 'application/json' },
            ),
        ],
      );
    }
    const mismatches = await collectMismatches(cases);
    assert.deepEqual(mismatches, [], `answers not in the document:\n  ${mismatches.join('\n  ')}`);
  });

  test('every operation answers an unknown query parameter as documented (refused with 400, or ignored)', async () => {
    const cases: Array<[string, () => Promise<unknown>]> = contract.operations.map((op) => [
      `${op.key}?unexpected=1`,
      async () => {
        const answer = await send(op.key, { query: { unexpected: '1' }, body: sampleBody(op) });
        const expected = answer.status === 200 ? { status: 200 } : { status: 400, code: 'INVALID_REQUEST' };
        contract.check(op, answer, expected);
      },
    ]);
    const mismatches = await collectMismatches(cases);
    assert.deepEqual(mismatches, [], `answers not in the document:\n  ${mismatches.join('\n  ')}`);
  });
});

describe('answers the document does not describe: errors.csv', () => {
  test('a database failure before the first byte of the CSV is answered with the documented 500', async () => {
    // The org is found, then reading its errors fails (the table is renamed away for this one request).
    await fx.db.knex.raw('ALTER TABLE errors RENAME TO errors_unavailable');
    let answer: Answer | Error;
    try {
      answer = await send(OP.csv).catch((err: Error) => err);
    } finally {
      await fx.db.knex.raw('ALTER TABLE errors_unavailable RENAME TO errors');
    }
    if (answer instanceof Error)
      assert.fail(
        `GET errors.csv: the service closed the connection without an answer (${answer.message}: ` +
          `${String((answer.cause as Error | undefined)?.message)}) where the document promises 500 INTERNAL; ` +
          'nothing of the CSV had been sent yet',
      );
    contract.check(contract.operation(OP.csv), answer, { status: 500, code: 'INTERNAL' });
  });
});

describe('coverage', () => {
  test('every documented operation, status and error code was produced by a real request', () => {
    const missing = contract.missingCoverage();
    assert.deepEqual(missing, [], `not produced by this test:\n  ${missing.join('\n  ')}`);
  });
});
