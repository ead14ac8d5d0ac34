import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import { admin, api, clientCredentialsToken } from './support/sim-client.js';

/**
 * A value longer than its field is refused, not stored. SOAP API Developer Guide,
 * "AllowFieldTruncationHeader"
 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_header_allowfieldtruncation.htm):
 * "For API version 15.0 and later, if a value is too large, the operation fails and the fault code
 * STRING_TOO_LONG is returned" (string, textarea, picklist, email, phone, … fields); only that SOAP
 * header asks for truncation, and the REST API's headers (REST API Developer Guide, "Headers",
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers.htm) have no
 * counterpart, so over REST an over-long value always fails.
 */
type SfError = { errorCode: string; message: string; fields?: string[] };

describe('sf-sim wire: STRING_TOO_LONG', () => {
  let sim: Simulator;
  let call: ReturnType<typeof api>;
  const long = 'x'.repeat(300);

  before(async () => {
    sim = await startSimulator({ seed: 'small', seedValue: 'string-too-long' });
    call = api(sim, await clientCredentialsToken(sim));
  });
  after(async () => {
    await sim.close();
  });

  const post = (path: string, body: unknown, method = 'POST') =>
    call(path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const stored = (name: string) => sim.org.query(`SELECT Id FROM Account WHERE Name = '${name}'`).totalSize;

  test('create: a 300-character Account Name (length 255) is 400 STRING_TOO_LONG, naming the field', async () => {
    const res = await post('sobjects/Account', { Name: long });
    assert.equal(res.status, 400);
    const [err] = (await res.json()) as SfError[];
    assert.equal(err?.errorCode, 'STRING_TOO_LONG');
    assert.equal(err?.message, `Account Name: data value too large: ${long} (max length=255)`);
    assert.deepEqual(err?.fields, ['Name']);
    assert.equal(stored(long), 0);
    // Exactly the field's length fits; lengths count characters, not bytes.
    assert.equal((await post('sobjects/Account', { Name: 'é'.repeat(255) })).status, 201);
    assert.equal((await post('sobjects/Account', { Name: 'y'.repeat(255) })).status, 201);
  });

  test('update: PATCH with a value over the length is refused and the record keeps its value', async () => {
    const created = (await (await post('sobjects/Account', { Name: 'Short name' })).json()) as { id: string };
    const res = await post(`sobjects/Account/${created.id}`, { Phone: '1'.repeat(41) }, 'PATCH');
    assert.equal(res.status, 400);
    const [err] = (await res.json()) as SfError[];
    assert.equal(err?.errorCode, 'STRING_TOO_LONG');
    assert.match(err?.message ?? '', /\(max length=40\)$/);
    assert.deepEqual(err?.fields, ['Phone']);
    const row = sim.org.query(`SELECT Phone FROM Account WHERE Id = '${created.id}'`).records[0];
    assert.equal(row?.Phone, null);
  });

  test('sObject Collections: the long record fails on its own, or rolls all back with allOrNone', async () => {
    const records = [
      { attributes: { type: 'Account' }, Name: 'Collection fits' },
      { attributes: { type: 'Account' }, Name: long },
    ];
    const res = await post('composite/sobjects', { allOrNone: false, records });
    assert.equal(res.status, 200);
    const out = (await res.json()) as {
      success: boolean;
      errors: { statusCode: string; fields: string[] }[];
    }[];
    assert.equal(out[0]?.success, true);
    assert.equal(out[1]?.success, false);
    assert.equal(out[1]?.errors[0]?.statusCode, 'STRING_TOO_LONG');
    assert.deepEqual(out[1]?.errors[0]?.fields, ['Name']);

    const all = await post('composite/sobjects', {
      allOrNone: true,
      records: [{ attributes: { type: 'Account' }, Name: 'All or none fits' }, records[1]],
    });
    const allOut = (await all.json()) as { success: boolean; errors: { statusCode: string }[] }[];
    assert.equal(allOut[1]?.errors[0]?.statusCode, 'STRING_TOO_LONG');
    assert.equal(stored('All or none fits'), 0);
  });

  test('composite: the subrequest answers 400 STRING_TOO_LONG', async () => {
    const res = await post('composite', {
      compositeRequest: [
        {
          method: 'POST',
          url: `/services/data/v${sim.apiVersion}/sobjects/Contact`,
          referenceId: 'c1',
          body: { LastName: 'L'.repeat(81) },
        },
      ],
    });
    const out = (await res.json()) as { compositeResponse: { httpStatusCode: number; body: SfError[] }[] };
    assert.equal(out.compositeResponse[0]?.httpStatusCode, 400);
    assert.equal(out.compositeResponse[0]?.body[0]?.errorCode, 'STRING_TOO_LONG');
    assert.deepEqual(out.compositeResponse[0]?.body[0]?.fields, ['LastName']);
  });

  test('the admin mutate refuses it too, with the same error, and changes nothing', async () => {
    await assert.rejects(
      admin(sim, 'POST', 'mutate', {
        object: 'Account',
        ops: [{ op: 'create', records: [{ Name: 'Admin fits' }, { Name: long }] }],
      }),
      (e: Error) =>
        /: 400 /.test(e.message) &&
        /"errorCode":"STRING_TOO_LONG"/.test(e.message) &&
        /Account Name: data value too large: x+ \(max length=255\)/.test(e.message),
    );
    assert.equal(stored('Admin fits'), 0);
  });
});
