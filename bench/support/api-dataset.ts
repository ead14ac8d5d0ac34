/**
 * The data set of the API latency benchmark (bench/api.bench.ts): one org shaped like a large production org —
 * ~400 objects in the registry (9 large ones holding ~94 % of the versions, ~350 small ones on a long tail,
 * some empty, ~40 that the schema scan finds unsupported), a backfill (one version per record) followed by
 * daily continuous-backup deltas that update some records many times (a few "busy" records get hundreds of
 * versions), a modest number of open errors among thousands of closed ones, API-usage samples and daily_stats.
 *
 * Everything is written the way the engine writes it: the schema scan's registry calls (upsertScannedObject
 * with decideObjectSupport, setObjectFields), versions through the store writer (writeVersions: packs into a
 * filesystem bucket, the index by COPY, counters, cursor, daily_stats), markBackfillComplete / markCaughtUp,
 * exclusions, access, run leases, recordError / closeObjectErrors and recordApiUsage. Records are ~300 bytes of
 * fields (~390-byte stored lines), so 10 million versions take about 1 GB of bucket and 2 GB of Postgres.
 *
 * Generation takes minutes, so the data set is kept under `.autobackup-bench/api-<size>/` (its own embedded
 * PostgreSQL home and bucket) and reused while DATASET_VERSION and the size match.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import pg from 'pg';
import { decideObjectSupport } from '../../service/src/backup/object-support.js';
import type { Logger } from '../../service/src/logger.js';
import { canonicalId } from '../../service/src/salesforce/record-id.js';
import { FsBlobStore } from '../../service/src/store/blob/fs-blob-store.js';
import { createKnex, type Knex } from '../../service/src/store/db/knex.js';
import { migrateToLatest } from '../../service/src/store/db/migrate.js';
import { insertOrg, updateOrgSettings } from '../../service/src/store/orgs/org-repository.js';
import {
  acquireEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../service/src/store/postgres/embedded-server.js';
import { recordApiUsage } from '../../service/src/store/registry/dashboard-data.js';
import { closeObjectErrors, recordError } from '../../service/src/store/registry/error-log.js';
import {
  applyExclusions,
  claimObjectRun,
  listRegistry,
  markBackfillComplete,
  markCaughtUp,
  recordSchemaChanges,
  setObjectAccess,
  setObjectFields,
  upsertScannedObject,
} from '../../service/src/store/registry/object-registry.js';
import type { StoreContext } from '../../service/src/store/store-context.js';
import type { VersionInput } from '../../service/src/store/versions/version-entry.js';
import { writeVersions } from '../../service/src/store/versions/version-writer.js';
import { ID_CHARS, prng, syntheticId } from '../../service/test/store/support/synthetic-records.js';

/** Bump when the shape or the generator changes: cached data sets of another version are regenerated. */
export const DATASET_VERSION = 3;

export const ORG_ID = canonicalId('00D5g000004BnCh')!;
const DAY = 86_400_000;
/** Days of continuous backup after the backfill (daily_stats rows, spread of the busy records' versions). */
const BACKUP_DAYS = 45;
/** Versions per writeVersions call in the backfill (a Bulk API window's worth). */
const BACKFILL_BATCH = 50_000;
/** Share of the updates that go to the object's busy records. */
const BUSY_SHARE = 0.25;

export type ObjectState = 'waiting' | 'backfilling' | 'running' | 'unavailable' | 'excluded' | 'error';

export interface ObjectPlan {
  name: string;
  label: string;
  /** Key prefix of the object's record ids (3 characters). */
  prefix: string;
  supported: boolean;
  /** Records, each written once by the backfill. */
  records: number;
  /** Further versions written by the daily deltas. */
  updates: number;
  /** Records 0 … busy-1 take BUSY_SHARE of the updates. */
  busy: number;
  fieldCount: number;
  state: ObjectState;
}

export interface DatasetManifest {
  version: number;
  versions: number;
  orgId: string;
  generatedAt: string;
  generationSeconds: number;
  /** Raw canonical JSON bytes per version (the stored line), average. */
  rawBytesPerVersion: number;
  openErrors: number;
  closedErrors: number;
  objects: ObjectPlan[];
}

export interface Dataset {
  dir: string;
  bucketDir: string;
  manifest: DatasetManifest;
  postgres: EmbeddedPostgres;
  /** True when this run generated it; false when a cached one was reused. */
  generated: boolean;
}

/** The 18-character id of record `n` of an object (key prefix + 12 base-62 digits + its case suffix). */
export function recordId(prefix: string, n: number): string {
  return canonicalId(syntheticId(prefix, n).slice(0, 15))!;
}

// ── the shape ──────────────────────────────────────────────────────────────────────────────────────

/** The large objects: share of all versions, share of their versions that are updates, key prefix, fields. */
const LARGE: Array<
  [name: string, label: string, share: number, updates: number, prefix: string, fields: number]
> = [
  ['Task', 'Task', 0.28, 0.2, '00T', 60],
  ['Contact', 'Contact', 0.12, 0.35, '003', 180],
  ['Event', 'Event', 0.12, 0.15, '00U', 55],
  ['EmailMessage', 'Email Message', 0.1, 0.05, '02s', 40],
  ['Case', 'Case', 0.1, 0.5, '500', 140],
  ['Account', 'Account', 0.08, 0.4, '001', 320],
  ['Opportunity', 'Opportunity', 0.06, 0.6, '006', 160],
  ['Lead', 'Lead', 0.05, 0.4, '00Q', 130],
  ['OpportunityLineItem', 'Opportunity Product', 0.03, 0.3, '00k', 45],
];

const STANDARD_SMALL = (
  'AccountContactRelation AccountTeamMember Asset AssetRelationship AssignedResource AuthorizationForm ' +
  'BusinessHours Campaign CampaignMember CaseComment CaseContactRole CaseTeamMember CollaborationGroup ' +
  'ContactPointEmail ContactPointPhone ContentDocument ContentDocumentLink ContentNote ContentVersion Contract ' +
  'ContractContactRole ContractLineItem Document EmailTemplate Entitlement EntitlementContact FeedComment ' +
  'FeedItem Folder Group GroupMember Holiday Idea Individual KnowledgeArticle Location Macro Note ' +
  'OpportunityCompetitor OpportunityContactRole OpportunitySplit OpportunityTeamMember Order OrderItem ' +
  'Partner Pricebook2 PricebookEntry Product2 ProductConsumed ProductItem ProductRequest ProductTransfer ' +
  'Profile Quote QuoteLineItem RecordType Report ResourceAbsence ServiceAppointment ServiceContract ' +
  'ServiceResource ServiceTerritory Shipment Solution Topic TopicAssignment User UserRole WorkOrder ' +
  'WorkOrderLineItem WorkType Dashboard ListView Attachment StaticResource ApexClass ApexTrigger CronTrigger ' +
  'AsyncApexJob LoginHistory SetupAuditTrail PermissionSet PermissionSetAssignment Territory2 UserTerritory2Association ' +
  'AccountHistory ContactHistory OpportunityFieldHistory CaseHistory LeadHistory OpportunityHistory'
).split(' ');

const CUSTOM_WORDS = (
  'Invoice Invoice_Line Payment Subscription Renewal Contract_Term Shipment_Item Warehouse Inventory Vendor ' +
  'Purchase_Order Purchase_Line Project Project_Task Milestone Timesheet Time_Entry Expense Expense_Line ' +
  'Commission Quota Territory_Plan Region Branch Site Device Meter Meter_Reading Service_Visit Inspection ' +
  'Claim Claim_Line Policy Coverage Beneficiary Application Loan Loan_Payment Collateral Credit_Check ' +
  'Survey Survey_Answer Feedback Nps_Score Event_Registration Venue Session Speaker Sponsor Booth ' +
  'Membership Member_Benefit Donation Pledge Grant Grant_Report Volunteer Shift Program Enrollment ' +
  'Course Course_Section Student Grade Attendance Certification Exam Exam_Result Partner_Tier Deal_Reg ' +
  'Lead_Score Campaign_Touch Web_Visit Chat_Transcript_Note Sla_Breach Escalation Approval_Step Integration_Log ' +
  'Sync_Error External_Ref Price_Rule Discount_Schedule Bundle Bundle_Option Asset_Swap Return_Order Rma ' +
  'Forecast_Adjustment Budget Budget_Line Cost_Center Gl_Account Journal_Entry Tax_Rate Currency_Rate'
).split(' ');

/** Managed packages add many objects of their own (namespace__Name__c). */
const PACKAGED = [
  'SBQQ',
  'npsp',
  'dsfs',
  'et4ae5',
  'pi',
  'Loop',
  'zqu',
  'rh2',
  'FinServ',
  'sfLma',
  'agf',
].flatMap((ns, i) =>
  (
    'Quote Quote_Line Product_Option Price_Rule Discount_Tier Subscription Allocation Batch_Job Recurring_Donation ' +
    'Envelope Envelope_Status Recipient Send_Definition Individual_Email Visitor Activity Score_Config Template ' +
    'Document_Request Rollup Rollup_Filter Financial_Account Financial_Goal Assets_Liabilities License Package_Version'
  )
    .split(' ')
    .filter((_, j) => (j + i) % 2 === 0 || j % 5 === i % 5)
    .slice(0, 15)
    .map((noun) => `${ns}__${noun}__c`),
);

const UNSUPPORTED = [
  'AccountChangeEvent',
  'ContactChangeEvent',
  'CaseChangeEvent',
  'OpportunityChangeEvent',
  'LeadChangeEvent',
  'TaskChangeEvent',
  'EventChangeEvent',
  'UserChangeEvent',
  'Invoice__ChangeEvent',
  'Payment__ChangeEvent',
  'Order_Submitted__e',
  'Payment_Received__e',
  'Sync_Request__e',
  'Integration_Ping__e',
  'Erp_Customer__x',
  'Erp_Invoice__x',
  'Archive_Activity__b',
  'Feature_Switch__mdt',
  'Routing_Rule__mdt',
  'Country_Setting__mdt',
  'ContentFolderItem',
  'ContentFolderMember',
  'IdeaComment',
  'Vote',
  'EntityParticle',
  'FieldDefinition',
  'OwnerChangeOptionInfo',
  'PicklistValueInfo',
  'RelationshipDomain',
  'RelationshipInfo',
  'SearchLayout',
  'SiteDetail',
  'UserEntityAccess',
  'UserFieldAccess',
  'UserRecordAccess',
  'DataStatistics',
  'FlexQueueItem',
  'ListViewChartInstance',
  'PlatformAction',
  'OutgoingEmail',
];

const labelOf = (name: string) =>
  name
    .replace(/__(c|e|x|b|mdt|ChangeEvent)$/, '')
    .replace(/^[A-Za-z0-9]+__/, '')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2');

function smallPrefix(i: number): string {
  return `a${ID_CHARS[Math.floor(i / 62) % 62]}${ID_CHARS[i % 62]}`;
}

/** The objects of a data set of `total` versions (deterministic). */
export function planObjects(total: number): ObjectPlan[] {
  const rand = prng(2024);
  const plans: ObjectPlan[] = [];
  let largeTotal = 0;
  for (const [name, label, share, updateShare, prefix, fieldCount] of LARGE) {
    const versions = Math.round(total * share);
    const updates = Math.round(versions * updateShare);
    const records = versions - updates;
    plans.push({
      name,
      label,
      prefix,
      supported: true,
      records,
      updates,
      busy: Math.max(1, Math.round(records / 5000)),
      fieldCount,
      state: 'waiting',
    });
    largeTotal += versions;
  }
  const smallNames = [...STANDARD_SMALL, ...CUSTOM_WORDS.map((w) => `${w}__c`), ...PACKAGED];
  // Shuffled, so standard and custom objects mix along the long tail.
  for (let i = smallNames.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [smallNames[i], smallNames[j]] = [smallNames[j]!, smallNames[i]!];
  }
  const smallTotal = total - largeTotal;
  const withData = Math.round(smallNames.length * 0.8); // the rest are empty
  const weights = smallNames.map((_, i) => (i < withData ? 1 / Math.pow(i + 1, 1.2) : 0));
  const weightSum = weights.reduce((a, b) => a + b, 0);
  let smallWritten = 0;
  smallNames.forEach((name, i) => {
    const versions = Math.floor((smallTotal * weights[i]!) / weightSum);
    smallWritten += versions;
    const updates = Math.floor(versions * 0.3);
    const records = versions - updates;
    plans.push({
      name,
      label: labelOf(name),
      prefix: smallPrefix(i),
      supported: true,
      records,
      updates,
      busy: records === 0 ? 0 : Math.max(1, Math.round(records / 2000)),
      fieldCount: 12 + Math.floor(rand() * 60),
      state: 'waiting',
    });
  });
  // Rounding: the largest object takes the difference, so the total is exact.
  plans[0]!.records += total - largeTotal - smallWritten;
  for (const name of UNSUPPORTED) {
    plans.push({
      name,
      label: labelOf(name),
      prefix: '000',
      supported: false,
      records: 0,
      updates: 0,
      busy: 0,
      fieldCount: 0,
      state: 'waiting',
    });
  }
  // States, among the small objects with data (the large ones stay Waiting, as in a healthy org).
  const small = plans.filter((p) => p.supported && !LARGE.some(([n]) => n === p.name) && p.records > 0);
  const take = (n: number, state: ObjectState, from: number) => {
    for (let i = 0; i < n; i++) small[(from + i * 7) % small.length]!.state = state;
  };
  take(6, 'excluded', 3);
  take(4, 'unavailable', 5);
  take(10, 'backfilling', 9);
  take(3, 'running', 2);
  take(8, 'error', 11);
  for (const p of plans) {
    if (p.state === 'backfilling') {
      // Still in its first pass: no deltas yet.
      p.records += p.updates;
      p.updates = 0;
    }
  }
  return plans;
}

// ── versions ──────────────────────────────────────────────────────────────────────────────────────

const WORDS = (
  'acme global north south east west river stone cloud data market bright partners health energy ' +
  'logistics capital retail foods motors digital media labs group services network ventures trading ' +
  'design studio works consulting analytics security finance mobile green blue orbit summit harbor'
).split(' ');
const STATUSES = ['New', 'Open', 'Working', 'Pending', 'Escalated', 'On Hold', 'Closed'];
const USERS = Array.from({ length: 60 }, (_, i) => recordId('005', 1000 + i));

/** One version's fields, ~300 bytes of canonical JSON (keys sorted, as canonicalizeRecord leaves them). */
function fields(
  rand: () => number,
  id: string,
  n: number,
  createdDate: string,
  systemModstamp: string,
  deleted: boolean,
): VersionInput['fields'] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const words = (k: number) => Array.from({ length: k }, () => pick(WORDS)).join(' ');
  return {
    Amount__c: Math.round(rand() * 10_000_000) / 100,
    CreatedDate: createdDate,
    Description: words(1 + Math.floor(rand() * 4)),
    Id: id,
    IsDeleted: deleted,
    LastModifiedDate: systemModstamp,
    Name: `${words(2)} ${n}`,
    OwnerId: pick(USERS),
    Status__c: pick(STATUSES),
    SystemModstamp: systemModstamp,
  };
}

/** When record `n` was last modified before the backup started: spread over 4 years, ascending with n. */
function lastModifiedBefore(t0: number, n: number, records: number): number {
  return t0 - 4 * 365 * DAY + Math.floor(((n + 0.5) / records) * (4 * 365 * DAY - 3600_000));
}

/** When record `n` was created: up to 30 days before its backed-up state. */
function createdAt(t0: number, n: number, records: number): string {
  const frac = (n * 0.618_033_988_7) % 1;
  return new Date(lastModifiedBefore(t0, n, records) - Math.floor(frac * 30 * DAY)).toISOString();
}

/** Backfill: records from..to-1, one version each (their state when the backup started), SystemModstamp ascending. */
function backfillVersions(
  plan: ObjectPlan,
  t0: number,
  from: number,
  to: number,
  seed: number,
): VersionInput[] {
  const rand = prng(seed * 7919 + from);
  const out: VersionInput[] = [];
  for (let n = from; n < to; n++) {
    const id = recordId(plan.prefix, n);
    const modstamp = new Date(lastModifiedBefore(t0, n, plan.records)).toISOString();
    out.push({
      id,
      systemModstamp: modstamp,
      deleted: false,
      fields: fields(rand, id, n, createdAt(t0, n, plan.records), modstamp, false),
    });
  }
  return out;
}

/** Day `day`'s deltas: `count` versions of existing records, SystemModstamps over the day's first 23 hours, ascending. */
function deltaVersions(
  plan: ObjectPlan,
  t0: number,
  day: number,
  count: number,
  seed: number,
): VersionInput[] {
  const rand = prng(seed * 104_729 + day);
  const dayStart = t0 + day * DAY;
  const out: VersionInput[] = [];
  for (let j = 0; j < count; j++) {
    const n = rand() < BUSY_SHARE ? Math.floor(rand() * plan.busy) : Math.floor(rand() * plan.records);
    const id = recordId(plan.prefix, n);
    const modstamp = new Date(dayStart + Math.floor(((j + 0.5) * 23 * 3600_000) / count)).toISOString();
    const deleted = rand() < 0.003;
    out.push({
      id,
      systemModstamp: modstamp,
      deleted,
      fields: fields(rand, id, n, createdAt(t0, n, plan.records), modstamp, deleted),
    });
  }
  return out;
}

/** Days with deltas: the backfill takes days 0 and 1, deltas follow on days 2 … BACKUP_DAYS-1. */
const DELTA_DAYS = BACKUP_DAYS - 2;

/** Versions of the deltas of delta day k (1 … DELTA_DAYS): an even spread of the object's updates. */
function updatesOnDay(plan: ObjectPlan, k: number): number {
  return Math.floor((plan.updates * k) / DELTA_DAYS) - Math.floor((plan.updates * (k - 1)) / DELTA_DAYS);
}

// ── generation ────────────────────────────────────────────────────────────────────────────────────

export function datasetDir(root: string, versions: number): string {
  const size =
    versions % 1_000_000 === 0
      ? `${versions / 1_000_000}m`
      : versions % 1000 === 0
        ? `${versions / 1000}k`
        : String(versions);
  return path.join(root, `api-${size}`);
}

function readManifest(dir: string): DatasetManifest | undefined {
  const file = path.join(dir, 'dataset.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DatasetManifest;
  } catch {
    return undefined;
  }
}

/** Opens the cached data set of `versions` versions under `root`, generating it first when missing or stale. */
export async function openDataset(
  root: string,
  versions: number,
  logger: Logger,
  say: (line: string) => void,
): Promise<Dataset> {
  const dir = datasetDir(root, versions);
  const bucketDir = path.join(dir, 'bucket');
  const cached = readManifest(dir);
  if (cached && cached.version === DATASET_VERSION && cached.versions === versions) {
    const postgres = await acquireEmbeddedPostgres({ home: dir, logger });
    // Schema changes since the data set was made (new migrations) apply to it as to a deployed service.
    const knex = createKnex(postgres.url, { poolMax: 1 });
    try {
      const applied = await migrateToLatest(knex);
      if (applied.length > 0) say(`applied migrations to the cached data set: ${applied.join(', ')}`);
    } finally {
      await knex.destroy();
    }
    return { dir, bucketDir, manifest: cached, postgres, generated: false };
  }
  if (cached)
    say(
      `cached data set in ${dir} is version ${cached.version} of ${cached.versions} versions: regenerating`,
    );
  await stopStaleServer(dir, logger);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const postgres = await acquireEmbeddedPostgres({ home: dir, logger });
  try {
    const started = performance.now();
    const manifest = await generate(postgres.url, bucketDir, versions, say);
    manifest.generationSeconds = Math.round((performance.now() - started) / 100) / 10;
    await writeFile(path.join(dir, 'dataset.json'), JSON.stringify(manifest, null, 2) + '\n');
    return { dir, bucketDir, manifest, postgres, generated: true };
  } catch (err) {
    await postgres.release();
    throw err;
  }
}

/** A server left running by an interrupted generation would hold the directory: stop it before removing. */
async function stopStaleServer(dir: string, logger: Logger): Promise<void> {
  if (!existsSync(path.join(dir, 'postgres', 'server.json'))) return;
  const postgres = await acquireEmbeddedPostgres({ home: dir, logger }).catch(() => undefined);
  await postgres?.release();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function generate(
  url: string,
  bucketDir: string,
  total: number,
  say: (line: string) => void,
): Promise<DatasetManifest> {
  const database = new URL(url).pathname.slice(1);
  // Not measured: spare the generation a WAL flush per commit (reset before the benchmark connects).
  await withClient(url, (c) => c.query(`ALTER DATABASE "${database}" SET synchronous_commit = off`));
  const knex = createKnex(url, { poolMax: 6 });
  try {
    await migrateToLatest(knex);
    const plans = planObjects(total);
    // The backup started BACKUP_DAYS days before today; the last deltas are yesterday's.
    const today = Math.floor(Date.now() / DAY) * DAY;
    const t0 = today - BACKUP_DAYS * DAY;
    let clock = t0;
    const store: StoreContext = { knex, blobs: new FsBlobStore(bucketDir), now: () => new Date(clock) };

    await insertOrg(knex, {
      orgId: ORG_ID,
      instanceUrl: 'https://bench-org.my.salesforce.com',
      loginUrl: 'https://login.salesforce.com',
      auth: {
        kind: 'client-credentials',
        clientId: 'bench-client-id',
        clientSecret: { kind: 'env', name: 'BENCH_UNUSED_SECRET' },
      },
      enabled: true,
    });
    await scan(knex, plans, new Date(t0));
    const keys = new Map((await listRegistry(knex, ORG_ID)).map((o) => [o.name, o.objectKey]));
    const supported = plans.filter((p) => p.supported);
    const seedOf = new Map(plans.map((p, i) => [p.name, i + 1]));

    // 1. The backfill: every record once, the large objects in Bulk-window-sized batches, two objects at a time.
    const backfillTotal = supported.reduce((n, p) => n + p.records, 0);
    let written = 0;
    let lastReport = performance.now();
    const started = performance.now();
    const progress = (phase: string) => {
      if (performance.now() - lastReport < 10_000) return;
      lastReport = performance.now();
      const seconds = (performance.now() - started) / 1000;
      say(
        `  ${phase}: ${written.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} versions ` +
          `(${Math.round(written / seconds).toLocaleString('en-US')}/s)`,
      );
    };
    const limit = pLimit(2);
    await Promise.all(
      [...supported]
        .sort((a, b) => b.records - a.records)
        .map((plan) =>
          limit(async () => {
            for (let from = 0; from < plan.records; from += BACKFILL_BATCH) {
              const batch = backfillVersions(
                plan,
                t0,
                from,
                Math.min(plan.records, from + BACKFILL_BATCH),
                seedOf.get(plan.name)!,
              );
              // The backfill runs over the first two days.
              clock = t0 + Math.floor((2 * DAY * written) / backfillTotal);
              const last = batch.at(-1)!;
              await writeVersions(store, ORG_ID, plan.name, batch, {
                cursor: { systemModstamp: last.systemModstamp, id: last.id },
                schemaHash: `bench-${plan.name}`,
              });
              written += batch.length;
              progress('backfill');
            }
            if (plan.state !== 'backfilling') {
              await markBackfillComplete(knex, keys.get(plan.name)!, new Date(t0 + 2 * DAY));
            }
          }),
        ),
    );
    say(
      `  backfill done: ${written.toLocaleString('en-US')} versions in ${Math.round((performance.now() - started) / 1000)} s`,
    );

    // 2. The daily deltas of the continuous backup: each day's changes of every object, a batch per object,
    //    written just before the day ends.
    for (let k = 1; k <= DELTA_DAYS; k++) {
      const day = k + 1;
      clock = t0 + (day + 1) * DAY - 60_000;
      const todays = supported.filter((p) => updatesOnDay(p, k) > 0);
      await Promise.all(
        todays.map((plan) =>
          limit(async () => {
            const batch = deltaVersions(plan, t0, day, updatesOnDay(plan, k), seedOf.get(plan.name)!);
            const last = batch.at(-1)!;
            await writeVersions(store, ORG_ID, plan.name, batch, {
              cursor: { systemModstamp: last.systemModstamp, id: last.id },
              schemaHash: `bench-${plan.name}`,
            });
            written += batch.length;
            progress('daily deltas');
          }),
        ),
      );
    }
    const caughtUp = new Date(clock);
    for (const plan of supported) {
      if (plan.state !== 'backfilling') await markCaughtUp(knex, keys.get(plan.name)!, caughtUp);
    }
    say(`  versions written: ${written.toLocaleString('en-US')}`);

    // 3. The rest of what a running org has: statuses, errors, API usage samples, schema changes.
    const errors = await operationalState(knex, plans, keys, t0, today);

    const stored = await knex('objects')
      .where({ org_id: ORG_ID })
      .first<{ versions: number; raw: number }>(
        knex.raw('sum(versions)::bigint AS versions'),
        knex.raw('sum(raw_bytes)::bigint AS raw'),
      );
    if (stored.versions !== total)
      throw new Error(`the data set holds ${stored.versions} versions, expected ${total}`);
    const rawBytes = stored.raw / stored.versions;

    await withClient(url, (c) => c.query(`ALTER DATABASE "${database}" RESET synchronous_commit`));
    // A table this size has been vacuumed and analysed by autovacuum in a running service.
    say('  VACUUM ANALYZE …');
    await knex.raw('VACUUM ANALYZE');
    await knex.raw('CHECKPOINT');
    return {
      version: DATASET_VERSION,
      versions: total,
      orgId: ORG_ID,
      generatedAt: new Date().toISOString(),
      generationSeconds: 0,
      rawBytesPerVersion: Math.round(rawBytes),
      openErrors: errors.open,
      closedErrors: errors.closed,
      objects: plans,
    };
  } finally {
    await knex.destroy();
  }
}

/** The schema scan's registry writes: support decisions, labels and the readable fields of every object. */
async function scan(knex: Knex, plans: ObjectPlan[], at: Date): Promise<void> {
  const limit = pLimit(4);
  await Promise.all(
    plans.map((plan) =>
      limit(async () => {
        const entry = { name: plan.name, queryable: true, replicateable: !plan.name.endsWith('History') };
        if (!plan.supported) {
          const verdict = decideObjectSupport(entry);
          if (verdict.supported) throw new Error(`${plan.name} was meant to be unsupported`);
          await upsertScannedObject(knex, ORG_ID, {
            name: plan.name,
            label: plan.label,
            support: 'unsupported',
            supportReason: verdict.reason,
            supportDetail: verdict,
          });
          return;
        }
        const fieldList = describeFields(plan);
        const verdict = decideObjectSupport(entry, { fieldNames: new Set(fieldList.map((f) => f.name)) });
        if (!verdict.supported) throw new Error(`${plan.name} was meant to be supported: ${verdict.reason}`);
        await upsertScannedObject(knex, ORG_ID, {
          name: plan.name,
          label: plan.label,
          support: 'supported',
          supportReason: null,
          supportDetail: verdict,
        });
        await setObjectFields(knex, ORG_ID, plan.name, fieldList, `bench-${plan.name}`, at);
      }),
    ),
  );
  await updateOrgSettings(knex, ORG_ID, { lastScanAt: at });
}

const FIELD_TYPES = [
  'string',
  'picklist',
  'double',
  'currency',
  'date',
  'datetime',
  'boolean',
  'reference',
  'textarea',
  'email',
  'phone',
  'url',
];

/** The readable fields a describe would give: the system fields and `fieldCount` others. */
function describeFields(plan: ObjectPlan): Array<{ name: string; type: string }> {
  const rand = prng(plan.prefix.charCodeAt(1) * 1000 + plan.prefix.charCodeAt(2));
  const out = [
    { name: 'Id', type: 'id' },
    { name: 'IsDeleted', type: 'boolean' },
    { name: 'Name', type: 'string' },
    { name: 'OwnerId', type: 'reference' },
    { name: 'CreatedById', type: 'reference' },
    { name: 'CreatedDate', type: 'datetime' },
    { name: 'LastModifiedById', type: 'reference' },
    { name: 'LastModifiedDate', type: 'datetime' },
    { name: 'SystemModstamp', type: 'datetime' },
  ];
  for (let i = 0; i < plan.fieldCount; i++) {
    const type = FIELD_TYPES[Math.floor(rand() * FIELD_TYPES.length)]!;
    out.push({
      name: `${WORDS[i % WORDS.length]!.replace(/^./, (c) => c.toUpperCase())}_Field_${i}__c`,
      type,
    });
  }
  return out;
}

async function operationalState(
  knex: Knex,
  plans: ObjectPlan[],
  keys: Map<string, number>,
  t0: number,
  today: number,
): Promise<{ open: number; closed: number }> {
  const named = (state: ObjectState) => plans.filter((p) => p.state === state).map((p) => p.name);
  // The user's exclusions, applied as a settings change applies them.
  const exclusions = named('excluded');
  await updateOrgSettings(knex, ORG_ID, { exclusions });
  await applyExclusions(knex, ORG_ID, exclusions);
  // Objects the integration user lost access to (a later scan).
  await setObjectAccess(knex, ORG_ID, named('unavailable'), 'unavailable');
  await recordSchemaChanges(
    knex,
    ORG_ID,
    named('unavailable').map((object) => ({ object, change: 'object_unavailable' })),
    new Date(today - DAY),
  );
  // Objects whose run is in progress.
  for (const name of named('running')) {
    await claimObjectRun(knex, keys.get(name)!, `bench-${process.pid}-${name}`);
  }

  // Closed errors of the past (each closed when its object next backed up), then the open ones.
  const rand = prng(77);
  const supported = plans.filter((p) => p.supported && p.records > 0);
  const codes = [
    'QUERY_TIMEOUT',
    'REQUEST_LIMIT_EXCEEDED',
    'INVALID_FIELD',
    'SERVER_UNAVAILABLE',
    'BULK_JOB_FAILED',
  ];
  let closed = 0;
  for (let i = 0; i < 2000; i++) {
    const plan = supported[Math.floor(rand() * supported.length)]!;
    const at = new Date(t0 + Math.floor(rand() * (today - t0 - 2 * DAY)));
    await recordError(knex, {
      orgId: ORG_ID,
      code: codes[i % codes.length]!,
      message: `${plan.name}: the query failed (${i})`,
      object: plan.name,
      at,
    });
    closed += await closeObjectErrors(knex, ORG_ID, plan.name, new Date(at.getTime() + 3600_000));
  }
  let open = 0;
  for (const name of named('error')) {
    await recordError(knex, {
      orgId: ORG_ID,
      code: 'INVALID_FIELD',
      message: `${name}: No such column 'Legacy_Code__c' on entity '${name}'`,
      hint: 'the field was deleted or its access removed; the next schema scan picks this up',
      object: name,
      at: new Date(today - 3 * 3600_000),
    });
    open += 1;
  }
  // Record-level errors on two of the error objects (records that could not be read), and org-level ones.
  for (const name of named('error').slice(0, 2)) {
    const plan = plans.find((p) => p.name === name)!;
    for (let i = 0; i < 30; i++) {
      await recordError(knex, {
        orgId: ORG_ID,
        code: 'RECORD_TOO_LARGE',
        message: `a ${name} record is larger than a Bulk API row allows`,
        object: name,
        recordId: recordId(plan.prefix, Math.floor(rand() * plan.records)),
        at: new Date(today - Math.floor(rand() * 5 * DAY)),
      });
      open += 1;
    }
  }
  for (const code of ['API_BUDGET_LOW', 'LOGIN_FAILED_ONCE', 'BUCKET_SLOW']) {
    await recordError(knex, {
      orgId: ORG_ID,
      code,
      message: `org-level: ${code}`,
      at: new Date(today - DAY),
    });
    open += 1;
  }

  // API usage, sampled every 15 minutes by the backup passes.
  for (let at = t0; at < today; at += 15 * 60_000) {
    const used = 20_000 + Math.floor(rand() * 60_000);
    await recordApiUsage(knex, ORG_ID, { used, max: 250_000 }, new Date(at));
  }
  return { open, closed };
}
