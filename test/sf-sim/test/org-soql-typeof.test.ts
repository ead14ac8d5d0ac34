import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import { SimError, type SimOrg, type JsonRecord } from '../src/org/api.js';

/** SOQL TYPEOF on polymorphic relationships (REST JSON shape, errors, Bulk 2.0 rejection). */

function soqlError(run: () => unknown): SimError {
  try {
    run();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  assert.fail('expected a SimError');
}

function all(org: SimOrg, soql: string): JsonRecord[] {
  let page = org.query(soql, { batchSize: 200 });
  const out = [...page.records];
  while (page.nextLocator) {
    page = org.queryMore(page.nextLocator, { batchSize: 200 });
    out.push(...page.records);
  }
  return out;
}

type Nested = Record<string, unknown> & { attributes: { type: string; url: string } };

describe('SOQL TYPEOF', () => {
  let org: SimOrg;
  before(async () => {
    org = await createOrg({ seed: 'small', seedValue: 'typeof' });
  });
  after(() => org.close());

  test('each record gets the fields of the WHEN matching its What type, nested with attributes', () => {
    // The seed relates Tasks to Opportunities (or nothing); relate two of them to an Account too.
    const [account] = org.query('SELECT Id FROM Account LIMIT 1').records;
    const twoTasks = org
      .query('SELECT Id FROM Task WHERE WhatId != null LIMIT 2')
      .records.map((r) => String(r.Id));
    org.mutate({ object: 'Task', ops: [{ op: 'update', ids: twoTasks, set: { WhatId: account!.Id } }] });
    const plain = new Map(
      all(org, 'SELECT Id, WhatId FROM Task').map((r) => [String(r.Id), r.WhatId as string | null]),
    );
    const accounts = new Map(all(org, 'SELECT Id, Name, Phone FROM Account').map((r) => [String(r.Id), r]));
    const opps = new Map(
      all(org, 'SELECT Id, Amount, Account.Name FROM Opportunity').map((r) => [String(r.Id), r]),
    );
    const rows = all(
      org,
      'SELECT Id, TYPEOF What WHEN Account THEN Name, Phone WHEN Opportunity THEN Amount, Account.Name END, Subject FROM Task',
    );
    assert.equal(rows.length, plain.size);
    const seen = new Set<string>();
    for (const r of rows) {
      assert.deepEqual(Object.keys(r), ['attributes', 'Id', 'What', 'Subject']);
      const whatId = plain.get(String(r.Id));
      const what = r.What as Nested | null;
      if (whatId === null || whatId === undefined) {
        assert.equal(what, null);
        seen.add('null');
        continue;
      }
      assert.equal(what?.attributes.url, `/services/data/v62.0/sobjects/${what?.attributes.type}/${whatId}`);
      seen.add(what!.attributes.type);
      if (what!.attributes.type === 'Account') {
        const a = accounts.get(whatId)!;
        assert.deepEqual(what, { attributes: a.attributes, Name: a.Name, Phone: a.Phone });
      } else {
        assert.equal(what!.attributes.type, 'Opportunity');
        const o = opps.get(whatId)!;
        assert.deepEqual(what, { attributes: o.attributes, Amount: o.Amount, Account: o.Account });
      }
    }
    assert.deepEqual([...seen].sort(), ['Account', 'Opportunity', 'null'], 'the seed covers every branch');
  });

  test('ELSE covers the other types; with no ELSE an unmatched type has attributes only', () => {
    const withElse = all(org, 'SELECT Id, TYPEOF What WHEN Account THEN Phone ELSE Name END FROM Task');
    const opp = withElse.find((r) => (r.What as Nested | null)?.attributes.type === 'Opportunity');
    assert.ok(opp);
    assert.deepEqual(Object.keys(opp.What as Nested), ['attributes', 'Name']);
    assert.equal(typeof (opp.What as Nested).Name, 'string');

    const noElse = all(org, 'SELECT Id, TYPEOF What WHEN Account THEN Phone END FROM Task');
    const bare = noElse.find((r) => (r.What as Nested | null)?.attributes.type === 'Opportunity');
    assert.deepEqual(Object.keys(bare!.What as Nested), ['attributes']);
  });

  test('TYPEOF Owner tells users from queues', () => {
    const [queue] = org.query("SELECT Id, Name FROM Group WHERE Type = 'Queue' LIMIT 1").records;
    const [someCase] = org.query('SELECT Id FROM Case LIMIT 1').records;
    org.mutate({
      object: 'Case',
      ops: [{ op: 'update', ids: [String(someCase!.Id)], set: { OwnerId: queue!.Id } }],
    });
    const rows = all(
      org,
      'SELECT Id, TYPEOF Owner WHEN User THEN Username, IsActive ELSE Name END FROM Case',
    );
    const queued = rows.find((r) => r.Id === someCase!.Id)!;
    assert.deepEqual(queued.Owner, {
      attributes: { type: 'Group', url: `/services/data/v62.0/sobjects/Group/${String(queue!.Id)}` },
      Name: queue!.Name,
    });
    const byUser = rows.find((r) => r.Id !== someCase!.Id)!;
    assert.deepEqual(Object.keys(byUser.Owner as Nested), ['attributes', 'Username', 'IsActive']);
    assert.equal((byUser.Owner as Nested).attributes.type, 'User');
  });

  test("TYPEOF on a parent's polymorphic relationship nests under the parent", () => {
    const [queue] = org.query("SELECT Id, Name FROM Group WHERE Type = 'Queue' LIMIT 1").records;
    const comments = all(org, 'SELECT Id, ParentId FROM CaseComment');
    const queued = comments[0]!;
    org.mutate({
      object: 'Case',
      ops: [{ op: 'update', ids: [String(queued.ParentId)], set: { OwnerId: queue!.Id } }],
    });
    const [parentCase] = org.query(
      `SELECT Subject FROM Case WHERE Id = '${String(queued.ParentId)}'`,
    ).records;
    const rows = all(
      org,
      'SELECT Id, Parent.Subject, TYPEOF Parent.Owner WHEN User THEN Username ELSE Name END, CommentBody FROM CaseComment',
    );
    assert.equal(rows.length, comments.length);
    const mine = rows.find((r) => r.Id === queued.Id)!;
    assert.deepEqual(Object.keys(mine), ['attributes', 'Id', 'Parent', 'CommentBody']);
    assert.deepEqual(mine.Parent, {
      attributes: { type: 'Case', url: `/services/data/v62.0/sobjects/Case/${String(queued.ParentId)}` },
      Subject: parentCase!.Subject,
      Owner: {
        attributes: { type: 'Group', url: `/services/data/v62.0/sobjects/Group/${String(queue!.Id)}` },
        Name: queue!.Name,
      },
    });
    // Every comment's Owner is its case's owner, with the fields of that owner's type.
    const ownerOf = new Map(
      all(org, 'SELECT Id, Parent.OwnerId FROM CaseComment').map((r) => [
        String(r.Id),
        String((r.Parent as Record<string, unknown>).OwnerId),
      ]),
    );
    let byUser = 0;
    for (const r of rows) {
      const owner = (r.Parent as Nested).Owner as Nested;
      assert.ok(owner.attributes.url.endsWith(`/${ownerOf.get(String(r.Id))}`));
      if (owner.attributes.type === 'User') {
        byUser++;
        assert.deepEqual(Object.keys(owner), ['attributes', 'Username']);
      }
    }
    assert.ok(byUser > 0, 'the seed has comments on user-owned cases');
  });

  test('errors: a type the field cannot reference, non-polymorphic fields, clashes, bad fields', () => {
    const wrongType = soqlError(() =>
      org.query('SELECT Id, TYPEOF What WHEN Contact THEN Name END FROM Task'),
    );
    assert.equal(wrongType.errorCode, 'MALFORMED_QUERY');
    assert.match(
      wrongType.message,
      /ERROR at Row:1:Column:29\nInvalid type in TYPEOF WHEN clause: What cannot reference Contact/,
    );

    const single = soqlError(() =>
      org.query('SELECT TYPEOF Account WHEN Account THEN Name END FROM Contact'),
    );
    assert.equal(single.errorCode, 'MALFORMED_QUERY');
    assert.match(single.message, /polymorphic relationship field/);

    const clash = soqlError(() =>
      org.query('SELECT What.Name, TYPEOF What WHEN Account THEN Name END FROM Task'),
    );
    assert.match(clash.message, /TYPEOF What cannot be combined with What.Name/);

    const badField = soqlError(() => org.query('SELECT TYPEOF What WHEN Account THEN Nope__c END FROM Task'));
    assert.equal(badField.errorCode, 'INVALID_FIELD');
    assert.match(badField.message, /No such column 'Nope__c' on entity 'Account'/);

    const badRel = soqlError(() => org.query('SELECT TYPEOF Nope WHEN Account THEN Name END FROM Task'));
    assert.equal(badRel.errorCode, 'INVALID_FIELD');
    assert.match(badRel.message, /Didn't understand relationship 'Nope'/);

    // Account.OwnerId references User only, on Salesforce as here.
    const parentSingle = soqlError(() =>
      org.query('SELECT Id, TYPEOF Account.Owner WHEN User THEN Name WHEN Group THEN Name END FROM Contact'),
    );
    assert.equal(parentSingle.errorCode, 'MALFORMED_QUERY');
    assert.match(
      parentSingle.message,
      /Column:19\nTYPEOF can only be used on a polymorphic relationship field/,
    );
    const parentClash = soqlError(() =>
      org.query('SELECT Parent.Owner.Name, TYPEOF Parent.Owner WHEN User THEN Name END FROM CaseComment'),
    );
    assert.match(parentClash.message, /TYPEOF Parent.Owner cannot be combined with Parent.Owner.Name/);
    const badParent = soqlError(() =>
      org.query('SELECT TYPEOF Nope.Owner WHEN User THEN Name END FROM CaseComment'),
    );
    assert.match(badParent.message, /Didn't understand relationship 'Nope'/);

    const aggregate = soqlError(() =>
      org.query('SELECT COUNT(Id), TYPEOF What WHEN Account THEN Name END FROM Task'),
    );
    assert.match(aggregate.message, /TYPEOF cannot be used with aggregate functions or GROUP BY/);
  });

  test('Bulk 2.0 rejects TYPEOF at job creation', () => {
    const e = soqlError(() => org.bulkQuery('SELECT Id, TYPEOF What WHEN Account THEN Name END FROM Task'));
    assert.equal(e.errorCode, 'API_ERROR');
    assert.match(e.message, /TYPEOF are not supported in Bulk API 2.0/);
  });
});
