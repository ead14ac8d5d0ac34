import ExcludedObjectList, { PAGE_SIZE } from 'c/excludedObjectList';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockExcluded = require('./data/getExcludedObjects.json');

const APEX_ERROR = apexError('The backup service rejected the key.');

function renderList() {
  return mount('c-excluded-object-list', ExcludedObjectList);
}

describe('c-excluded-object-list', () => {
  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  it('lists each unsupported object with the reason', async () => {
    getExcludedObjects.mockResolvedValue(mockExcluded);
    const element = await renderList();

    const rows = Array.from(element.shadowRoot.querySelectorAll('tbody tr')).map((row) => [
      row.querySelector('.object-label').textContent,
      row.querySelector('.object-name').textContent,
      row.querySelector('.reason').textContent,
    ]);
    expect(rows).toEqual(mockExcluded.items.map((item) => [item.label, item.name, item.reason]));
  });

  it('pages a long list with "Load more", like the other lists', async () => {
    const items = Array.from({ length: 120 }, (_, index) => ({
      name: `Obj${String(index).padStart(3, '0')}ChangeEvent`,
      label: `Obj ${index} Change Event`,
      reason: 'Change Data Capture events are a stream, not stored records.',
    }));
    getExcludedObjects.mockResolvedValue({ items });
    const element = await renderList();

    const rows = () => element.shadowRoot.querySelectorAll('tbody tr');
    expect(rows()).toHaveLength(PAGE_SIZE);
    element.shadowRoot.querySelector('c-load-more-button').dispatchEvent(new CustomEvent('loadmore'));
    await flushPromises();
    expect(rows()).toHaveLength(2 * PAGE_SIZE);
    element.shadowRoot.querySelector('c-load-more-button').dispatchEvent(new CustomEvent('loadmore'));
    await flushPromises();
    expect(rows()).toHaveLength(120);
    expect(element.shadowRoot.querySelector('c-load-more-button')).toBeNull();
  });

  it('shows a spinner while loading', async () => {
    getExcludedObjects.mockReturnValue(new Promise(() => {}));
    const element = await renderList();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.empty-message')).toBeNull();
  });

  it('says so when every object is supported', async () => {
    getExcludedObjects.mockResolvedValue({ items: [] });
    const element = await renderList();

    expect(element.shadowRoot.querySelector('table')).toBeNull();
    expect(element.shadowRoot.querySelector('.empty-message')).not.toBeNull();
  });

  it('shows an error panel when the list cannot be loaded, and retries', async () => {
    getExcludedObjects.mockRejectedValueOnce(APEX_ERROR).mockResolvedValueOnce(mockExcluded);
    const element = await renderList();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(APEX_ERROR);
    expect(element.shadowRoot.querySelector('.empty-message')).toBeNull();

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(element.shadowRoot.querySelectorAll('tbody tr')).toHaveLength(3);
  });

  it('is accessible', async () => {
    getExcludedObjects.mockResolvedValue(mockExcluded);
    const element = await renderList();

    await expect(element).toBeAccessible();
  });
});
