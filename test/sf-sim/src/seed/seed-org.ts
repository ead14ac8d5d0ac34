/**
 * Data sets: `none` (org row, profiles, the integration user), `small` (a few hundred records
 * over ~30 objects, with files; loads in well under a second) and `demo` (a believable org:
 * ~40 objects with data, tens of thousands of records, files of realistic sizes). Deterministic by
 * seed value; dates laid out over the three years before the org's epoch day, with same-second
 * ties (imports), soft and hard deletes, and some records edited after creation.
 */
import type { SeedName } from '../org/api.js';
import type { OrgImpl } from '../org/sim-org.js';
import type { ObjectDef, Row } from '../org/schema/model.js';
import type { WriteTiming } from '../org/records.js';
import { Rng } from './random.js';
import { DAY_MS, isoDate, truncateToSecond } from '../org/datetime.js';
import * as words from './words.js';

const YEAR_MS = 365 * DAY_MS;

export class SeedWriter {
  readonly rng: Rng;
  constructor(
    readonly org: OrgImpl,
    seedValue: string,
    readonly epochMs: number,
  ) {
    this.rng = new Rng(`seed:${seedValue}`);
  }

  obj(name: string): ObjectDef {
    const o = this.org.book.object(name);
    if (!o) throw new Error(`seed: unknown object ${name}`);
    return o;
  }

  timing(ms: number, userId?: string): WriteTiming {
    return {
      nowMs: this.epochMs,
      systemModstamp: truncateToSecond(ms),
      userId: userId ?? this.org.integrationUser.id,
    };
  }

  /** A creation time in the past `years` years (skewed to recent). */
  pastTime(years = 3): number {
    const r = this.rng.next();
    return truncateToSecond(this.epochMs - DAY_MS - Math.floor(r * r * years * YEAR_MS));
  }

  /** A modification time between created and the epoch. */
  laterTime(created: number): number {
    if (this.rng.chance(0.45)) return created;
    return truncateToSecond(created + Math.floor(this.rng.next() * (this.epochMs - DAY_MS - created)));
  }

  add(name: string, fields: Row, created?: number, modified?: number, fixedId?: string): string {
    const c = created ?? this.pastTime();
    const m = modified ?? this.laterTime(c);
    const obj = this.obj(name);
    for (const key of Object.keys(fields)) {
      if (!obj.byLower.get(key.toLowerCase())?.stored)
        throw new Error(`seed: ${key} is not a stored field of ${name}`);
    }
    const row: Row = { ...fields };
    if (obj.byLower.has('createddate')) row.CreatedDate = c;
    if (obj.byLower.has('lastmodifieddate')) row.LastModifiedDate = m;
    const t = this.timing(obj.hasModstamp ? m : c, fields.OwnerId as string | undefined);
    t.userId = this.org.integrationUser.id;
    if (name === 'ContentVersion') return this.org.insertWithHooks(obj, row, t);
    return this.org.book.insert(obj, row, t, fixedId);
  }

  softDelete(name: string, id: string, when: number): void {
    this.org.book.softDelete(this.obj(name), id, this.timing(this.notBeforeLatest(name, id, when)));
  }

  hardDelete(name: string, id: string, when: number): void {
    this.org.book.hardDelete(this.obj(name), id, this.timing(this.notBeforeLatest(name, id, when)));
  }

  update(name: string, id: string, set: Row, when: number): void {
    this.org.book.modify(this.obj(name), id, set, this.timing(this.notBeforeLatest(name, id, when)));
  }

  /**
   * A change to an existing record is stamped no earlier than its latest version: Salesforce stamps each save
   * with the time it commits, so a record's SystemModstamp only moves forward (a seed drawing a random past time
   * for an edit could otherwise write a newer version that looks older than, or as old as, the one it replaces).
   */
  private notBeforeLatest(name: string, id: string, when: number): number {
    const obj = this.obj(name);
    if (!obj.hasModstamp) return when;
    const latest = this.org.book.latest(obj, id).row.SystemModstamp;
    return typeof latest === 'number' && latest >= when ? latest + 1000 : when;
  }
}

function sized(mode: SeedName, small: number, demo: number): number {
  return mode === 'demo' ? demo : mode === 'small' ? small : 0;
}

/** File size: small seeds keep files tiny; demo uses a long-tailed spread (2 KB … ~8 MB). */
function fileSize(w: SeedWriter, mode: SeedName): number {
  if (mode !== 'demo') return 200 + w.rng.int(0, 20_000);
  const r = w.rng.next();
  return Math.floor(2_000 * Math.pow(4_000, r * r));
}

export function seedOrg(org: OrgImpl, mode: SeedName, seedValue: string, epochMs: number): void {
  const w = new SeedWriter(org, seedValue, epochMs);
  const rng = w.rng;
  const orgCreated = truncateToSecond(epochMs - 3 * YEAR_MS - 30 * DAY_MS);

  // Always: the org, profiles, roles and the integration user (Id 005…1).
  const profileAdmin = w.add(
    'Profile',
    { Name: 'System Administrator', UserType: 'Standard' },
    orgCreated,
    orgCreated,
  );
  w.add('Profile', { Name: 'Standard User', UserType: 'Standard' }, orgCreated, orgCreated);
  const roleCeo = w.add('UserRole', { Name: 'CEO', DeveloperName: 'CEO' }, orgCreated, orgCreated);
  const u = org.integrationUser;
  w.add(
    'User',
    {
      Username: u.username,
      FirstName: u.firstName,
      LastName: u.lastName,
      Email: u.email,
      Alias: 'integ',
      IsActive: true,
      ProfileId: profileAdmin,
      UserRoleId: roleCeo,
      TimeZoneSidKey: 'GMT',
      LocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
      UserType: 'Standard',
      CommunityNickname: 'integration',
    },
    orgCreated,
    orgCreated,
  );
  w.add(
    'Organization',
    {
      Name: `Simulated Org ${org.org15}`,
      InstanceName: 'SIM1',
      IsSandbox: false,
      OrganizationType: 'Developer Edition',
      Country: 'US',
      DefaultLocaleSidKey: 'en_US',
      TimeZoneSidKey: 'GMT',
    },
    orgCreated,
    orgCreated,
    org.orgId,
  );
  if (mode === 'none') return;

  const users = [u.id];
  for (let i = 0; i < sized(mode, 4, 25); i++) {
    const first = rng.pick(words.FIRST_NAMES);
    const last = rng.pick(words.LAST_NAMES);
    const username = `${first}.${last}.${i}@${org.org15.toLowerCase()}.sim`.toLowerCase();
    users.push(
      w.add(
        'User',
        {
          Username: username,
          FirstName: first,
          LastName: last,
          Email: username,
          Alias: `${first.slice(0, 4)}${i}`.toLowerCase(),
          IsActive: rng.chance(0.9),
          ProfileId: profileAdmin,
          TimeZoneSidKey: 'America/Los_Angeles',
          LocaleSidKey: 'en_US',
          LanguageLocaleKey: 'en_US',
          EmailEncodingKey: 'UTF-8',
          UserType: 'Standard',
          Title: rng.pick(words.TITLES),
        },
        w.pastTime(3),
      ),
    );
  }
  const owner = (): string => rng.pick(users);
  w.add(
    'Group',
    { Name: 'Support Queue', DeveloperName: 'Support_Queue', Type: 'Queue', Email: 'support@example.com' },
    orgCreated,
  );
  const folder = w.add(
    'Folder',
    { Name: 'Shared Documents', DeveloperName: 'Shared_Documents', AccessType: 'Public', Type: 'Document' },
    orgCreated,
  );

  // Accounts with addresses; a slice imported in one second (same SystemModstamp).
  const accounts: string[] = [];
  const importSecond = w.pastTime(2);
  const nAccounts = sized(mode, 30, 2500);
  for (let i = 0; i < nAccounts; i++) {
    const city = rng.pick(words.CITIES);
    const imported = i % 10 === 3;
    const located = rng.chance(0.3);
    const created = imported ? importSecond : w.pastTime();
    accounts.push(
      w.add(
        'Account',
        {
          Name: `${rng.pick(words.COMPANY_A)} ${rng.pick(words.COMPANY_B)}${i > 40 ? ' ' + i : ''}`,
          Type: rng.pick(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner']),
          Industry: rng.pick(words.INDUSTRIES),
          BillingStreet: `${rng.int(1, 999)} ${rng.pick(words.STREETS)}`,
          BillingCity: city[0],
          BillingState: city[1],
          BillingPostalCode: String(rng.int(10000, 99999)),
          BillingCountry: 'US',
          BillingLatitude: city[2],
          BillingLongitude: city[3],
          ShippingCity: rng.chance(0.5) ? city[0] : null,
          Phone: `(${rng.int(200, 999)}) 555-${String(rng.int(0, 9999)).padStart(4, '0')}`,
          Website: rng.chance(0.7) ? `https://www.example${i}.com` : null,
          AnnualRevenue: rng.chance(0.8) ? rng.int(1, 5000) * 10000 : null,
          NumberOfEmployees: rng.int(1, 20000),
          Description: rng.chance(0.3) ? `Key account in ${city[0]}.\nRenewal due next quarter.` : null,
          Rating: rng.pick(['Hot', 'Warm', 'Cold']),
          Site_Location__Latitude__s: located ? city[2] : null,
          Site_Location__Longitude__s: located ? city[3] : null,
          OwnerId: owner(),
        },
        created,
        imported ? importSecond : undefined,
      ),
    );
  }
  // Contacts
  const contacts: string[] = [];
  for (let i = 0; i < sized(mode, 60, 6000); i++) {
    const first = rng.pick(words.FIRST_NAMES);
    const last = rng.pick(words.LAST_NAMES);
    const city = rng.pick(words.CITIES);
    contacts.push(
      w.add('Contact', {
        AccountId: rng.chance(0.95) ? rng.pick(accounts) : null,
        FirstName: first,
        LastName: last,
        Salutation: rng.pick(['Mr.', 'Ms.', 'Dr.', null]),
        Email: `${first}.${last}${i}@example.com`.toLowerCase(),
        Title: rng.pick(words.TITLES),
        Phone: `(${rng.int(200, 999)}) 555-${String(rng.int(0, 9999)).padStart(4, '0')}`,
        MailingCity: city[0],
        MailingState: city[1],
        MailingCountry: 'US',
        LeadSource: rng.pick(words.LEAD_SOURCES),
        Birthdate: rng.chance(0.3) ? isoDate(epochMs - rng.int(20, 60) * YEAR_MS) : null,
        OwnerId: owner(),
      }),
    );
  }
  // Leads, some recycled
  const leads: string[] = [];
  for (let i = 0; i < sized(mode, 25, 3000); i++) {
    const first = rng.pick(words.FIRST_NAMES);
    const last = rng.pick(words.LAST_NAMES);
    leads.push(
      w.add('Lead', {
        FirstName: first,
        LastName: last,
        Company: `${rng.pick(words.COMPANY_A)} ${rng.pick(words.COMPANY_B)}`,
        Status: rng.pick([
          'Open - Not Contacted',
          'Working - Contacted',
          'Closed - Converted',
          'Closed - Not Converted',
        ]),
        Email: `${first}.${last}.lead${i}@example.org`.toLowerCase(),
        LeadSource: rng.pick(words.LEAD_SOURCES),
        Industry: rng.pick(words.INDUSTRIES),
        OwnerId: owner(),
      }),
    );
  }
  // Campaigns and members
  const campaigns: string[] = [];
  for (let i = 0; i < sized(mode, 4, 40); i++) {
    const start = w.pastTime(2);
    campaigns.push(
      w.add(
        'Campaign',
        {
          Name: `${rng.pick(['Spring', 'Summer', 'Autumn', 'Winter'])} ${rng.pick(['Webinar', 'Expo', 'Email Blast', 'Roadshow'])} ${i + 1}`,
          Type: rng.pick(['Webinar', 'Email', 'Conference']),
          Status: rng.pick(['Planned', 'In Progress', 'Completed']),
          StartDate: isoDate(start),
          EndDate: isoDate(start + 30 * DAY_MS),
          IsActive: rng.chance(0.5),
          BudgetedCost: rng.int(1, 100) * 1000,
          OwnerId: owner(),
        },
        start,
      ),
    );
  }
  for (let i = 0; i < sized(mode, 15, 2500); i++) {
    const withContact = rng.chance(0.6);
    w.add('CampaignMember', {
      CampaignId: rng.pick(campaigns),
      ContactId: withContact ? rng.pick(contacts) : null,
      LeadId: withContact ? null : rng.pick(leads),
      Status: rng.pick(['Sent', 'Responded']),
      HasResponded: rng.chance(0.3),
    });
  }
  // Products and price books
  const pricebook = w.add(
    'Pricebook2',
    { Name: 'Standard Price Book', IsActive: true, IsStandard: true },
    orgCreated,
  );
  const entries: string[] = [];
  for (let i = 0; i < sized(mode, 5, 60); i++) {
    const product = w.add('Product2', {
      Name: `${rng.pick(['Widget', 'Gadget', 'Sprocket', 'License', 'Support Plan'])} ${String.fromCharCode(65 + (i % 26))}${i}`,
      ProductCode: `P-${1000 + i}`,
      IsActive: true,
      Family: rng.pick(['Hardware', 'Software', 'Services']),
    });
    entries.push(
      w.add('PricebookEntry', {
        Name: `Entry ${i}`,
        Pricebook2Id: pricebook,
        Product2Id: product,
        UnitPrice: rng.int(10, 5000),
        IsActive: true,
      }),
    );
  }
  // Opportunities, contact roles, line items, field history
  const opportunities: string[] = [];
  for (let i = 0; i < sized(mode, 30, 3000); i++) {
    const created = w.pastTime();
    const stage = rng.pick(words.STAGES);
    const id = w.add(
      'Opportunity',
      {
        AccountId: rng.pick(accounts),
        Name: `${rng.pick(words.COMPANY_B)} deal ${i + 1}`,
        StageName: stage,
        Amount: rng.int(1, 500) * 1000,
        Probability: rng.int(0, 100),
        CloseDate: isoDate(created + rng.int(10, 400) * DAY_MS),
        Type: rng.pick(['New Customer', 'Existing Customer - Upgrade', 'Existing Customer - Renewal']),
        LeadSource: rng.pick(words.LEAD_SOURCES),
        IsClosed: stage.startsWith('Closed'),
        IsWon: stage === 'Closed Won',
        ForecastCategoryName: 'Pipeline',
        CampaignId: rng.chance(0.2) ? rng.pick(campaigns) : null,
        OwnerId: owner(),
      },
      created,
    );
    opportunities.push(id);
    if (rng.chance(0.5))
      w.add(
        'OpportunityContactRole',
        {
          OpportunityId: id,
          ContactId: rng.pick(contacts),
          Role: rng.pick(['Decision Maker', 'Economic Buyer', 'Evaluator']),
          IsPrimary: rng.chance(0.5),
        },
        created,
      );
    if (rng.chance(0.4))
      w.add(
        'OpportunityLineItem',
        {
          Name: 'Line',
          OpportunityId: id,
          PricebookEntryId: rng.pick(entries),
          Quantity: rng.int(1, 20),
          UnitPrice: rng.int(10, 5000),
        },
        created,
      );
    if (rng.chance(0.5))
      w.add(
        'OpportunityFieldHistory',
        {
          OpportunityId: id,
          Field: 'StageName',
          DataType: 'DynamicEnum',
          OldValue: 'Prospecting',
          NewValue: stage,
        },
        w.laterTime(created),
      );
  }
  for (const a of accounts.slice(0, sized(mode, 20, 2000))) {
    w.add('AccountHistory', {
      AccountId: a,
      Field: rng.pick(['created', 'Name', 'Industry', 'Owner']),
      DataType: 'Text',
      OldValue: null,
      NewValue: null,
    });
    if (rng.chance(0.3))
      w.add('AccountShare', {
        AccountId: a,
        UserOrGroupId: owner(),
        AccountAccessLevel: 'Edit',
        RowCause: 'Manual',
      });
  }
  // Cases with comments and emails
  const cases: string[] = [];
  for (let i = 0; i < sized(mode, 25, 3000); i++) {
    const created = w.pastTime();
    const status = rng.pick(['New', 'Working', 'Escalated', 'Closed']);
    const id = w.add(
      'Case',
      {
        AccountId: rng.pick(accounts),
        ContactId: rng.pick(contacts),
        Subject: rng.pick(words.CASE_SUBJECTS),
        Status: status,
        Priority: rng.pick(['High', 'Medium', 'Low']),
        Origin: rng.pick(['Phone', 'Email', 'Web']),
        IsClosed: status === 'Closed',
        ClosedDate: status === 'Closed' ? created + rng.int(1, 30) * DAY_MS : null,
        Description: rng.chance(0.5) ? 'Customer reports the issue started after the last update.' : null,
        OwnerId: owner(),
      },
      created,
    );
    cases.push(id);
    if (rng.chance(0.4))
      w.add(
        'CaseComment',
        {
          ParentId: id,
          IsPublished: rng.chance(0.5),
          CommentBody: 'Called the customer and collected logs.',
        },
        w.laterTime(created),
      );
    if (mode === 'demo' && rng.chance(0.5))
      w.add(
        'EmailMessage',
        {
          ParentId: id,
          Subject: `RE: ${rng.pick(words.CASE_SUBJECTS)}`,
          FromAddress: 'customer@example.com',
          ToAddress: 'support@example.com',
          TextBody: 'Thanks for the quick reply.',
          MessageDate: created,
          Incoming: true,
          Status: '1',
        },
        created,
      );
    if (rng.chance(0.3))
      w.add(
        'CaseHistory',
        { CaseId: id, Field: 'Status', DataType: 'Text', OldValue: 'New', NewValue: status },
        w.laterTime(created),
      );
  }
  // Activities
  for (let i = 0; i < sized(mode, 30, 6000); i++) {
    const who = rng.chance(0.8) ? rng.pick(contacts) : rng.pick(leads);
    const due = w.pastTime(2);
    const status = rng.pick(['Not Started', 'In Progress', 'Completed']);
    const closed = status === 'Completed';
    w.add(
      'Task',
      {
        WhoId: who,
        WhatId: who.startsWith('003') ? rng.pick(opportunities) : null,
        Subject: rng.pick(['Call', 'Email', 'Send Quote', 'Follow up']),
        Status: status,
        Priority: rng.pick(['High', 'Normal', 'Low']),
        ActivityDate: isoDate(due),
        OwnerId: owner(),
        IsClosed: closed,
        // Salesforce archives closed activities older than a year: only queryAll returns them.
        IsArchived: closed && due < epochMs - YEAR_MS,
      },
      due,
    );
  }
  for (let i = 0; i < sized(mode, 15, 2000); i++) {
    const start = w.pastTime(2);
    w.add(
      'Event',
      {
        WhoId: rng.pick(contacts),
        WhatId: rng.pick(accounts),
        Subject: rng.pick(['Meeting', 'Demo', 'Lunch', 'Quarterly review']),
        StartDateTime: start,
        EndDateTime: start + 3_600_000,
        ActivityDateTime: start,
        ActivityDate: isoDate(start),
        DurationInMinutes: 60,
        OwnerId: owner(),
      },
      start,
    );
  }
  // Notes, feed
  for (let i = 0; i < sized(mode, 8, 1500); i++)
    w.add('Note', {
      ParentId: rng.pick(accounts),
      Title: `Note ${i + 1}`,
      Body: 'Discussed pricing and next steps.',
      IsPrivate: false,
      OwnerId: owner(),
    });
  for (let i = 0; i < sized(mode, 10, 2000); i++)
    w.add('FeedItem', {
      ParentId: rng.pick(accounts),
      Type: 'TextPost',
      Body: rng.pick(['Great call today!', 'Contract signed.', 'Waiting on legal.']),
      Visibility: 'AllUsers',
    });
  // Files: ContentVersion (→ ContentDocument + link), Attachment, Document
  for (let i = 0; i < sized(mode, 8, 400); i++) {
    const ext = rng.pick(['pdf', 'docx', 'xlsx', 'png', 'txt', 'csv']);
    const bytes = fileSize(w, mode);
    w.add('ContentVersion', {
      Title: `${rng.pick(['Proposal', 'Contract', 'Invoice', 'Spec', 'Photo'])} ${i + 1}`,
      PathOnClient: `file-${i + 1}.${ext}`,
      VersionData: { bytes, seed: `cv:${seedValue}:${i}` },
      FirstPublishLocationId: rng.pick(accounts),
      OwnerId: owner(),
    });
  }
  for (let i = 0; i < sized(mode, 6, 250); i++) {
    const bytes = fileSize(w, mode);
    w.add('Attachment', {
      ParentId: rng.pick(rng.chance(0.5) ? accounts : cases),
      Name: `attachment-${i + 1}.pdf`,
      ContentType: 'application/pdf',
      IsPrivate: false,
      Body: { bytes, seed: `att:${seedValue}:${i}` },
      OwnerId: owner(),
    });
  }
  for (let i = 0; i < sized(mode, 3, 60); i++) {
    const bytes = fileSize(w, mode);
    w.add('Document', {
      FolderId: folder,
      Name: `Brochure ${i + 1}`,
      DeveloperName: `Brochure_${i + 1}`,
      Type: 'pdf',
      ContentType: 'application/pdf',
      IsPublic: true,
      Body: { bytes, seed: `doc:${seedValue}:${i}` },
      AuthorId: owner(),
    });
  }
  // Assets, contracts, solutions
  for (let i = 0; i < sized(mode, 5, 800); i++)
    w.add('Asset', {
      Name: `Asset ${i + 1}`,
      AccountId: rng.pick(accounts),
      SerialNumber: `SN-${100000 + i}`,
      Status: rng.pick(['Purchased', 'Shipped', 'Installed']),
      Quantity: rng.int(1, 10),
      OwnerId: owner(),
    });
  for (let i = 0; i < sized(mode, 5, 500); i++)
    w.add('Contract', {
      AccountId: rng.pick(accounts),
      Status: 'Draft',
      StartDate: isoDate(w.pastTime(2)),
      ContractTerm: rng.pick([12, 24, 36]),
      OwnerId: owner(),
    });
  if (mode === 'demo') {
    for (let i = 0; i < 300; i++)
      w.add('Solution', {
        SolutionName: `How to ${rng.pick(['reset', 'configure', 'upgrade', 'export'])} ${rng.pick(['the widget', 'a license', 'reports'])} (${i + 1})`,
        Status: 'Reviewed',
        SolutionNote: 'Step by step instructions.',
        OwnerId: owner(),
      });
    const ideas: string[] = [];
    for (let i = 0; i < 100; i++)
      ideas.push(w.add('Idea', { Title: `Idea ${i + 1}`, Body: 'It would be great if…', Status: 'New' }));
    for (let i = 0; i < 400; i++) w.add('Vote', { ParentId: rng.pick(ideas), Type: 'Up' });
    const topics: string[] = [];
    for (let i = 0; i < 20; i++) topics.push(w.add('Topic', { Name: `Topic ${i + 1}` }));
    for (let i = 0; i < 500; i++)
      w.add('TopicAssignment', { TopicId: rng.pick(topics), EntityId: rng.pick(accounts) });
  }
  // Custom objects (real sample schema)
  const parents: string[] = [];
  for (let i = 0; i < sized(mode, 10, 1500); i++)
    parents.push(
      w.add('CustomObject__c', {
        Name: `Custom ${i + 1}`,
        Example_Field__c: rng.pick(['red', 'green', 'blue']),
        Friend__c: rng.pick(contacts),
        Visible__c: rng.chance(0.5),
        SynchronizationId__c: `sync-${i}`,
        OwnerId: owner(),
      }),
    );
  for (let i = 0; i < sized(mode, 15, 3000); i++)
    w.add('CustomObjectDetail__c', { Name: `Detail ${i + 1}`, CustomObject__c: rng.pick(parents) });

  // Recent history: edits, recycle-bin deletes, an old purge, a same-second batch update.
  const recent = (daysAgo: number): number =>
    truncateToSecond(epochMs - daysAgo * DAY_MS - rng.int(0, 3_600_000));
  for (const id of leads.slice(0, sized(mode, 2, 150))) w.softDelete('Lead', id, recent(rng.int(1, 10)));
  for (const id of cases.slice(-sized(mode, 1, 50))) w.hardDelete('Case', id, recent(rng.int(1, 5)));
  const batchSecond = recent(2);
  for (const id of contacts.slice(0, sized(mode, 20, 1500)))
    w.update('Contact', id, { Department: 'Sales' }, batchSecond);
  for (const id of accounts.slice(-sized(mode, 5, 300)))
    w.update('Account', id, { Rating: 'Hot' }, recent(rng.int(1, 20)));
}
