import { createElement } from 'lwc';
import BackupObjectList from 'c/backupObjectList';
import { OBJECT_STATUSES } from 'c/backupStatus';
import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockObjects = require('./data/getObjects.json');

const APEX_ERROR = apexError('The backup service did not answer in time.');

/** What the list asks for first: every object, by label. */
const FIRST_PAGE = {
  status: null,
  query: null,
  filesOnly: false,
  sortBy: 'label',
  sortOrder: 'asc',
  cursor: null,
  pageSize: 50,
};

function renderList() {
  return mount('c-backup-object-list', BackupObjectList);
}

function objectNames(element) {
  return Array.from(element.shadowRoot.querySelectorAll('tbody tr')).map((row) => row.dataset.name);
}

function chooseStatus(element, status) {
  const select = element.shadowRoot.querySelector('select.status-filter');
  select.value = status;
  select.dispatchEvent(new CustomEvent('change'));
}

function header(element, key) {
  return element.shadowRoot.querySelector(`th[data-key="${key}"]`);
}

function sortBy(element, key) {
  header(element, key).querySelector('button').click();
}

function summaryText(element) {
  return element.shadowRoot.querySelector('.list-summary').textContent;
}

function row(element, name) {
  return element.shadowRoot.querySelector(`tr[data-name="${name}"]`);
}

describe('c-backup-object-list', () => {
  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
    jest.useRealTimers();
  });

  it('asks for the first page of every status', async () => {
    getObjects.mockResolvedValue(mockObjects);
    await renderList();

    expect(getObjects).toHaveBeenCalledWith({ ...FIRST_PAGE });
  });

  it('lists each object with its label, API name, counts and times', async () => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();

    expect(objectNames(element)).toEqual(mockObjects.items.map((item) => item.name));
    const account = row(element, 'Opportunity');
    expect(account.querySelector('.object-label').textContent).toBe('Opportunity');
    expect(account.querySelector('.records').value).toBe(40000);
    expect(account.querySelector('.versions').value).toBe(40000);
    expect(account.querySelector('.last-backup').value).toBe('2026-11-25T08:12:00.000Z');
    expect(account.querySelector('.caught-up-to').value).toBe('2021-06-30T00:00:00.000Z');
    expect(row(element, 'Invoice__c').querySelector('.object-name').textContent).toBe('Invoice__c');
  });

  it.each([
    ['Account', 'Waiting', undefined],
    ['Contact', 'Running', undefined],
    ['ContentVersion', 'Paused', undefined],
    ['Campaign', 'Waiting', 'api-budget'],
  ])('shows the status of %s (%s) as the shared status badge', async (name, status, waitingFor) => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();

    const badge = row(element, name).querySelector('c-backup-status-badge');
    expect(badge.kind).toBe('object');
    expect(badge.status).toBe(status);
    expect(badge.waitingFor).toBe(waitingFor);
  });

  it('explains every status in the legend, the API budget wait included', async () => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();

    const badges = Array.from(element.shadowRoot.querySelectorAll('.legend c-backup-status-badge'));
    expect(badges.map((badge) => [badge.status, badge.waitingFor])).toEqual([
      ...OBJECT_STATUSES.map((status) => [status, undefined]),
      ['Waiting', 'api-budget'],
    ]);
  });

  it('shows the files and their size of a file object, and nothing for other objects', async () => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();

    const contentVersion = row(element, 'ContentVersion');
    expect(contentVersion.querySelector('.files').value).toBe(4400);
    expect(contentVersion.querySelector('.file-bytes').textContent).toBe('1.5 MB');
    expect(row(element, 'Account').querySelector('.files')).toBeNull();
    expect(row(element, 'Account').querySelector('.file-bytes')).toBeNull();
  });

  it('filters by status', async () => {
    getObjects.mockResolvedValueOnce(mockObjects).mockResolvedValueOnce({
      items: [mockObjects.items[6]],
      next: null,
    });
    const element = await renderList();

    chooseStatus(element, 'Error');
    await flushPromises();

    expect(getObjects).toHaveBeenLastCalledWith({ ...FIRST_PAGE, status: 'Error' });
    expect(objectNames(element)).toEqual(['Case']);
    const options = Array.from(element.shadowRoot.querySelectorAll('select.status-filter option'));
    expect(options.map((option) => option.textContent)).toEqual([
      'All statuses',
      'Waiting',
      'Running',
      'Backfilling',
      'Paused',
      'Excluded',
      'Unavailable',
      'Error',
    ]);
    expect(options.find((option) => option.selected).value).toBe('Error');
    expect(element.shadowRoot.querySelector('.load-more')).toBeNull();
  });

  it('searches by name once the user stops typing', async () => {
    jest.useFakeTimers();
    getObjects.mockResolvedValue(mockObjects);
    const element = createElement('c-backup-object-list', { is: BackupObjectList });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(0);
    getObjects.mockClear();
    getObjects.mockResolvedValue({ items: [mockObjects.items[5]], next: null });

    const search = element.shadowRoot.querySelector('.search');
    search.dispatchEvent(new CustomEvent('change', { detail: { value: 'Inv' } }));
    await jest.advanceTimersByTimeAsync(100);
    search.dispatchEvent(new CustomEvent('change', { detail: { value: 'Invoice ' } }));
    await jest.advanceTimersByTimeAsync(299);
    expect(getObjects).not.toHaveBeenCalled();

    await jest.advanceTimersByTimeAsync(1);
    expect(getObjects).toHaveBeenCalledTimes(1);
    expect(getObjects).toHaveBeenCalledWith({ ...FIRST_PAGE, query: 'Invoice' });
    expect(objectNames(element)).toEqual(['Invoice__c']);
  });

  it('ignores an older answer that arrives after a newer one', async () => {
    let answerFirst;
    getObjects
      .mockReturnValueOnce(new Promise((resolve) => (answerFirst = resolve)))
      .mockResolvedValueOnce({ items: [mockObjects.items[6]], next: null });
    const element = await renderList();

    chooseStatus(element, 'Error');
    await flushPromises();
    answerFirst(mockObjects);
    await flushPromises();

    expect(objectNames(element)).toEqual(['Case']);
  });

  it('loads the next page with the cursor and appends it', async () => {
    getObjects.mockResolvedValueOnce(mockObjects).mockResolvedValueOnce({
      items: [
        {
          name: 'Lead',
          label: 'Lead',
          status: 'Waiting',
          records: 10,
          versions: 12,
          lastBackupAt: '2026-11-25T08:00:00.000Z',
          caughtUpTo: '2026-11-25T08:00:00.000Z',
        },
      ],
      next: null,
    });
    const element = await renderList();

    element.shadowRoot.querySelector('.load-more').dispatchEvent(new CustomEvent('loadmore'));
    await flushPromises();

    expect(getObjects).toHaveBeenLastCalledWith({ ...FIRST_PAGE, cursor: 'eyJhZnRlciI6IkNhc2UifQ' });
    expect(objectNames(element)).toEqual([...mockObjects.items.map((item) => item.name), 'Lead']);
    expect(element.shadowRoot.querySelector('.load-more')).toBeNull();
  });

  it('says with an illustration when nothing matches the filter', async () => {
    getObjects.mockResolvedValueOnce(mockObjects).mockResolvedValueOnce({
      items: [],
      next: null,
      summary: { ...mockObjects.summary, matching: 0 },
    });
    const element = await renderList();

    chooseStatus(element, 'Unavailable');
    await flushPromises();

    expect(element.shadowRoot.querySelector('table')).toBeNull();
    const empty = element.shadowRoot.querySelector('c-empty-state');
    expect(empty.heading).toBe('No objects match');
    expect(empty.message).toContain('Change the status');
    expect(summaryText(element)).toBe(
      '0 of 43 objects shown · 3 not supported · 4,400 files, 1.5 MB in 3 file objects',
    );
  });

  it('says with an illustration when no objects are known yet', async () => {
    getObjects.mockResolvedValue({
      items: [],
      next: null,
      summary: { objects: 0, matching: 0, fileObjects: 0, files: 0, fileBytes: 0, unsupported: 0 },
    });
    const element = await renderList();

    const empty = element.shadowRoot.querySelector('c-empty-state');
    expect(empty.heading).toBe('No objects yet');
    expect(empty.message).toContain('first scan');
    expect(summaryText(element)).toBe('0 objects');
  });

  it('counts the whole list, its unsupported objects and files in the header', async () => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();

    expect(summaryText(element)).toBe('43 objects · 3 not supported · 4,400 files, 1.5 MB in 3 file objects');
  });

  it('sorts by a column the user clicks: largest first, then reversed, with aria-sort and an announcement', async () => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();
    expect(header(element, 'label').getAttribute('aria-sort')).toBe('ascending');
    expect(header(element, 'records').hasAttribute('aria-sort')).toBe(false);

    sortBy(element, 'records');
    await flushPromises();
    expect(getObjects).toHaveBeenLastCalledWith({ ...FIRST_PAGE, sortBy: 'records', sortOrder: 'desc' });
    expect(header(element, 'records').getAttribute('aria-sort')).toBe('descending');
    expect(header(element, 'records').className).toContain('slds-is-sorted_desc');
    expect(header(element, 'label').hasAttribute('aria-sort')).toBe(false);
    expect(header(element, 'records').querySelector('lightning-icon').iconName).toBe('utility:arrowdown');
    expect(element.shadowRoot.querySelector('.sort-announcement').textContent).toBe(
      'Sorted by Records, descending',
    );

    sortBy(element, 'records');
    await flushPromises();
    expect(getObjects).toHaveBeenLastCalledWith({ ...FIRST_PAGE, sortBy: 'records', sortOrder: 'asc' });
    expect(header(element, 'records').getAttribute('aria-sort')).toBe('ascending');
    expect(header(element, 'records').querySelector('lightning-icon').iconName).toBe('utility:arrowup');
  });

  it('keeps the rows and the pressed header in place while the new order loads', async () => {
    let answerSorted;
    getObjects
      .mockResolvedValueOnce(mockObjects)
      .mockReturnValueOnce(new Promise((resolve) => (answerSorted = resolve)));
    const element = await renderList();
    const button = header(element, 'records').querySelector('button');

    button.click();
    await flushPromises();
    expect(objectNames(element)).toEqual(mockObjects.items.map((item) => item.name));
    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();

    answerSorted({ ...mockObjects, items: [...mockObjects.items].reverse() });
    await flushPromises();
    expect(objectNames(element)).toEqual(mockObjects.items.map((item) => item.name).reverse());
    expect(header(element, 'records').querySelector('button')).toBe(button);
  });

  it('keeps the sort when the next page is loaded', async () => {
    getObjects
      .mockResolvedValueOnce(mockObjects)
      .mockResolvedValueOnce(mockObjects)
      .mockResolvedValueOnce({
        ...mockObjects,
        items: [{ ...mockObjects.items[0], name: 'Lead', label: 'Lead' }],
        next: null,
      });
    const element = await renderList();
    sortBy(element, 'files');
    await flushPromises();

    element.shadowRoot.querySelector('.load-more').dispatchEvent(new CustomEvent('loadmore'));
    await flushPromises();

    expect(getObjects).toHaveBeenLastCalledWith({
      ...FIRST_PAGE,
      sortBy: 'files',
      sortOrder: 'desc',
      cursor: mockObjects.next,
    });
  });

  it('shows the file objects alone when asked', async () => {
    getObjects.mockResolvedValueOnce(mockObjects).mockResolvedValueOnce({
      items: [mockObjects.items[3]],
      next: null,
      summary: { ...mockObjects.summary, matching: 1 },
    });
    const element = await renderList();

    const show = element.shadowRoot.querySelector('select.show-filter');
    show.value = 'files';
    show.dispatchEvent(new CustomEvent('change'));
    await flushPromises();

    expect(getObjects).toHaveBeenLastCalledWith({ ...FIRST_PAGE, filesOnly: true });
    expect(objectNames(element)).toEqual(['ContentVersion']);
    expect(summaryText(element)).toMatch(/^1 of 43 objects shown/);
  });

  it('shows a spinner while the first page loads', async () => {
    getObjects.mockReturnValue(new Promise(() => {}));
    const element = await renderList();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-empty-state')).toBeNull();
  });

  it('shows an error panel when the list cannot be loaded, and retries', async () => {
    getObjects.mockRejectedValueOnce(APEX_ERROR).mockResolvedValueOnce(mockObjects);
    const element = await renderList();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(APEX_ERROR);
    expect(element.shadowRoot.querySelector('c-empty-state')).toBeNull();

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
    expect(objectNames(element)).toHaveLength(8);
  });

  // axe walks every row's badge and the legend: more than jest's default 5 s on a busy 2-core machine.
  it('is accessible', async () => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();

    await expect(element).toBeAccessible();
  }, 30000);
});
