/**
 * Benchmark of the org simulator's wire side: how fast it serves Bulk API 2.0 CSV results and
 * REST query pages of Bench__c (30 fields of mixed types), measured over real HTTP on 127.0.0.1.
 * Goals (issue 3): Bulk ≥ 100,000 records/s, REST ≥ 20,000 records/s.
 */
import { request } from 'node:http';
import { startSimulator, type Simulator } from '../test/sf-sim/src/index.js';
import type { BenchResult } from './bench-result.js';

const ROWS = Number(process.env.SF_SIM_BENCH_ROWS ?? 300_000);

async function token(sim: Simulator): Promise<string> {
  const res = await fetch(`${sim.url}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Streams a response body, counting bytes and the headers we need, without keeping it. */
function drain(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; locator: string | undefined; rows: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          locator: res.headers['sforce-locator'] as string | undefined,
          rows: Number(res.headers['sforce-numberofrecords'] ?? 0),
          bytes,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function benchFields(sim: Simulator, auth: Record<string, string>): Promise<string[]> {
  const res = await fetch(`${sim.url}/services/data/v${sim.apiVersion}/sobjects/Bench__c/describe`, {
    headers: auth,
  });
  const d = (await res.json()) as { fields: Array<{ name: string; type: string }> };
  return d.fields.filter((f) => !['address', 'location', 'base64'].includes(f.type)).map((f) => f.name);
}

async function bulk(sim: Simulator, auth: Record<string, string>, fields: string[]): Promise<BenchResult[]> {
  const base = `${sim.url}/services/data/v${sim.apiVersion}/jobs/query`;
  const t0 = performance.now();
  const created = await fetch(base, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ operation: 'query', query: `SELECT ${fields.join(', ')} FROM Bench__c` }),
  });
  const { id } = (await created.json()) as { id: string };
  for (;;) {
    const info = (await (await fetch(`${base}/${id}`, { headers: auth })).json()) as { state: string };
    if (info.state === 'JobComplete') break;
    if (info.state === 'Failed' || info.state === 'Aborted') throw new Error(`bulk job ${info.state}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const t1 = performance.now();
  let locator: string | undefined;
  let rows = 0;
  let bytes = 0;
  do {
    const page = await drain(`${base}/${id}/results${locator ? `?locator=${locator}` : ''}`, {
      ...auth,
      Accept: 'text/csv',
    });
    if (page.status !== 200) throw new Error(`results page: HTTP ${page.status}`);
    rows += page.rows;
    bytes += page.bytes;
    locator = page.locator;
  } while (locator && locator !== 'null');
  const t2 = performance.now();
  const gz = await drain(`${base}/${id}/results?maxRecords=100000`, {
    ...auth,
    Accept: 'text/csv',
    'Accept-Encoding': 'gzip',
  });
  const t3 = performance.now();
  if (rows !== ROWS) throw new Error(`bulk returned ${rows} rows, expected ${ROWS}`);
  return [
    {
      name: `sf-sim Bulk 2.0 results, CSV served (${fields.length} fields, ${Math.round(bytes / rows)} B/row)`,
      value: Math.round(rows / ((t2 - t1) / 1000)),
      unit: 'records/s',
      goal: '≥ 100,000 records/s',
      met: rows / ((t2 - t1) / 1000) >= 100_000,
    },
    {
      name: 'sf-sim Bulk 2.0 job end to end (create, run, poll, all pages)',
      value: Math.round(rows / ((t2 - t0) / 1000)),
      unit: 'records/s',
    },
    {
      name: 'sf-sim Bulk 2.0 results, gzip',
      value: Math.round(gz.rows / ((t3 - t2) / 1000)),
      unit: 'records/s',
    },
  ];
}

async function rest(sim: Simulator, auth: Record<string, string>, fields: string[]): Promise<BenchResult> {
  const limit = Math.min(ROWS, 100_000);
  const t0 = performance.now();
  let url = `/services/data/v${sim.apiVersion}/query?q=${encodeURIComponent(`SELECT ${fields.join(', ')} FROM Bench__c LIMIT ${limit}`)}`;
  let rows = 0;
  for (;;) {
    const res = await fetch(`${sim.url}${url}`, {
      headers: { ...auth, 'Sforce-Query-Options': 'batchSize=2000' },
    });
    if (res.status !== 200) throw new Error(`REST query: HTTP ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { records: unknown[]; nextRecordsUrl?: string };
    rows += page.records.length;
    if (!page.nextRecordsUrl) break;
    url = page.nextRecordsUrl;
  }
  const t1 = performance.now();
  if (rows !== limit) throw new Error(`REST returned ${rows} rows, expected ${limit}`);
  const value = Math.round(rows / ((t1 - t0) / 1000));
  return {
    name: `sf-sim REST query pages of 2000 (${fields.length} fields)`,
    value,
    unit: 'records/s',
    goal: '≥ 20,000 records/s',
    met: value >= 20_000,
  };
}

export async function run(): Promise<BenchResult[]> {
  const sim = await startSimulator({ seed: 'none', records: ROWS });
  try {
    const auth = { Authorization: `Bearer ${await token(sim)}` };
    const fields = await benchFields(sim, auth);
    return [...(await bulk(sim, auth, fields)), await rest(sim, auth, fields)];
  } finally {
    await sim.close();
  }
}

if (process.argv[1]?.endsWith('sf-sim.bench.ts')) {
  for (const r of await run())
    console.log(`${r.name}: ${r.value} ${r.unit}${r.goal ? ` (goal ${r.goal})` : ''}`);
}
