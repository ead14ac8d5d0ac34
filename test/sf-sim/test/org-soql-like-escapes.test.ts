import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import { SimError, type SimOrg } from '../src/org/api.js';

/**
 * SOQL and SOSL Reference, "Quoted String Escape Sequences"
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm):
 * "LIKE expression only: \_ Matches a single underscore character ( _ )", "\% Matches a single
 * percent sign character ( % )"; `LIKE 'Ter\%'` matches exactly 'Ter%', `LIKE 'Ter\%%'` what begins
 * with 'Ter%'; "If you use a backslash character in any other context, an error occurs."
 */
describe('SOQL LIKE escapes', () => {
  let org: SimOrg;
  const NAMES = [
    'Fid_Esc one',
    'FidXEsc two',
    'Ter%',
    'Ter%s and more',
    'Terrace',
    'Back\\slash',
    'Tab\there',
  ];

  before(async () => {
    org = await createOrg({ seed: 'none', seedValue: 'like-escapes' });
    org.mutate({ object: 'Account', ops: [{ op: 'create', records: NAMES.map((Name) => ({ Name })) }] });
  });
  after(() => org.close());

  /** Names matching a WHERE clause written as SOQL source text. */
  const names = (where: string): string[] =>
    org
      .query(`SELECT Name FROM Account WHERE ${where}`)
      .records.map((r) => String(r.Name))
      .sort();

  test('\\_ and \\% match the character itself, not any character', () => {
    assert.deepEqual(names(String.raw`Name LIKE 'Fid\_Esc%'`), ['Fid_Esc one']);
    assert.deepEqual(names("Name LIKE 'Fid_Esc%'"), ['Fid_Esc one', 'FidXEsc two'].sort());
    assert.deepEqual(names(String.raw`Name LIKE 'Ter\%'`), ['Ter%']);
    assert.deepEqual(names(String.raw`Name LIKE 'Ter\%%'`), ['Ter%', 'Ter%s and more']);
    assert.deepEqual(names("Name LIKE 'Ter%'"), ['Ter%', 'Ter%s and more', 'Terrace']);
  });

  test('the other escapes work in LIKE and elsewhere; LIKE stays case-insensitive', () => {
    assert.deepEqual(names(String.raw`Name LIKE 'back\\%'`), ['Back\\slash']);
    assert.deepEqual(names(String.raw`Name = 'Back\\slash'`), ['Back\\slash']);
    assert.deepEqual(names(String.raw`Name LIKE 'Tab\t%'`), ['Tab\there']);
    assert.deepEqual(names(String.raw`Name = 'Ter\u0025'`), ['Ter%']);
  });

  test('\\_ or \\% outside LIKE, or an unknown escape, is an error', () => {
    for (const where of [
      String.raw`Name = 'Fid\_Esc one'`,
      String.raw`Name = 'Ter\%'`,
      String.raw`Name LIKE 'a\d%'`,
    ]) {
      assert.throws(
        () => org.query(`SELECT Name FROM Account WHERE ${where}`),
        (e: unknown) =>
          e instanceof SimError &&
          e.errorCode === 'MALFORMED_QUERY' &&
          /Illegal character sequence/.test(e.message),
        where,
      );
    }
  });
});
