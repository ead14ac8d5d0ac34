import { createElement } from 'lwc';
import BackupObjectList from 'c/backupObjectList';
import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockObjects = require('./data/getObjects.json');

const APEX_ERROR = apexError('The backup service did not answer in time.');

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

    expect(getObjects).toHaveBeenCalledWith({ status: null, query: null, cursor: null, pageSize: 50 });
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
    ['Account', 'Waiting', 'slds-theme_success', 'Caught up'],
    ['Contact', 'Running', 'slds-badge_inverse', 'Nearly caught up'],
    ['Opportunity', 'Backfilling', 'slds-badge_inverse', 'Still backing up'],
    ['ContentVersion', 'Paused', 'slds-theme_warning', 'paused'],
    ['LoginHistory', 'Excluded', 'slds-badge_lightest', 'Auto Backup Exclusions'],
    ['Invoice__c', 'Unavailable', 'slds-theme_warning', 'can no longer read'],
    ['Case', 'Error', 'slds-theme_error', 'failed'],
    ['Campaign', 'Waiting (API budget)', 'slds-theme_warning', 'daily API allowance'],
  ])('shows %s with a %s badge that explains itself', async (name, status, theme, meaning) => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();

    const badge = row(element, name).querySelector('[data-id="status-badge"]');
    expect(badge.textContent).toBe(status);
    expect(badge.className).toContain(theme);
    expect(badge.title).toContain(meaning);
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

    expect(getObjects).toHaveBeenLastCalledWith({ status: 'Error', query: null, cursor: null, pageSize: 50 });
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
    expect(getObjects).toHaveBeenCalledWith({ status: null, query: 'Invoice', cursor: null, pageSize: 50 });
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

    expect(getObjects).toHaveBeenLastCalledWith({
      status: null,
      query: null,
      cursor: 'eyJhZnRlciI6IkNhc2UifQ',
      pageSize: 50,
    });
    expect(objectNames(element)).toEqual([...mockObjects.items.map((item) => item.name), 'Lead']);
    expect(element.shadowRoot.querySelector('.load-more')).toBeNull();
  });

  it('says when nothing matches the filter', async () => {
    getObjects.mockResolvedValueOnce(mockObjects).mockResolvedValueOnce({ items: [], next: null });
    const element = await renderList();

    chooseStatus(element, 'Unavailable');
    await flushPromises();

    expect(element.shadowRoot.querySelector('table')).toBeNull();
    expect(element.shadowRoot.querySelector('.empty-message').textContent).toBe(
      'No objects match this filter.',
    );
  });

  it('says when no objects are known yet', async () => {
    getObjects.mockResolvedValue({ items: [], next: null });
    const element = await renderList();

    expect(element.shadowRoot.querySelector('.empty-message').textContent).toContain(
      'No objects have been found yet',
    );
  });

  it('shows a spinner while the first page loads', async () => {
    getObjects.mockReturnValue(new Promise(() => {}));
    const element = await renderList();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.empty-message')).toBeNull();
  });

  it('shows an error panel when the list cannot be loaded, and retries', async () => {
    getObjects.mockRejectedValueOnce(APEX_ERROR).mockResolvedValueOnce(mockObjects);
    const element = await renderList();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(APEX_ERROR);
    expect(element.shadowRoot.querySelector('.empty-message')).toBeNull();

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
    expect(objectNames(element)).toHaveLength(8);
  });

  it('is accessible', async () => {
    getObjects.mockResolvedValue(mockObjects);
    const element = await renderList();

    await expect(element).toBeAccessible();
  });
});
