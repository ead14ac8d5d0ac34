/**
 * Builds the org's sObjects: standard objects from real describe payloads (./payloads, sources in
 * ./payloads/README.md), flags from the real describeGlobal, and the objects real orgs have that no
 * payload covers (history, share, products, …) from compact field lists.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { checkDescribe } from './describe-check.js';
import { completeFieldEntry } from './field-entry.js';
import type { CompoundParts, FieldDef, FormulaFn, ObjectDef, QueryRule, Row } from './model.js';
import { DAY_MS } from '../datetime.js';

const PAYLOAD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'payloads');

function loadJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(PAYLOAD_DIR, file), 'utf8')) as Record<string, unknown>;
}

let globalCache: Map<string, Record<string, unknown>> | null = null;
/** The real describeGlobal entries by name (flags only; urls are rebuilt per API version). */
function realGlobalEntries(): Map<string, Record<string, unknown>> {
  if (!globalCache) {
    const g = loadJson('describeGlobal.cumulusci-v48.json');
    globalCache = new Map();
    for (const s of g.sobjects as Record<string, unknown>[]) {
      const { urls: _urls, ...flags } = s;
      globalCache.set(String(s.name), flags);
    }
  }
  return globalCache;
}

const STANDARD_PAYLOADS: [string, string][] = [
  ['Account', 'describe-Account.cumulusci-v48.json'],
  ['Contact', 'describe-Contact.cumulusci-v48.json'],
  ['Lead', 'describe-Lead.cumulusci-cassette-v59.json'],
  ['Opportunity', 'describe-Opportunity.cumulusci-v48.json'],
  ['Case', 'describe-Case.cumulusci-v48.json'],
  ['Event', 'describe-Event.cumulusci-cassette.json'],
  ['User', 'describe-User.forcetoolkit-net-v29.json'],
  ['OpportunityContactRole', 'describe-OpportunityContactRole.cumulusci-v48.json'],
  ['Task', 'describe-Task.soqlmetadata-trimmed.json'],
  ['Campaign', 'describe-Campaign.soqlmetadata-trimmed.json'],
  ['CampaignMember', 'describe-CampaignMember.soqlmetadata-trimmed.json'],
  ['ContentVersion', 'describe-ContentVersion.soqlmetadata-trimmed.json'],
  ['ContentDocument', 'describe-ContentDocument.soqlmetadata-trimmed.json'],
  ['ContentDocumentLink', 'describe-ContentDocumentLink.soqlmetadata-trimmed.json'],
  ['Attachment', 'describe-Attachment.soqlmetadata-trimmed.json'],
  ['Document', 'describe-Document.soqlmetadata-trimmed.json'],
  ['FeedItem', 'describe-FeedItem.soqlmetadata-trimmed.json'],
  ['CustomObject__c', 'describe-CustomObject__c.restforce-db.json'],
  ['CustomObjectDetail__c', 'describe-CustomObjectDetail__c.restforce-db.json'],
];

/** Restrictions of facts §3.3 (exact Salesforce messages). */
const QUERY_RULES: Record<string, QueryRule> = {
  ContentDocumentLink: {
    kind: 'idFilter',
    fields: ['ContentDocumentId', 'LinkedEntityId', 'Id'],
    message:
      "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
  },
  ContentFolderItem: {
    kind: 'idFilter',
    fields: ['Id', 'ParentContentFolderId'],
    message:
      "Implementation restriction: ContentFolderItem requires a filter by Id or ParentContentFolderId using the equals or 'IN' operator",
  },
  Vote: {
    kind: 'idFilter',
    fields: ['ParentId', 'Id'],
    message:
      "Implementation restriction: When querying the Vote object, you must filter using the following syntax: ParentId = [single ID], Parent.Type = [single Type], Id = [single ID], or Id IN [list of ID's].",
  },
};

/** Objects the Bulk API does not support (facts §3.3, backup-tool practice). */
const BULK_UNSUPPORTED = new Set([
  'Attachment',
  'TaskStatus',
  'LeadStatus',
  'OpportunityStage',
  'CaseStatus',
  'AccountFeed',
  'UserRecordAccess',
]);

/** Objects a backup cannot query (INVALID_TYPE_FOR_OPERATION), listed in describeGlobal with queryable:false. */
const NOT_QUERYABLE = [
  'ActivityHistory',
  'OpenActivity',
  'NoteAndAttachment',
  'AggregateResult',
  'AccountChangeEvent',
  'ContactChangeEvent',
  'OpportunityChangeEvent',
  'CaseChangeEvent',
];

type FieldSpec = [name: string, type: string, extra?: Record<string, unknown>];

const ref = (
  to: string | string[],
  relationshipName: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  referenceTo: Array.isArray(to) ? to : [to],
  relationshipName,
  ...extra,
});
const pick = (...values: string[]): Record<string, unknown> => ({
  picklistValues: values.map((v, i) => ({
    active: true,
    defaultValue: i === 0,
    label: v,
    validFor: null,
    value: v,
  })),
});

const AUDIT_FIELDS: FieldSpec[] = [
  ['CreatedDate', 'datetime'],
  ['CreatedById', 'reference', ref('User', 'CreatedBy')],
  ['LastModifiedDate', 'datetime'],
  ['LastModifiedById', 'reference', ref('User', 'LastModifiedBy')],
  ['SystemModstamp', 'datetime'],
];
const std = (named: boolean, owned: boolean, rest: FieldSpec[]): FieldSpec[] => [
  ['Id', 'id'],
  ['IsDeleted', 'boolean'],
  ...(named ? ([['Name', 'string', { nillable: false, nameField: true }]] as FieldSpec[]) : []),
  ...(owned
    ? ([['OwnerId', 'reference', ref(['Group', 'User'], 'Owner', { nillable: false })]] as FieldSpec[])
    : []),
  ...rest,
  ...AUDIT_FIELDS,
];

/** Objects no licensed payload covers, as compact field lists (names/types as in real orgs). */
const SYNTHESIZED: Record<string, { fields: FieldSpec[]; idPrefix?: string; label?: string }> = {
  Organization: {
    fields: [
      ['Id', 'id'],
      ['Name', 'string', { nillable: false }],
      ['InstanceName', 'string'],
      ['IsSandbox', 'boolean'],
      ['TrialExpirationDate', 'datetime'],
      ['NamespacePrefix', 'string'],
      ['OrganizationType', 'picklist', pick('Developer Edition', 'Enterprise Edition')],
      ['Country', 'string'],
      ['DefaultLocaleSidKey', 'picklist'],
      ['TimeZoneSidKey', 'picklist'],
      // The standard fiscal year, read by the SOQL FISCAL_*() date functions.
      ['FiscalYearStartMonth', 'int'],
      ['UsesStartDateAsFiscalYearName', 'boolean'],
      ...AUDIT_FIELDS,
    ],
  },
  Note: {
    fields: std(false, true, [
      ['ParentId', 'reference', ref(['Account', 'Contact', 'Opportunity', 'Case'], 'Parent')],
      ['Title', 'string', { nillable: false, nameField: true }],
      ['IsPrivate', 'boolean'],
      ['Body', 'textarea'],
    ]),
  },
  Product2: {
    fields: std(true, false, [
      ['ProductCode', 'string'],
      ['Description', 'textarea'],
      ['IsActive', 'boolean'],
      ['Family', 'picklist', pick('Hardware', 'Software', 'Services')],
    ]),
  },
  Pricebook2: {
    fields: std(true, false, [
      ['IsActive', 'boolean'],
      ['IsStandard', 'boolean'],
      ['Description', 'string'],
    ]),
  },
  PricebookEntry: {
    fields: std(true, false, [
      ['Pricebook2Id', 'reference', ref('Pricebook2', 'Pricebook2', { nillable: false })],
      ['Product2Id', 'reference', ref('Product2', 'Product2', { nillable: false })],
      ['UnitPrice', 'currency', { nillable: false }],
      ['IsActive', 'boolean'],
    ]),
  },
  OpportunityLineItem: {
    fields: std(true, false, [
      ['OpportunityId', 'reference', ref('Opportunity', 'Opportunity', { nillable: false })],
      ['PricebookEntryId', 'reference', ref('PricebookEntry', 'PricebookEntry')],
      ['Quantity', 'double', { nillable: false }],
      ['UnitPrice', 'currency'],
      ['TotalPrice', 'currency'],
      ['ServiceDate', 'date'],
    ]),
  },
  Asset: {
    fields: std(true, true, [
      ['AccountId', 'reference', ref('Account', 'Account')],
      ['ContactId', 'reference', ref('Contact', 'Contact')],
      ['SerialNumber', 'string'],
      ['InstallDate', 'date'],
      ['Status', 'picklist', pick('Purchased', 'Shipped', 'Installed')],
      ['Price', 'currency'],
      ['Quantity', 'double'],
    ]),
  },
  Contract: {
    fields: std(false, true, [
      ['AccountId', 'reference', ref('Account', 'Account', { nillable: false })],
      [
        'ContractNumber',
        'string',
        { autoNumber: true, nameField: true, createable: false, updateable: false },
      ],
      ['Status', 'picklist', pick('Draft', 'Activated')],
      ['StartDate', 'date'],
      ['ContractTerm', 'int'],
      ['Description', 'textarea'],
    ]),
  },
  Solution: {
    fields: std(false, true, [
      ['SolutionName', 'string', { nillable: false, nameField: true }],
      ['SolutionNumber', 'string', { autoNumber: true, createable: false, updateable: false }],
      ['Status', 'picklist', pick('Draft', 'Reviewed')],
      ['SolutionNote', 'textarea'],
    ]),
  },
  CaseComment: {
    fields: std(false, false, [
      ['ParentId', 'reference', ref('Case', 'Parent', { nillable: false })],
      ['IsPublished', 'boolean'],
      ['CommentBody', 'textarea'],
    ]),
    idPrefix: '00a',
  },
  EmailMessage: {
    fields: std(false, false, [
      ['ParentId', 'reference', ref('Case', 'Parent')],
      ['Subject', 'string'],
      ['FromAddress', 'email'],
      ['ToAddress', 'string'],
      ['TextBody', 'textarea'],
      ['MessageDate', 'datetime'],
      ['Incoming', 'boolean'],
      ['Status', 'picklist', pick('0', '1', '2', '3')],
    ]),
  },
  RecordType: {
    fields: std(true, false, [
      ['DeveloperName', 'string'],
      ['SobjectType', 'picklist'],
      ['IsActive', 'boolean'],
      ['Description', 'string'],
    ]),
  },
  Profile: {
    fields: std(true, false, [
      ['UserType', 'picklist'],
      ['Description', 'string'],
    ]),
  },
  UserRole: {
    fields: [
      ['Id', 'id'],
      ['Name', 'string', { nillable: false }],
      ['ParentRoleId', 'reference', ref('UserRole', 'ParentRole')],
      ['DeveloperName', 'string'],
      ['LastModifiedDate', 'datetime'],
      ['LastModifiedById', 'reference', ref('User', 'LastModifiedBy')],
      ['SystemModstamp', 'datetime'],
    ],
  },
  Group: {
    fields: [
      ['Id', 'id'],
      ['Name', 'string'],
      ['DeveloperName', 'string'],
      ['Type', 'picklist', pick('Regular', 'Queue', 'Role')],
      ['Email', 'email'],
      ...AUDIT_FIELDS,
    ],
  },
  Folder: {
    fields: [
      ['Id', 'id'],
      ['Name', 'string', { nillable: false }],
      ['DeveloperName', 'string'],
      ['AccessType', 'picklist'],
      ['Type', 'picklist', pick('Document', 'Email', 'Report')],
      ...AUDIT_FIELDS,
    ],
  },
  Idea: {
    fields: std(false, false, [
      ['Title', 'string', { nillable: false, nameField: true }],
      ['Body', 'textarea'],
      ['Status', 'picklist'],
      ['VoteTotal', 'double'],
    ]),
  },
  Vote: {
    fields: [
      ['Id', 'id'],
      ['IsDeleted', 'boolean'],
      ['ParentId', 'reference', ref(['Idea'], 'Parent', { nillable: false })],
      ['Type', 'picklist', pick('Up', 'Down')],
      ...AUDIT_FIELDS,
    ],
  },
  ContentFolderItem: {
    fields: [
      ['Id', 'id'],
      ['IsDeleted', 'boolean'],
      ['ParentContentFolderId', 'reference', ref('ContentFolder', 'ParentContentFolder')],
      ['Title', 'string'],
      ['IsFolder', 'boolean'],
      ...AUDIT_FIELDS,
    ],
    idPrefix: '07v',
  },
  TopicAssignment: {
    fields: [
      ['Id', 'id'],
      ['IsDeleted', 'boolean'],
      ['TopicId', 'reference', ref('Topic', 'Topic', { nillable: false })],
      ['EntityId', 'reference', ref(['Account', 'Opportunity', 'Case'], 'Entity', { nillable: false })],
      ['CreatedDate', 'datetime'],
      ['CreatedById', 'reference', ref('User', 'CreatedBy')],
      ['SystemModstamp', 'datetime'],
    ],
  },
  Topic: {
    fields: [
      ['Id', 'id'],
      ['Name', 'string', { nillable: false }],
      ['Description', 'textarea'],
      ['TalkingAbout', 'int'],
      ['CreatedDate', 'datetime'],
      ['CreatedById', 'reference', ref('User', 'CreatedBy')],
      ['SystemModstamp', 'datetime'],
    ],
  },
  ...Object.fromEntries(NOT_QUERYABLE.map((name) => [name, { fields: [['Id', 'id'] as FieldSpec] }])),
};

/** Field history objects: CreatedDate but no SystemModstamp (facts, task brief). */
const HISTORY_OBJECTS: [name: string, parent: string, parentField: string][] = [
  ['AccountHistory', 'Account', 'AccountId'],
  ['ContactHistory', 'Contact', 'ContactId'],
  ['LeadHistory', 'Lead', 'LeadId'],
  ['CaseHistory', 'Case', 'CaseId'],
  ['OpportunityFieldHistory', 'Opportunity', 'OpportunityId'],
];
const SHARE_OBJECTS: [name: string, parent: string, parentField: string, level: string][] = [
  ['AccountShare', 'Account', 'AccountId', 'AccountAccessLevel'],
  ['OpportunityShare', 'Opportunity', 'OpportunityId', 'OpportunityAccessLevel'],
  ['CaseShare', 'Case', 'CaseId', 'CaseAccessLevel'],
  ['LeadShare', 'Lead', 'LeadId', 'LeadAccessLevel'],
];
for (const [name, parent, parentField] of HISTORY_OBJECTS) {
  SYNTHESIZED[name] = {
    idPrefix: name === 'OpportunityFieldHistory' ? '008' : '017',
    fields: [
      ['Id', 'id'],
      ['IsDeleted', 'boolean'],
      [parentField, 'reference', ref(parent, parent, { nillable: false })],
      ['CreatedById', 'reference', ref('User', 'CreatedBy')],
      ['CreatedDate', 'datetime'],
      [
        'Field',
        'picklist',
        pick('created', 'Name', 'Industry', 'StageName', 'Amount', 'Status', 'Email', 'Phone', 'Owner'),
      ],
      ['DataType', 'picklist', pick('Text', 'Currency', 'DynamicEnum', 'EntityId')],
      ['OldValue', 'anyType'],
      ['NewValue', 'anyType'],
    ],
  };
}
for (const [name, parent, parentField, level] of SHARE_OBJECTS) {
  SYNTHESIZED[name] = {
    fields: [
      ['Id', 'id'],
      [parentField, 'reference', ref(parent, parent, { nillable: false })],
      ['UserOrGroupId', 'reference', ref(['Group', 'User'], 'UserOrGroup', { nillable: false })],
      [level, 'picklist', pick('Read', 'Edit', 'All')],
      ['RowCause', 'picklist', pick('Owner', 'Manual', 'Rule', 'ImplicitChild')],
      ['LastModifiedDate', 'datetime'],
      ['LastModifiedById', 'reference', ref('User', 'LastModifiedBy')],
      ['IsDeleted', 'boolean'],
    ],
  };
}

/**
 * Formula fields added to the standard objects (describe `calculated:true`). Their values change
 * with time or related data without a write to the record, so SystemModstamp does not move.
 */
const FORMULAS: {
  object: string;
  name: string;
  type: string;
  label: string;
  formula: string;
  fn: FormulaFn;
  extra?: Record<string, unknown>;
}[] = [
  {
    object: 'Account',
    name: 'Days_Since_Created__c',
    type: 'double',
    label: 'Days Since Created',
    formula: 'TODAY() - DATEVALUE(CreatedDate)',
    fn: (row, ctx) =>
      typeof row.CreatedDate === 'number'
        ? Math.floor(ctx.nowMs / DAY_MS) - Math.floor(row.CreatedDate / DAY_MS)
        : null,
    extra: { precision: 18, scale: 0 },
  },
  {
    object: 'Contact',
    name: 'Account_Name__c',
    type: 'string',
    label: 'Account Name (formula)',
    formula: 'Account.Name',
    fn: (row, ctx) => {
      const parent = typeof row.AccountId === 'string' ? ctx.lookup(row.AccountId) : null;
      return parent && parent.IsDeleted !== true ? ((parent.Name as string | undefined) ?? null) : null;
    },
    extra: { length: 1300, byteLength: 3900 },
  },
  {
    object: 'Opportunity',
    name: 'Days_To_Close__c',
    type: 'double',
    label: 'Days To Close',
    formula: 'CloseDate - TODAY()',
    fn: (row, ctx) =>
      typeof row.CloseDate === 'string'
        ? Math.round(
            (Date.parse(row.CloseDate + 'T00:00:00Z') - Math.floor(ctx.nowMs / DAY_MS) * DAY_MS) / DAY_MS,
          )
        : null,
    extra: { precision: 18, scale: 0 },
  },
];

/** A custom geolocation field on Account, to exercise `location` compounds. */
const LOCATION_FIELDS: { object: string; name: string; label: string }[] = [
  { object: 'Account', name: 'Site_Location__c', label: 'Site Location' },
];

function buildFieldDef(entry: Record<string, unknown>): FieldDef {
  const type = String(entry.type);
  const picklistValues = entry.picklistValues as { value: string; active?: boolean }[] | undefined;
  return {
    name: String(entry.name),
    lower: String(entry.name).toLowerCase(),
    type,
    describe: entry,
    stored: !(type === 'address' || type === 'location' || entry.calculated === true),
    compound: null,
    formula: null,
    referenceTo: (entry.referenceTo as string[] | undefined) ?? [],
    relationshipName: (entry.relationshipName as string | null | undefined) ?? null,
    picklist:
      (type === 'picklist' || type === 'multipicklist') && picklistValues && picklistValues.length > 0
        ? picklistValues.map((p) => p.value)
        : null,
    restrictedPicklist: entry.restrictedPicklist === true,
    createable: entry.createable === true,
    updateable: entry.updateable === true,
    nillable: entry.nillable === true,
    defaultedOnCreate: entry.defaultedOnCreate === true,
    custom: entry.custom === true,
    filterable: entry.filterable !== false,
    sortable: entry.sortable !== false,
  };
}

/** Links compound fields to their components (address: Billing*; location: X__Latitude__s). */
function linkCompounds(fields: FieldDef[]): void {
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const f of fields) {
    if (f.type === 'address') {
      const base = f.name.endsWith('Address') ? f.name.slice(0, -'Address'.length) : f.name;
      const parts: CompoundParts['parts'] = [];
      for (const [key, suffix] of [
        ['city', 'City'],
        ['country', 'Country'],
        ['countryCode', 'CountryCode'],
        ['geocodeAccuracy', 'GeocodeAccuracy'],
        ['latitude', 'Latitude'],
        ['longitude', 'Longitude'],
        ['postalCode', 'PostalCode'],
        ['state', 'State'],
        ['stateCode', 'StateCode'],
        ['street', 'Street'],
      ] as const) {
        parts.push([key, byName.has(base + suffix) ? base + suffix : '']);
      }
      f.compound = { kind: 'address', parts };
    } else if (f.type === 'location') {
      const base = f.name.replace(/__c$/, '');
      f.compound = {
        kind: 'location',
        parts: [
          ['latitude', `${base}__Latitude__s`],
          ['longitude', `${base}__Longitude__s`],
        ],
      };
    }
  }
}

export function makeObjectDef(args: {
  name: string;
  fields: Record<string, unknown>[];
  top?: Record<string, unknown>;
  childRelationships?: Record<string, unknown>[];
  keyPrefix: string | null;
  idPrefix: string;
  custom: boolean;
  global?: Record<string, unknown>;
  nowMs: number;
}): ObjectDef {
  checkDescribe(args.name, args.top, args.fields);
  const fields = args.fields.map((f) => buildFieldDef(completeFieldEntry(f)));
  linkCompounds(fields);
  const label = String(
    args.top?.label ?? args.global?.label ?? args.name.replace(/__c$/, '').replace(/_/g, ' '),
  );
  const labelPlural = String(args.top?.labelPlural ?? args.global?.labelPlural ?? label + 's');
  const global: Record<string, unknown> = {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: true,
    custom: args.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: true,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: args.keyPrefix,
    label,
    labelPlural,
    layoutable: true,
    mergeable: false,
    mruEnabled: true,
    name: args.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: true,
    updateable: true,
    ...(args.global ?? {}),
  };
  global.keyPrefix = args.keyPrefix;
  const assoc = /^(.*)(History|Share|Feed|ChangeEvent)$/.exec(args.name);
  if (assoc && !args.custom && args.name !== 'OpportunityFieldHistory') {
    global.associateEntityType = assoc[2];
    global.associateParentEntity = assoc[1];
  } else if (args.name === 'OpportunityFieldHistory') {
    global.associateEntityType = 'History';
    global.associateParentEntity = 'Opportunity';
  }
  const byLower = new Map(fields.map((f) => [f.lower, f]));
  const byRelationship = new Map<string, FieldDef>();
  for (const f of fields) if (f.relationshipName) byRelationship.set(f.relationshipName.toLowerCase(), f);
  return {
    name: args.name,
    lower: args.name.toLowerCase(),
    keyPrefix: args.keyPrefix,
    idPrefix: args.idPrefix,
    custom: args.custom,
    global,
    top: args.top ?? {},
    childRelationships: args.childRelationships ?? [],
    fields,
    byLower,
    byRelationship,
    queryRule:
      QUERY_RULES[args.name] ?? (global.queryable === false ? { kind: 'notQueryable' } : { kind: 'ok' }),
    bulkSupported: !BULK_UNSUPPORTED.has(args.name) && !args.name.endsWith('Feed'),
    readable: true,
    hiddenFields: new Set(),
    lastModifiedMs: args.nowMs,
    hasModstamp: byLower.has('systemmodstamp'),
  };
}

/** Rebuilds indexes after fields were added. */
export function reindexObject(obj: ObjectDef): void {
  linkCompounds(obj.fields);
  obj.byLower = new Map(obj.fields.map((f) => [f.lower, f]));
  obj.byRelationship = new Map();
  for (const f of obj.fields)
    if (f.relationshipName) obj.byRelationship.set(f.relationshipName.toLowerCase(), f);
  obj.hasModstamp = obj.byLower.has('systemmodstamp');
}

function idPrefixFor(name: string, keyPrefix: string | null, fallback: string): string {
  return keyPrefix ?? SYNTHESIZED[name]?.idPrefix ?? fallback;
}

/** Every standard and sample object of a fresh org, keyed by lower-case name. */
export function standardObjects(nowMs: number): Map<string, ObjectDef> {
  const real = realGlobalEntries();
  const out = new Map<string, ObjectDef>();
  let virtualPrefix = 0;
  const nextVirtual = (): string => `0X${String.fromCharCode(65 + (virtualPrefix++ % 26))}`;
  for (const [name, file] of STANDARD_PAYLOADS) {
    const d = loadJson(file);
    const { fields, childRelationships, urls: _urls, ...top } = d;
    const g = real.get(name);
    const keyPrefix =
      (d.keyPrefix as string | null | undefined) ?? (g?.keyPrefix as string | null | undefined) ?? null;
    const custom = name.endsWith('__c');
    const extraFields: Record<string, unknown>[] = [];
    for (const f of FORMULAS.filter((x) => x.object === name)) {
      extraFields.push({
        name: f.name,
        type: f.type,
        label: f.label,
        calculated: true,
        calculatedFormula: f.formula,
        createable: false,
        updateable: false,
        nillable: true,
        custom: true,
        ...f.extra,
      });
    }
    for (const loc of LOCATION_FIELDS.filter((x) => x.object === name)) {
      const base = loc.name.replace(/__c$/, '');
      extraFields.push(
        {
          name: loc.name,
          type: 'location',
          label: loc.label,
          custom: true,
          nillable: true,
          createable: false,
          updateable: false,
        },
        {
          name: `${base}__Latitude__s`,
          type: 'double',
          label: `${loc.label} (Latitude)`,
          custom: true,
          compoundFieldName: loc.name,
          precision: 18,
          scale: 15,
        },
        {
          name: `${base}__Longitude__s`,
          type: 'double',
          label: `${loc.label} (Longitude)`,
          custom: true,
          compoundFieldName: loc.name,
          precision: 18,
          scale: 15,
        },
      );
    }
    const obj = makeObjectDef({
      name,
      fields: [...(fields as Record<string, unknown>[]), ...extraFields],
      top: top as Record<string, unknown>,
      childRelationships: childRelationships as Record<string, unknown>[],
      keyPrefix,
      idPrefix: idPrefixFor(name, keyPrefix, nextVirtual()),
      custom,
      ...(g ? { global: g } : {}),
      nowMs,
    });
    for (const f of FORMULAS.filter((x) => x.object === name)) {
      const def = obj.byLower.get(f.name.toLowerCase());
      if (def) def.formula = f.fn;
    }
    out.set(obj.lower, obj);
  }
  for (const [name, spec] of Object.entries(SYNTHESIZED)) {
    const g = real.get(name);
    const keyPrefix = (g?.keyPrefix as string | null | undefined) ?? null;
    const obj = makeObjectDef({
      name,
      fields: spec.fields.map(([n, t, extra]) => ({ name: n, type: t, ...(extra ?? {}) })),
      keyPrefix,
      idPrefix: idPrefixFor(name, keyPrefix, nextVirtual()),
      custom: false,
      ...(g ? { global: g } : {}),
      nowMs,
    });
    out.set(obj.lower, obj);
  }
  return out;
}

/** Per object, the stored fields its blank row was last made with, and that row (see blankRow). */
const blankRows = new WeakMap<ObjectDef, { names: string; row: Row }>();

/**
 * Rows of objects that hold them: every stored field present (null when not given), in field order. Each is a
 * copy of one blank row per object, parsed from JSON, so an object's rows share one hidden class with fast
 * properties; a row built key by key passes V8's limit for properties added by computed name and becomes a
 * dictionary, every read of its fields (filters, sorts, query pages) a hash lookup. The blank row is made again
 * when the object's stored fields change (custom fields added or removed).
 */
export function blankRow(obj: ObjectDef): Row {
  const stored = obj.fields.filter((f) => f.stored).map((f) => f.name);
  const names = JSON.stringify(stored);
  let blank = blankRows.get(obj);
  if (!blank || blank.names !== names) {
    const text = `{${stored.map((n) => `${JSON.stringify(n)}:null`).join(',')}}`;
    blank = { names, row: JSON.parse(text) as Row };
    blankRows.set(obj, blank);
  }
  return { ...blank.row };
}
