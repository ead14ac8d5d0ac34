import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setOrgEnabled, updateOrgSettings } from '../../src/store/orgs/org-repository.js';
import { applyExclusions } from '../../src/store/registry/object-registry.js';
import { sliceStopReason } from '../../src/store/schedule/schedule-state.js';
import { ensureObjectKey } from '../../src/store/versions/objects-repository.js';
import { createStoreFixture, ORG_ID as ORG, type StoreFixture } from './support/store-fixture.js';

let f: StoreFixture;
let db: StoreFixture['db'];

before(async () => {
  f = await createStoreFixture();
  db = f.db;
  await setOrgEnabled(db.knex, ORG);
  await ensureObjectKey(db.knex, ORG, 'Account');
  await ensureObjectKey(db.knex, ORG, 'Contact');
});

after(async () => {
  await f?.close();
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
