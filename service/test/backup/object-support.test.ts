import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  decideObjectSupport,
  deniedObjects,
  type GlobalObjectInfo,
} from '../../src/backup/object-support.js';
import { REPO_ROOT } from '../support/shared-test-postgres.js';

// Real-org payloads, kept in the repository with the simulator (sources and licences in their README).
const PAYLOADS = path.join(REPO_ROOT, 'test', 'sf-sim', 'src', 'org', 'schema', 'payloads');
const payload = (name: string) => JSON.parse(readFileSync(path.join(PAYLOADS, name), 'utf8'));
const fieldsOf = (file: string) => ({
  fieldNames: new Set((payload(file).fields as Array<{ name: string }>).map((f) => f.name)),
});
const global = payload('describeGlobal.cumulusci-v48.json').sobjects as GlobalObjectInfo[];
const entry = (name: string) => {
  const found = global.find((o) => o.name === name);
  assert.ok(found, `${name} is in the real describeGlobal`);
  return found;
};

describe('which objects are backed up, decided from describe', () => {
  test('ordinary data objects are supported with a SystemModstamp cursor and getDeleted for deletes', () => {
    const account = decideObjectSupport(entry('Account'), fieldsOf('describe-Account.cumulusci-v48.json'));
    assert.deepEqual(account, {
      supported: true,
      cursorField: 'SystemModstamp',
      access: { kind: 'query' },
      deletes: 'get-deleted',
      bulk: true,
    });
  });

  test('files metadata (ContentVersion) is backed up although not replicateable; deletes by Id reconciliation', () => {
    const cv = decideObjectSupport(
      entry('ContentVersion'),
      fieldsOf('describe-ContentVersion.soqlmetadata-trimmed.json'),
    );
    assert.equal(cv.supported, true);
    assert.equal(cv.supported && cv.deletes, 'id-reconciliation');
  });

  test('ContentDocumentLink is read through Id batches of ContentDocument instead of dropped', () => {
    const cdl = decideObjectSupport(
      entry('ContentDocumentLink'),
      fieldsOf('describe-ContentDocumentLink.soqlmetadata-trimmed.json'),
    );
    assert.ok(cdl.supported);
    assert.deepEqual(cdl.access, {
      kind: 'parent-id-batches',
      parentObject: 'ContentDocument',
      parentField: 'ContentDocumentId',
    });
    assert.equal(cdl.bulk, false);
  });

  test('field history has no SystemModstamp and is backed up by CreatedDate', () => {
    const history = decideObjectSupport(entry('AccountHistory'), {
      fieldNames: new Set([
        'Id',
        'AccountId',
        'Field',
        'OldValue',
        'NewValue',
        'CreatedDate',
        'CreatedById',
        'IsDeleted',
      ]),
    });
    assert.ok(history.supported);
    assert.equal(history.cursorField, 'CreatedDate');
  });

  test('objects without any timestamp are excluded with that reason', () => {
    const verdict = decideObjectSupport(
      { name: 'Odd__c', queryable: true, replicateable: true },
      { fieldNames: new Set(['Id', 'Name']) },
    );
    assert.deepEqual(verdict, {
      supported: false,
      reason: 'has neither SystemModstamp nor CreatedDate, so changes cannot be found incrementally',
    });
  });

  test('non-queryable objects, event streams, external and big objects and filter-only views are excluded with reasons', () => {
    const reasons = Object.fromEntries(
      ['ActivityHistory', 'AccountChangeEvent', 'FieldDefinition', 'UserRecordAccess'].map((n) => {
        const v = decideObjectSupport(entry(n));
        assert.equal(v.supported, false, n);
        return [n, v.supported ? '' : v.reason];
      }),
    );
    assert.match(reasons.ActivityHistory!, /does not allow queries/);
    assert.match(reasons.AccountChangeEvent!, /Change Data Capture/);
    assert.match(reasons.FieldDefinition!, /field metadata is backed up from describes/);
    assert.match(reasons.UserRecordAccess!, /computed record access/);
    assert.match(
      (
        decideObjectSupport({ name: 'Order_Event__e', queryable: true, replicateable: false }) as {
          reason: string;
        }
      ).reason,
      /platform event/,
    );
    assert.match(
      (
        decideObjectSupport({ name: 'Legacy__x', queryable: true, replicateable: false }) as {
          reason: string;
        }
      ).reason,
      /external object/,
    );
  });

  test('across a real org’s 787 objects, every exclusion has a reason and the queryable data objects stay in', () => {
    const verdicts = global.map((o) => [o.name, decideObjectSupport(o)] as const);
    for (const [name, v] of verdicts)
      if (!v.supported) assert.ok(v.reason.length > 10, `${name} has a reason`);
    const supported = new Set(verdicts.filter(([, v]) => v.supported).map(([n]) => n));
    for (const name of [
      'Account',
      'Contact',
      'Lead',
      'Opportunity',
      'Case',
      'Task',
      'Event',
      'User',
      'Campaign',
      'CampaignMember',
      'Attachment',
      'Document',
      'ContentVersion',
      'ContentDocument',
      'AccountShare',
    ]) {
      assert.ok(supported.has(name), `${name} is backed up`);
    }
    assert.ok(
      supported.size > 600 && supported.size < global.length,
      `${supported.size} of ${global.length} supported`,
    );
  });
});

describe('the admin guide on supported objects', () => {
  test('names every object Salesforce only answers with a filter (the Excluded objects tab sends users there)', () => {
    const guide = readFileSync(path.join(REPO_ROOT, 'docs', 'admin-guide.md'), 'utf8');
    const start = guide.indexOf('### Which objects are supported');
    assert.ok(start > 0, 'the guide has the section');
    const section = guide.slice(start, guide.indexOf('\n## ', start));
    const missing = Object.keys(deniedObjects()).filter((name) => !new RegExp(`\\b${name}\\b`).test(section));
    assert.deepEqual(missing, []);
  });
});
