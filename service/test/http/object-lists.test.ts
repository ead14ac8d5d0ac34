/**
 * The object lists as the package's tables read them: the objects sorted by the column a user clicks (either
 * direction, empty values last, every page continuing the same order), file objects alone, the figures of the
 * whole list for the header, and the excluded (unsupported) objects a page at a time with their total. The data
 * is the engine's backup of the simulator's small org.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

interface ObjectItem {
  name: string;
  label: string;
  status: string;
  records: number;
  versions: number;
  files?: number;
  fileBytes?: number;
  lastBackupAt: string | null;
}
interface ObjectPage {
  items: ObjectItem[];
  next: string | null;
  summary: {
    objects: number;
    matching: number;
    fileObjects: number;
    files: number;
    fileBytes: number;
    unsupported: number;
  };
}
interface ExcludedPage {
  items: Array<{ name: string; label: string; reason: string }>;
  next: string | null;
  total: number;
}

let f: ApiFixture;

before(async () => {
  f = await startApiFixture();
});

after(async () => {
  await f?.close();
});

async function get<T>(route: string, query: Record<string, string> = {}): Promise<T> {
  const search = new URLSearchParams(query).toString();
  const response = await f.call('GET', `/api/v1/orgs/${f.orgId}/${route}${search ? `?${search}` : ''}`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as T;
}

async function refusal(
  route: string,
  query: Record<string, string>,
): Promise<{ code: string; message: string }> {
  const response = await f.call('GET', `/api/v1/orgs/${f.orgId}/${route}?${new URLSearchParams(query)}`);
  assert.equal(response.status, 400);
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

/** Every page of a list, following `next`, each `limit` long. */
async function allPages<T extends { next: string | null; items: unknown[] }>(
  route: string,
  query: Record<string, string>,
): Promise<T['items']> {
  const items: T['items'] = [];
  let cursor: string | null = null;
  do {
    const page: T = await get<T>(route, { ...query, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.next;
  } while (cursor !== null);
  return items;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

describe('the object list sorted by a column', () => {
  test('most records first, ties by API name, and the pages continue that order', async () => {
    const all = await get<ObjectPage>('objects', { limit: '1000' });
    const expected = [...all.items].sort((a, b) => b.records - a.records || byName(a, b)).map((i) => i.name);
    assert.ok(new Set(all.items.map((i) => i.records)).size > 3, 'the org has objects of different sizes');

    const sorted = await get<ObjectPage>('objects', { sort: 'records', order: 'desc', limit: '1000' });
    assert.deepEqual(
      sorted.items.map((i) => i.name),
      expected,
    );
    const paged = await allPages<ObjectPage>('objects', { sort: 'records', order: 'desc', limit: '4' });
    assert.deepEqual(
      paged.map((i) => i.name),
      expected,
      'four at a time, the pages together are the sorted list',
    );
    const ascending = await get<ObjectPage>('objects', { sort: 'records', limit: '1000' });
    assert.deepEqual(
      ascending.items.map((i) => i.records),
      [...all.items.map((i) => i.records)].sort((a, b) => a - b),
      'ascending by default',
    );
  });

  test('by label, any case, in either direction', async () => {
    const desc = await get<ObjectPage>('objects', { sort: 'label', order: 'desc', limit: '1000' });
    const labels = desc.items.map((i) => i.label.toLowerCase());
    assert.deepEqual(labels, [...labels].sort().reverse());
  });

  test('by files: the file objects by their file count, the objects without files after them', async () => {
    const byFiles = await get<ObjectPage>('objects', { sort: 'files', order: 'desc', limit: '1000' });
    const withFiles = byFiles.items.filter((i) => i.files !== undefined);
    assert.ok(withFiles.length > 0, 'the org has file objects');
    assert.deepEqual(
      byFiles.items.slice(0, withFiles.length).map((i) => i.name),
      withFiles.map((i) => i.name),
      'objects without files come last, also in descending order',
    );
    const counts = withFiles.map((i) => i.files!);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
    );
  });

  test('a cursor of another sort is refused, naming the sort it continues', async () => {
    const first = await get<ObjectPage>('objects', { sort: 'records', order: 'desc', limit: '2' });
    assert.ok(first.next);
    const error = await refusal('objects', { sort: 'versions', cursor: first.next });
    assert.equal(error.code, 'INVALID_CURSOR');
    assert.match(error.message, /records desc/);
    assert.equal((await refusal('objects', { sort: 'size' })).code, 'INVALID_REQUEST');
    assert.equal((await refusal('objects', { order: 'up' })).code, 'INVALID_REQUEST');
  });
});

describe('files and figures of the object list', () => {
  test('files=true lists the file objects alone; the summary counts the whole list', async () => {
    const all = await get<ObjectPage>('objects', { limit: '1000' });
    const files = await get<ObjectPage>('objects', { files: 'true', limit: '1000' });
    const fileObjects = all.items.filter((i) => i.files !== undefined);
    assert.deepEqual(
      files.items.map((i) => i.name),
      fileObjects.map((i) => i.name),
    );
    assert.ok(files.items.some((i) => i.name === 'ContentVersion' && (i.files ?? 0) > 0));
    const excluded = await get<ExcludedPage>('excluded', { limit: '1000' });
    assert.deepEqual(files.summary, {
      objects: all.items.length,
      matching: fileObjects.length,
      fileObjects: fileObjects.length,
      files: fileObjects.reduce((sum, i) => sum + i.files!, 0),
      fileBytes: fileObjects.reduce((sum, i) => sum + i.fileBytes!, 0),
      unsupported: excluded.total,
    });
    assert.equal(all.summary.matching, all.items.length);
    const search = await get<ObjectPage>('objects', { q: 'account', limit: '1' });
    assert.equal(search.summary.objects, all.items.length, 'a search does not change the whole count');
    assert.equal(
      search.summary.matching,
      all.items.filter((i) => `${i.name} ${i.label}`.toLowerCase().includes('account')).length,
      'matching counts every page of the search, not only the first',
    );
  });
});

describe('the excluded objects a page at a time', () => {
  test('pages of 2 by API name make the whole list; total counts it', async () => {
    const whole = await get<ExcludedPage>('excluded', { limit: '1000' });
    assert.ok(whole.items.length > 4, `the small org has unsupported objects (${whole.items.length})`);
    assert.equal(whole.total, whole.items.length);
    assert.equal(whole.next, null);
    assert.deepEqual(
      whole.items.map((i) => i.name),
      [...whole.items].sort(byName).map((i) => i.name),
      'by API name',
    );
    for (const item of whole.items) assert.ok(item.reason.length > 0, `${item.name} has a reason`);

    const first = await get<ExcludedPage>('excluded', { limit: '2' });
    assert.equal(first.items.length, 2);
    assert.equal(first.total, whole.total, 'every page says how many there are');
    const paged = await allPages<ExcludedPage>('excluded', { limit: '2' });
    assert.deepEqual(paged, whole.items);
  });

  test('by label, descending, the pages continue that order', async () => {
    const whole = await get<ExcludedPage>('excluded', { sort: 'label', order: 'desc', limit: '1000' });
    const labels = whole.items.map((i) => i.label.toLowerCase());
    assert.deepEqual(labels, [...labels].sort().reverse());
    const paged = await allPages<ExcludedPage>('excluded', { sort: 'label', order: 'desc', limit: '3' });
    assert.deepEqual(paged, whole.items);
  });

  test('50 by default; a tampered cursor or one of another sort is refused', async () => {
    const page = await get<ExcludedPage>('excluded');
    assert.equal(page.items.length, Math.min(50, page.total));
    assert.equal((await refusal('excluded', { cursor: 'bm90LWEtY3Vyc29y' })).code, 'INVALID_CURSOR');
    const byName = await get<ExcludedPage>('excluded', { limit: '1' });
    assert.equal((await refusal('excluded', { sort: 'label', cursor: byName.next! })).code, 'INVALID_CURSOR');
    assert.equal((await refusal('excluded', { sort: 'reason' })).code, 'INVALID_REQUEST');
  });
});
