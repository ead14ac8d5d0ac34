import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createOrg } from '../src/org/create-org.js';
import { SimError, type SimOrg } from '../src/org/api.js';

function rejects(
  fn: () => unknown,
  status: number,
  errorCode: string,
  message?: string,
  fields?: string[],
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SimError, String(e));
    assert.equal(e.status, status);
    assert.equal(e.errorCode, errorCode);
    if (message !== undefined) assert.equal(e.message, message);
    if (fields !== undefined) assert.deepEqual(e.fields, fields);
    return true;
  });
}

async function sha256(stream: AsyncIterable<Buffer>): Promise<{ hex: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { hex: h.digest('hex'), bytes };
}

describe('integration user access, schema changes, writes and files', () => {
  let org: SimOrg;
  before(async () => {
    org = await createOrg({ seed: 'small', seedValue: 'access' });
  });
  after(() => org.close());

  test('an unreadable field disappears from describe and querying it is INVALID_FIELD', () => {
    const before = org.describe('Contact');
    org.setPermissions({ object: 'Contact', fields: { Birthdate: false } });
    const after = org.describe('Contact');
    assert.ok((before.body.fields as { name: string }[]).some((f) => f.name === 'Birthdate'));
    assert.ok(!(after.body.fields as { name: string }[]).some((f) => f.name === 'Birthdate'));
    assert.ok(after.lastModified.getTime() > before.lastModified.getTime());
    rejects(() => org.query('SELECT Id, Birthdate FROM Contact'), 400, 'INVALID_FIELD');
    const all = org.query('SELECT FIELDS(ALL) FROM Contact LIMIT 1').records[0]!;
    assert.ok(!('Birthdate' in all));
    org.setPermissions({ object: 'Contact', fields: { Birthdate: true } });
    assert.ok(org.query('SELECT Id, Birthdate FROM Contact').totalSize > 0);
  });

  test('an unreadable object is absent from describeGlobal, 404 on describe and INVALID_TYPE in SOQL', () => {
    org.setPermissions({ object: 'Opportunity', readable: false });
    const names = (org.describeGlobal().body.sobjects as { name: string }[]).map((s) => s.name);
    assert.ok(!names.includes('Opportunity'));
    rejects(() => org.describe('Opportunity'), 404, 'NOT_FOUND', 'The requested resource does not exist');
    rejects(() => org.query('SELECT Id FROM Opportunity'), 400, 'INVALID_TYPE');
    rejects(() => org.query('SELECT Id, Opportunity.Name FROM OpportunityContactRole'), 400, 'INVALID_FIELD');
    org.setPermissions({ object: 'Opportunity', readable: true });
    assert.ok(org.query('SELECT Id FROM Opportunity').totalSize > 0);
  });

  test('hiding a compound field hides its components', () => {
    org.setPermissions({ object: 'Account', fields: { BillingAddress: false } });
    const names = (org.describe('Account').body.fields as { name: string }[]).map((f) => f.name);
    assert.ok(!names.includes('BillingCity') && !names.includes('BillingAddress'));
    org.setPermissions({ object: 'Account', fields: { BillingAddress: true } });
  });

  test('schema changes: new custom object and new field show up in describe and queries', () => {
    const before = org.describeGlobal().lastModified;
    org.addSchema({
      object: 'Project__c',
      fields: [
        { name: 'Budget__c', type: 'currency' },
        { name: 'Account__c', type: 'reference', referenceTo: 'Account' },
        { name: 'Phase__c', type: 'picklist', picklistValues: ['Plan', 'Build'] },
      ],
    });
    const created = org.mutate({
      object: 'Project__c',
      ops: [{ op: 'create', records: [{ Name: 'Apollo', Budget__c: 1200.5, Phase__c: 'Plan' }] }],
    });
    const row = org.query('SELECT Id, Name, Budget__c, Phase__c, Owner.Name FROM Project__c').records[0]!;
    assert.equal(row.Id, created.created[0]);
    assert.equal(row.Budget__c, 1200.5);
    assert.match(String(row.Id), /^a[0-9A-Za-z]{2}/);
    assert.ok(org.describeGlobal().lastModified.getTime() > before.getTime());
    org.addSchema({ object: 'Account', fields: [{ name: 'Tier__c', type: 'string' }] });
    assert.ok((org.describe('Account').body.fields as { name: string }[]).some((f) => f.name === 'Tier__c'));
    assert.equal(org.query('SELECT Tier__c FROM Account LIMIT 1').records[0]!.Tier__c, null);
    assert.throws(() => org.addSchema({ object: 'Bad', fields: [] }), /custom object name ending in __c/);
    assert.throws(
      () => org.addSchema({ object: 'Account', fields: [{ name: 'X__c', type: 'blob' }] }),
      /unsupported field type 'blob'/,
    );
  });

  test('sObject writes: create, update, delete and their Salesforce errors', () => {
    const saved = org.create('Contact', {
      LastName: 'Writer',
      FirstName: 'Wanda',
      Email: 'wanda@example.com',
    });
    assert.equal(saved.success, true);
    assert.match(saved.id, /^003/);
    const rec = org.retrieve('Contact', saved.id, ['Id', 'Name', 'Email']);
    assert.equal(rec.Name, 'Wanda Writer');
    org.update('Contact', saved.id.slice(0, 15), { Title: 'Author' });
    assert.equal(org.retrieve('Contact', saved.id).Title, 'Author');
    rejects(
      () => org.create('Contact', { FirstName: 'NoLast' }),
      400,
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [LastName]',
      ['LastName'],
    );
    rejects(
      () => org.create('Account', { Name: 'x', FavoritePet__c: 'Dog' }),
      400,
      'INVALID_FIELD',
      "No such column 'FavoritePet__c' on sobject of type Account",
    );
    rejects(
      () => org.create('Account', { Name: 'x', SystemModstamp: '2020-01-01T00:00:00Z' }),
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    rejects(
      () => org.create('PlayingCard__c', { Name: 'Ace' }),
      404,
      'NOT_FOUND',
      'The requested resource does not exist',
    );
    rejects(
      () => org.update('Contact', 'a00B000000FSjVUIB1', { Title: 'x' }),
      400,
      'MALFORMED_ID',
      'Record ID: id value of incorrect type: a00B000000FSjVUIB1',
      ['Id'],
    );
    org.delete('Contact', saved.id);
    rejects(() => org.delete('Contact', saved.id), 404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    rejects(() => org.retrieve('Contact', saved.id), 404, 'NOT_FOUND');
    rejects(
      () => org.retrieve('Contact', '23foo'),
      404,
      'NOT_FOUND',
      'Provided external ID field does not exist or is not accessible: 23foo',
    );
  });

  test('restricted picklists reject unknown values', () => {
    org.addSchema({
      object: 'Movie__c',
      fields: [
        { name: 'Rating__c', type: 'picklist', label: 'Rating', picklistValues: ['Excellent', 'Good'] },
      ],
    });
    const field = (org.describe('Movie__c').body.fields as Record<string, unknown>[]).find(
      (f) => f.name === 'Rating__c',
    )!;
    assert.equal(field.restrictedPicklist, true);
    rejects(
      () => org.create('Movie__c', { Name: 'Star Wars', Rating__c: 'Terrible' }),
      400,
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'Rating: bad value for restricted picklist field: Terrible',
      ['Rating__c'],
    );
    const ok = org.create('Movie__c', { Name: 'Empire', Rating__c: 'Excellent' });
    assert.equal(org.retrieve('Movie__c', ok.id).Rating__c, 'Excellent');
  });

  test('file bodies stream deterministically with their declared size', async () => {
    const created = org.mutate({
      object: 'ContentVersion',
      ops: [
        {
          op: 'create',
          records: [{ Title: 'Big', PathOnClient: 'big.pdf', body: { bytes: 300_000, seed: 'x1' } }],
        },
      ],
    });
    const id = created.created[0]!;
    const row = org.query(
      `SELECT Id, ContentSize, FileExtension, ContentDocumentId, IsLatest, VersionNumber FROM ContentVersion WHERE Id = '${id}'`,
    ).records[0]!;
    assert.equal(row.ContentSize, 300_000);
    assert.equal(row.FileExtension, 'pdf');
    assert.equal(row.IsLatest, true);
    const doc = org.query(
      `SELECT Id, LatestPublishedVersionId FROM ContentDocument WHERE Id = '${String(row.ContentDocumentId)}'`,
    ).records[0]!;
    assert.equal(doc.LatestPublishedVersionId, id);
    assert.equal(
      org.query(
        `SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId = '${String(row.ContentDocumentId)}'`,
      ).totalSize,
      1,
    );
    const blob = org.blob('ContentVersion', id, 'versiondata');
    assert.equal(blob.size, 300_000);
    assert.equal(blob.contentType, 'application/pdf');
    const a = await sha256(blob.stream());
    const b = await sha256(org.blob('ContentVersion', id, 'VersionData').stream());
    assert.equal(a.bytes, 300_000);
    assert.equal(a.hex, b.hex);
    const other = await sha256(
      org
        .mutate({
          object: 'Attachment',
          ops: [
            {
              op: 'create',
              records: [{ Name: 'a.pdf', ParentId: String(doc.Id), body: { bytes: 300_000, seed: 'x2' } }],
            },
          ],
        })
        .created.map((x) => org.blob('Attachment', x, 'Body').stream())[0]!,
    );
    assert.notEqual(other.hex, a.hex);
    rejects(() => org.blob('ContentVersion', id, 'Title'), 404, 'NOT_FOUND');
    const uploaded = org.create('Document', {
      Name: 'hello.txt',
      FolderId: org.query('SELECT Id FROM Folder').records[0]!.Id,
      Body: Buffer.from('hello world').toString('base64'),
    });
    const chunks: Buffer[] = [];
    for await (const c of org.blob('Document', uploaded.id, 'Body').stream()) chunks.push(c);
    assert.equal(Buffer.concat(chunks).toString(), 'hello world');
  });
});
