import assert from 'node:assert/strict';
import { createOrg } from '../../src/org/create-org.js';
import { SimError, type SimOrg } from '../../src/org/api.js';

/**
 * A small org for SOQL function and ORDER BY tests: five Accounts with picklists whose defined
 * order is not alphabetical (Rating: Hot, Warm, Cold), a picklist whose labels differ from its
 * values (CleanStatus: Matched → "In Sync"), a currency, nulls, and a geolocation field.
 */
export const ACCOUNTS = [
  // San Francisco, Los Angeles, New York.
  {
    Name: 'Alpha',
    Rating: 'Cold',
    Industry: 'Banking',
    AnnualRevenue: 44000,
    NumberOfEmployees: 1200,
    CleanStatus: 'Matched',
    Site_Location__Latitude__s: 37.7749,
    Site_Location__Longitude__s: -122.4194,
  },
  {
    Name: 'bravo',
    Rating: 'Hot',
    Industry: 'Banking',
    AnnualRevenue: 1000,
    NumberOfEmployees: 10,
    CleanStatus: 'Pending',
    Site_Location__Latitude__s: 34.0522,
    Site_Location__Longitude__s: -118.2437,
  },
  {
    Name: 'Charlie',
    Rating: 'Warm',
    Industry: 'Energy',
    AnnualRevenue: null,
    NumberOfEmployees: null,
    CleanStatus: null,
  },
  {
    Name: 'delta',
    Rating: null,
    Industry: 'Energy',
    AnnualRevenue: 500,
    NumberOfEmployees: 75,
    CleanStatus: 'Matched',
    Site_Location__Latitude__s: 40.7128,
    Site_Location__Longitude__s: -74.006,
  },
  {
    Name: 'Echo',
    Rating: 'Hot',
    Industry: null,
    AnnualRevenue: 2500,
    NumberOfEmployees: 300,
    CleanStatus: null,
  },
];

export async function functionOrg(seedValue: string): Promise<SimOrg> {
  const org = await createOrg({ seed: 'none', seedValue });
  org.mutate({ object: 'Account', ops: [{ op: 'create', records: ACCOUNTS }] });
  org.mutate({
    object: 'User',
    ops: [{ op: 'update', ids: [org.integrationUser.id], set: { TimeZoneSidKey: 'America/Los_Angeles' } }],
  });
  return org;
}

/** The SimError a query fails with (the test fails when it succeeds). */
export function soqlError(org: SimOrg, soql: string): SimError {
  try {
    org.query(soql);
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  assert.fail(`expected an error for: ${soql}`);
}

/** Asserts a query fails with this errorCode and a message matching `message`. */
export function refuses(org: SimOrg, soql: string, errorCode: string, message: RegExp): void {
  const e = soqlError(org, soql);
  assert.equal(e.errorCode, errorCode, `${soql}: ${e.message}`);
  assert.match(e.message, message, soql);
}
