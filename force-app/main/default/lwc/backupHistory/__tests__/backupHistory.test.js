import { createElement } from 'lwc';
import BackupHistory from 'c/backupHistory';
import getRecordVersions from '@salesforce/apex/AutoBackupHistoryController.getRecordVersions';
import { flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockVersions = require('./data/getRecordVersions.json');

const RECORD_ID = '001000000000001AAA';

function renderHistory() {
  return mount('c-backup-history', BackupHistory, { recordId: RECORD_ID, objectApiName: 'Account' });
}

function versions(element) {
  return Array.from(element.shadowRoot.querySelectorAll('li.version'));
}

function changesOf(version) {
  return Array.from(version.querySelectorAll('tr.change')).map((row) => [
    row.querySelector('.field').textContent,
    row.querySelector('.before').textContent,
    row.querySelector('.after').textContent,
  ]);
}

describe('c-backup-history', () => {
  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  it('asks for the versions of the record on the page', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    await renderHistory();

    expect(getRecordVersions).toHaveBeenCalledWith({ objectApiName: 'Account', recordId: RECORD_ID });
  });

  it('lists the versions newest first with their times', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    expect(versions(element).map((version) => version.querySelector('.version-time').value)).toEqual([
      '2026-11-24T16:00:00.000Z',
      '2026-11-20T09:30:00.000Z',
      '2026-11-02T12:00:00.000Z',
    ]);
    expect(element.shadowRoot.querySelector('.version-count').textContent).toBe('3 versions backed up');
  });

  it('shows which fields changed from the version before, old to new', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    expect(changesOf(versions(element)[1])).toEqual([
      ['AnnualRevenue', '1000000', '2500000'],
      ['BillingAddress', '{"city":"Paris","country":"France"}', '{"city":"Lyon","country":"France"}'],
      ['Industry', '(empty)', 'Manufacturing'],
      ['Name', 'Acme Corp', 'Acme Corporation'],
    ]);
  });

  it('marks a deleted version', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    const [deleted, updated] = versions(element);
    expect(deleted.querySelector('.deleted-badge').textContent).toBe('Deleted');
    expect(deleted.querySelector('.no-change').textContent).toContain('deleted in Salesforce');
    expect(updated.querySelector('.deleted-badge')).toBeNull();
  });

  it('marks a version that brought a deleted record back', async () => {
    getRecordVersions.mockResolvedValue({
      items: [
        { systemModstamp: '2026-11-25T10:00:00.000Z', deleted: false, fields: { Name: 'Acme' } },
        ...mockVersions.items,
      ],
    });
    const element = await renderHistory();

    expect(versions(element)[0].querySelector('.restored-badge').textContent).toBe('Undeleted');
    expect(changesOf(versions(element)[0])).toContainEqual(['Name', 'Acme Corporation', 'Acme']);
  });

  it('lists the values of the oldest version instead of changes', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    const oldest = versions(element)[2];
    expect(oldest.querySelector('.values-summary').textContent).toBe(
      'First backed-up version, with 5 fields.',
    );
    expect(oldest.querySelector('tr.change')).toBeNull();
  });

  it('shows the newest versions first and older ones on request', async () => {
    const items = Array.from({ length: 25 }, (_, index) => ({
      systemModstamp: new Date(Date.UTC(2026, 10, 25, 12, 0, 0) - index * 60000).toISOString(),
      deleted: false,
      fields: { Name: `Name ${25 - index}` },
    }));
    getRecordVersions.mockResolvedValue({ items });
    const element = await renderHistory();

    expect(versions(element)).toHaveLength(20);
    element.shadowRoot.querySelector('.show-older').click();
    await flushPromises();
    expect(versions(element)).toHaveLength(25);
    expect(element.shadowRoot.querySelector('.show-older')).toBeNull();
  });

  it('loads again when the page shows another record', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    element.recordId = '001000000000002AAA';
    await flushPromises();

    expect(getRecordVersions).toHaveBeenLastCalledWith({
      objectApiName: 'Account',
      recordId: '001000000000002AAA',
    });
  });

  it('explains itself when it is not on a record page', async () => {
    const element = createElement('c-backup-history', { is: BackupHistory });
    document.body.appendChild(element);
    await flushPromises();

    expect(getRecordVersions).not.toHaveBeenCalled();
    expect(element.shadowRoot.querySelector('.missing-record').textContent).toContain('record page');
  });

  it('says so when the record has no backed-up versions yet', async () => {
    getRecordVersions.mockResolvedValue({ items: [] });
    const element = await renderHistory();

    expect(versions(element)).toHaveLength(0);
    expect(element.shadowRoot.querySelector('.empty-message').textContent).toContain('No backed-up versions');
  });

  it('shows a spinner while loading', async () => {
    getRecordVersions.mockReturnValue(new Promise(() => {}));
    const element = await renderHistory();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.empty-message')).toBeNull();
  });

  it('shows an error panel when the history cannot be loaded, and retries', async () => {
    const error = { body: { message: 'The backup service is unreachable.' }, ok: false, status: 500 };
    getRecordVersions.mockRejectedValueOnce(error).mockResolvedValueOnce(mockVersions);
    const element = await renderHistory();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(error);
    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();

    expect(versions(element)).toHaveLength(3);
  });

  it('is accessible', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    await expect(element).toBeAccessible();
  });
});
