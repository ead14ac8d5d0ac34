import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from 'jsforce';
import { startSimulator, type Simulator } from '../src/index.js';

/** TYPEOF and date functions through the REST query API, read by the unmodified jsforce 3. */

interface Attrs {
  attributes: { type: string; url: string };
}

describe('sf-sim wire: TYPEOF and date functions with jsforce', () => {
  let sim: Simulator;
  let conn: Connection;

  before(async () => {
    sim = await startSimulator({ seed: 'small', seedValue: 'wire-functions' });
    conn = new Connection({
      loginUrl: sim.url,
      version: sim.apiVersion,
      oauth2: { loginUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret },
    });
    await conn.authorize({ grant_type: 'client_credentials' });
  });
  after(async () => {
    await sim.close();
  });

  test('TYPEOF What comes back as a nested record jsforce hands through unchanged', async () => {
    const plain = await conn.query<{ Id: string; WhatId: string | null }>('SELECT Id, WhatId FROM Task');
    const typed = await conn.query<{ Id: string; What: (Attrs & Record<string, unknown>) | null }>(
      'SELECT Id, TYPEOF What WHEN Opportunity THEN Name, StageName ELSE Name END FROM Task',
    );
    assert.equal(typed.totalSize, plain.totalSize);
    const whatOf = new Map(plain.records.map((r) => [r.Id, r.WhatId]));
    let nested = 0;
    for (const r of typed.records) {
      const whatId = whatOf.get(r.Id);
      if (!whatId) {
        assert.equal(r.What, null);
        continue;
      }
      nested++;
      assert.equal(
        r.What?.attributes.url,
        `/services/data/v${sim.apiVersion}/sobjects/Opportunity/${whatId}`,
      );
      assert.deepEqual(Object.keys(r.What ?? {}), ['attributes', 'Name', 'StageName']);
    }
    assert.ok(nested > 0, 'some Tasks are related to an Opportunity');
  });

  test('a date function in WHERE selects what the CreatedDate values say', async () => {
    const all = await conn.query<{ Id: string; CreatedDate: string }>('SELECT Id, CreatedDate FROM Account');
    const years = new Map<number, string[]>();
    for (const r of all.records) {
      const y = Number(r.CreatedDate.slice(0, 4));
      years.set(y, [...(years.get(y) ?? []), r.Id]);
    }
    assert.ok(years.size > 1, 'the seed spreads CreatedDate over several years');
    for (const [year, ids] of years) {
      const res = await conn.query<{ Id: string }>(
        `SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = ${year}`,
      );
      assert.deepEqual(res.records.map((r) => r.Id).sort(), ids.sort(), String(year));
    }
    const grouped = await conn.query<{ expr0: number; expr1: number }>(
      'SELECT CALENDAR_YEAR(CreatedDate), COUNT(Id) FROM Account GROUP BY CALENDAR_YEAR(CreatedDate)',
    );
    assert.deepEqual(
      new Map(grouped.records.map((r) => [r.expr0, r.expr1])),
      new Map([...years].map(([y, ids]) => [y, ids.length])),
    );
  });

  test('a bad date function comes back as a Salesforce error jsforce raises', async () => {
    await assert.rejects(
      async () => {
        await conn.query('SELECT Id FROM Account WHERE CALENDAR_YEAR(Name) = 2024');
      },
      (e: Error) => {
        assert.equal((e as Error & { errorCode?: string }).errorCode, 'MALFORMED_QUERY');
        assert.match(e.message, /CALENDAR_YEAR/);
        return true;
      },
    );
  });
});
