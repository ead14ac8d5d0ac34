/**
 * Deterministic, realistic-looking canonical Account versions of about 1 KB of JSON each (names,
 * addresses, phones, picklists, numbers, dates, ids, free text), for benchmarks and large tests.
 */
import type { CanonicalRecord } from '../../../src/store/packs/canonical-record.js';
import type { VersionInput } from '../../../src/store/versions/version-entry.js';

const WORDS = (
  'acme global systems north south east west river stone cloud data market bright solutions partners ' +
  'health energy logistics capital retail foods motors digital media labs group industries services ' +
  'network ventures trading design studio works consulting analytics security finance mobile green'
).split(' ');
const CITIES = ['Paris', 'Berlin', 'Austin', 'Denver', 'Osaka', 'Lyon', 'Leeds', 'Porto', 'Dublin', 'Oslo'];
const STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Proposal',
  'Negotiation',
  'Closed Won',
  'Closed Lost',
];
const INDUSTRIES = ['Banking', 'Retail', 'Energy', 'Media', 'Technology', 'Healthcare', 'Education'];

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parsedLikeAResponse(fields: CanonicalRecord): CanonicalRecord {
  return JSON.parse(JSON.stringify(fields)) as CanonicalRecord;
}

export const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function syntheticId(prefix: string, n: number): string {
  let s = '';
  let x = n;
  for (let i = 0; i < 12; i++) {
    s = ID_CHARS[x % 62]! + s;
    x = Math.floor(x / 62);
  }
  return `${prefix}${s}AAA`;
}

/**
 * `count` versions (numbered from `offset`) of `records` records (record = i % records), SystemModstamp one millisecond apart
 * from `start`, already in (SystemModstamp, Id) order.
 */
export function syntheticVersions(
  count: number,
  options: { records?: number; start?: number; seed?: number; offset?: number } = {},
): VersionInput[] {
  const records = options.records ?? count;
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const offset = options.offset ?? 0;
  const seed = options.seed ?? 42;
  let rand = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const out: VersionInput[] = new Array<VersionInput>(count);
  for (let i = 0; i < count; i++) {
    const n = offset + i;
    rand = prng(seed * 1_000_003 + n); // version n has the same content whatever range it is generated in
    const id = syntheticId('001', n % records);
    const systemModstamp = new Date(start + n).toISOString();
    const city = pick(CITIES);
    const name = `${words(2)} ${Math.floor(rand() * 10000)}`;
    out[i] = {
      id,
      systemModstamp,
      deleted: false,
      // Parsed back from JSON, as the engine receives records (REST pages, CSV rows): flat strings,
      // not the chains of pieces template literals build, which cost JSON encoding extra work.
      fields: parsedLikeAResponse({
        AccountNumber: `AC-${Math.floor(rand() * 1e8)}`,
        AnnualRevenue: Math.round(rand() * 1e9) / 100,
        BillingCity: city,
        BillingCountry: 'FR',
        BillingPostalCode: String(10000 + Math.floor(rand() * 89999)),
        BillingState: null,
        BillingStreet: `${Math.floor(rand() * 300)} ${words(2)} street`,
        CreatedById: syntheticId('005', Math.floor(rand() * 50)),
        CreatedDate: new Date(start - 86_400_000 * Math.floor(rand() * 900)).toISOString(),
        Description: words(28),
        Fax: null,
        Id: id,
        Industry: pick(INDUSTRIES),
        IsDeleted: false,
        LastModifiedById: syntheticId('005', Math.floor(rand() * 50)),
        LastModifiedDate: systemModstamp,
        Name: name,
        NumberOfEmployees: Math.floor(rand() * 5000),
        OwnerId: syntheticId('005', Math.floor(rand() * 50)),
        ParentId: rand() < 0.7 ? null : syntheticId('001', Math.floor(rand() * records)),
        Phone: `+33 1 ${Math.floor(rand() * 90 + 10)} ${Math.floor(rand() * 90 + 10)} ${Math.floor(rand() * 90 + 10)} ${Math.floor(rand() * 90 + 10)}`,
        Rating: pick(['Hot', 'Warm', 'Cold']),
        ShippingCity: city,
        Stage__c: pick(STAGES),
        SystemModstamp: systemModstamp,
        Type: pick(['Customer', 'Partner', 'Prospect']),
        Website: `https://www.${name.split(' ')[0]}${Math.floor(rand() * 1000)}.example.com`,
      }),
    };
  }
  return out;
}
