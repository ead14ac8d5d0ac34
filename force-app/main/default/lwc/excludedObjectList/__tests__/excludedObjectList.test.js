import ExcludedObjectList, { SUPPORT_RULES } from 'c/excludedObjectList';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockExcluded = require('./data/getExcludedObjects.json');

const APEX_ERROR = apexError('The backup service rejected the key.');

/** What the list asks for first: 50 by API name. */
const FIRST_PAGE = { sortBy: 'name', sortOrder: 'asc', cursor: null, pageSize: 50 };

function renderList() {
  return mount('c-excluded-object-list', ExcludedObjectList);
}

function names(element) {
  return Array.from(element.shadowRoot.querySelectorAll('tbody tr')).map((row) => row.dataset.name);
}

function header(element, key) {
  return element.shadowRoot.querySelector(`th[data-key="${key}"]`);
}

function excludedPage(from, count, total, next) {
  const items = Array.from({ length: count }, (_, index) => ({
    name: `Obj${String(from + index).padStart(3, '0')}ChangeEvent`,
    label: `Obj ${from + index} Change Event`,
    reason: 'a Change Data Capture event stream, not stored records',
  }));
  return { items, next, total };
}

describe('c-excluded-object-list', () => {
  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  it('lists each unsupported object with the reason, and how many there are', async () => {
    getExcludedObjects.mockResolvedValue(mockExcluded);
    const element = await renderList();

    expect(getExcludedObjects).toHaveBeenCalledWith(FIRST_PAGE);
    const rows = Array.from(element.shadowRoot.querySelectorAll('tbody tr')).map((row) => [
      row.querySelector('.object-label').textContent,
      row.querySelector('.object-name').textContent,
      row.querySelector('.reason').textContent,
    ]);
    expect(rows).toEqual(mockExcluded.items.map((item) => [item.label, item.name, item.reason]));
    expect(element.shadowRoot.querySelector('.list-summary').textContent).toBe(
      '3 objects are not backed up because they cannot be. ',
    );
  });

  it('pages a long list from the service with "Load more"', async () => {
    getExcludedObjects
      .mockResolvedValueOnce(excludedPage(0, 50, 120, 'page-2'))
      .mockResolvedValueOnce(excludedPage(50, 50, 120, 'page-3'))
      .mockResolvedValueOnce(excludedPage(100, 20, 120, null));
    const element = await renderList();

    expect(names(element)).toHaveLength(50);
    expect(element.shadowRoot.querySelector('.list-summary').textContent).toContain('Showing 50 of 120.');
    element.shadowRoot.querySelector('c-load-more-button').dispatchEvent(new CustomEvent('loadmore'));
    await flushPromises();
    expect(getExcludedObjects).toHaveBeenLastCalledWith({ ...FIRST_PAGE, cursor: 'page-2' });
    expect(names(element)).toHaveLength(100);
    element.shadowRoot.querySelector('c-load-more-button').dispatchEvent(new CustomEvent('loadmore'));
    await flushPromises();
    expect(getExcludedObjects).toHaveBeenLastCalledWith({ ...FIRST_PAGE, cursor: 'page-3' });
    expect(names(element)).toHaveLength(120);
    expect(names(element)[119]).toBe('Obj119ChangeEvent');
    expect(element.shadowRoot.querySelector('c-load-more-button')).toBeNull();
    expect(element.shadowRoot.querySelector('.list-summary').textContent).not.toContain('Showing');
  });

  it('sorts by label when its header is clicked, with aria-sort and an announcement', async () => {
    getExcludedObjects.mockResolvedValue(mockExcluded);
    const element = await renderList();
    expect(header(element, 'name').getAttribute('aria-sort')).toBe('ascending');
    expect(header(element, 'reason').querySelector('button')).toBeNull();

    header(element, 'label').querySelector('button').click();
    await flushPromises();
    expect(getExcludedObjects).toHaveBeenLastCalledWith({ ...FIRST_PAGE, sortBy: 'label' });
    expect(header(element, 'label').getAttribute('aria-sort')).toBe('ascending');
    expect(header(element, 'name').hasAttribute('aria-sort')).toBe(false);

    header(element, 'label').querySelector('button').click();
    await flushPromises();
    expect(getExcludedObjects).toHaveBeenLastCalledWith({
      ...FIRST_PAGE,
      sortBy: 'label',
      sortOrder: 'desc',
    });
    expect(header(element, 'label').getAttribute('aria-sort')).toBe('descending');
    expect(element.shadowRoot.querySelector('.sort-announcement').textContent).toBe(
      'Sorted by Object, descending',
    );
  });

  it('explains what "supported" means, as the admin guide does', async () => {
    getExcludedObjects.mockResolvedValue(mockExcluded);
    const element = await renderList();

    const rules = Array.from(element.shadowRoot.querySelectorAll('.support-rules li')).map(
      (li) => li.textContent,
    );
    expect(rules).toEqual(SUPPORT_RULES);
    const guide = readFileSync(resolve(__dirname, '../../../../../../docs/admin-guide.md'), 'utf8');
    const section = guide.slice(guide.indexOf('### Which objects are supported'));
    expect(section.length).toBeGreaterThan(0);
    // The guide writes names as code (`__e`) and wraps lines; the words are the same.
    const plain = (text) => text.replace(/[`\\]/g, '').replace(/\s+/g, ' ');
    for (const rule of SUPPORT_RULES) {
      expect(plain(section)).toContain(plain(rule));
    }
    expect(element.shadowRoot.querySelector('.what-supported').textContent).toContain(
      'Which objects are supported',
    );
  });

  it('shows a spinner while loading', async () => {
    getExcludedObjects.mockReturnValue(new Promise(() => {}));
    const element = await renderList();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-empty-state')).toBeNull();
  });

  it('says with an illustration when nothing is excluded', async () => {
    getExcludedObjects.mockResolvedValue({ items: [], next: null, total: 0 });
    const element = await renderList();

    expect(element.shadowRoot.querySelector('table')).toBeNull();
    const empty = element.shadowRoot.querySelector('c-empty-state');
    expect(empty.illustration).toBe('no-task');
    expect(empty.heading).toBe('Nothing is excluded');
    expect(element.shadowRoot.querySelector('.list-summary')).toBeNull();
  });

  it('shows an error panel when the list cannot be loaded, and retries', async () => {
    getExcludedObjects.mockRejectedValueOnce(APEX_ERROR).mockResolvedValueOnce(mockExcluded);
    const element = await renderList();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(APEX_ERROR);
    expect(element.shadowRoot.querySelector('c-empty-state')).toBeNull();

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(names(element)).toHaveLength(3);
  });

  it('is accessible', async () => {
    getExcludedObjects.mockResolvedValue(mockExcluded);
    const element = await renderList();

    await expect(element).toBeAccessible();
  });
});
