import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertOrg, updateOrgSettings } from '../../src/store/orgs/org-repository.js';
import { applyExclusions } from '../../src/store/registry/object-registry.js';
import { sliceStopReason } from '../../src/store/schedule/schedule-state.js';
import { ensureObjectKey } from '../../src/store/versions/objects-repository.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const ORG = '00D000000000002AAA';
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
  await insertOrg(db.knex, {
    orgId: ORG,
    instanceUrl: 'https://acme.example.com',
    loginUrl: 'https://login.salesforce.com',
    auth: { kind: 'client-credentials', clientId: 'x', clientSecret: { kind: 'env', name: 'UNUSED' } },
    enabled: true,
  });
  await ensureObjectKey(db.knex, ORG, 'Account');
  await ensureObjectKey(db.knex, ORG, 'Contact');
});

after(async () => {
  await db?.destroy();
});

describe('why a running slice stops', () => {
  test('it goes on while its org is backed up, and stops when the object is excluded or the org paused', async () => {
    assert.equal(await sliceStopReason(db.knex, ORG, 'Account'), undefined);

    await applyExclusions(db.knex, ORG, ['account']);
    assert.equal(await sliceStopReason(db.knex, ORG, 'Account'), 'the object was excluded');
    assert.equal(await sliceStopReason(db.knex, ORG, 'Contact'), undefined, 'other objects go on');

    await updateOrgSettings(db.knex, ORG, { mode: 'paused' });
    assert.equal(await sliceStopReason(db.knex, ORG, 'Contact'), 'the org was paused or disabled');
    await updateOrgSettings(db.knex, ORG, { mode: 'objects_and_files', enabled: false });
    assert.equal(await sliceStopReason(db.knex, ORG, 'Contact'), 'the org was paused or disabled');
  });
});
