/**
 * What the field history calls each difference between two describes of an object (backup/field-history.ts), for
 * the kinds the end-to-end test does not reach: a type or length change, a label, an object that stopped being
 * queryable, a field gone while FieldDefinition could not be read, and an object deleted from the org.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffObject, type ObjectSide } from '../../src/backup/field-history.js';
import type { DescribeField, ObjectDescribe } from '../../src/salesforce/describe.js';

function field(name: string, extra: Partial<DescribeField> = {}): DescribeField {
  return {
    name,
    label: name,
    type: 'string',
    soapType: 'xsd:string',
    calculated: false,
    calculatedFormula: null,
    compoundFieldName: null,
    referenceTo: [],
    length: 80,
    nillable: true,
    ...extra,
  };
}

function side(fields: DescribeField[], extra: Partial<ObjectSide> = {}, queryable = true): ObjectSide {
  const describe: ObjectDescribe = {
    name: 'Thing__c',
    label: 'Thing',
    queryable,
    replicateable: true,
    fields,
  };
  return {
    access: 'available',
    describe,
    definitions: new Map(fields.map((f) => [f.name, { label: f.label, dataType: 'Text(80)' }])),
    ...extra,
  };
}

describe('field history: what a difference is called', () => {
  test('the same describe twice is no change', () => {
    assert.deepEqual(diffObject(side([field('A__c')]), side([field('A__c')])), []);
  });

  test('a longer text field is a type change; a new label is a label change', () => {
    assert.deepEqual(
      diffObject(side([field('A__c')]), side([field('A__c', { length: 255, label: 'Alpha' })])),
      [
        {
          field: 'A__c',
          change: 'type',
          before: { type: 'string', length: 80 },
          after: { type: 'string', length: 255 },
        },
        { field: 'A__c', change: 'label', before: 'A__c', after: 'Alpha' },
      ],
    );
    assert.deepEqual(
      diffObject(side([field('A__c')]), side([field('A__c', { type: 'textarea', length: 80 })])).map(
        (c) => c.change,
      ),
      ['type'],
    );
  });

  test('an object no longer queryable', () => {
    assert.deepEqual(diffObject(side([field('A__c')]), side([field('A__c')], {}, false)), [
      { field: null, change: 'queryable', before: true, after: false },
    ]);
  });

  test('a field gone while FieldDefinition cannot be read: removed or hidden, not guessed', () => {
    assert.deepEqual(
      diffObject(side([field('A__c'), field('B__c')]), side([field('A__c')], { definitions: null })),
      [
        {
          field: 'B__c',
          change: 'removed-or-hidden',
          before: { label: 'B__c', type: 'string', length: 80, readable: true },
          after: null,
        },
      ],
    );
  });

  test('an object gone from the user’s view and from FieldDefinition was removed from the org', () => {
    const gone = side([field('A__c')], { access: 'unavailable', definitions: new Map() });
    assert.deepEqual(diffObject(side([field('A__c')]), gone), [
      { field: null, change: 'removed', before: { readable: true }, after: null },
    ]);
  });
});
