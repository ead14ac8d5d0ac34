import { createElement } from 'lwc';
import BackupHistory, { VERSIONS_PER_PAGE } from 'c/backupHistory';
import { existsSync } from 'fs';
import { join } from 'path';
import getFieldDescriptions from '@salesforce/apex/AutoBackupHistoryController.getFieldDescriptions';
import getRecordVersions from '@salesforce/apex/AutoBackupHistoryController.getRecordVersions';
import getFileDownloadLink from '@salesforce/apex/AutoBackupHistoryController.getFileDownloadLink';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockVersions = require('./data/getRecordVersions.json');
const mockFileLink = require('./data/getFileDownloadLink.json');
const mockFields = require('./data/getFieldDescriptions.json');

const RECORD_ID = '001000000000001AAA';

function renderHistory() {
  return mount('c-backup-history', BackupHistory, { recordId: RECORD_ID, objectApiName: 'Account' });
}

function versions(element) {
  return Array.from(element.shadowRoot.querySelectorAll('li.version'));
}

/** `count` versions, newest first, one minute apart, each renaming the record. */
function versionsPage(count, { first = 0, next = null } = {}) {
  return {
    items: Array.from({ length: count }, (_, index) => ({
      systemModstamp: new Date(Date.UTC(2026, 10, 25, 12, 0, 0) - (first + index) * 60000).toISOString(),
      deleted: false,
      fields: { Name: `Name ${1000 - first - index}` },
    })),
    next,
  };
}

function changesOf(version) {
  return Array.from(version.querySelectorAll('li.change')).map((row) => [
    row.querySelector('.field').getAttribute('title'),
    row.querySelector('.before').textContent,
    row.querySelector('.after').textContent,
  ]);
}

describe('c-backup-history', () => {
  beforeEach(() => {
    getFieldDescriptions.mockResolvedValue(mockFields);
  });

  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  it('asks for the versions of the record on the page', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    await renderHistory();

    expect(getRecordVersions).toHaveBeenCalledWith({
      objectApiName: 'Account',
      recordId: RECORD_ID,
      before: null,
      pageSize: VERSIONS_PER_PAGE,
    });
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

  it('shows which fields changed from the version before, old to new, by label and formatted by type', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    expect(getFieldDescriptions).toHaveBeenCalledWith({ objectApiName: 'Account' });
    expect(changesOf(versions(element)[1])).toEqual([
      ['Name', 'Acme Corp', 'Acme Corporation'],
      ['AnnualRevenue', '$1,000,000', '$2,500,000'],
      ['BillingAddress', 'Paris\nFrance', 'Lyon\nFrance'],
      ['Industry', '(empty)', 'Manufacturing'],
    ]);
  });

  it('shows picklist values by label', async () => {
    getRecordVersions.mockResolvedValue({
      items: [
        { systemModstamp: '2026-11-25T10:00:00.000Z', deleted: false, fields: { Industry: 'Energy' } },
        { systemModstamp: '2026-11-24T10:00:00.000Z', deleted: false, fields: { Industry: 'Retired' } },
      ],
      next: null,
    });
    const element = await renderHistory();

    expect(changesOf(versions(element)[0])).toEqual([['Industry', 'Retired', 'Energy and Utilities']]);
  });

  it('shows amounts in the record currency when the record has one', async () => {
    getRecordVersions.mockResolvedValue({
      items: [
        {
          systemModstamp: '2026-11-25T10:00:00.000Z',
          deleted: false,
          fields: { AnnualRevenue: 2500000, CurrencyIsoCode: 'EUR' },
        },
        {
          systemModstamp: '2026-11-24T10:00:00.000Z',
          deleted: false,
          fields: { AnnualRevenue: 1000000, CurrencyIsoCode: 'EUR' },
        },
      ],
      next: null,
    });
    const element = await renderHistory();

    expect(changesOf(versions(element)[0])).toEqual([['AnnualRevenue', '€1,000,000', '€2,500,000']]);
  });

  it('lays each change out as label, then before and after, so it reads in a narrow sidebar', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    expect(element.shadowRoot.querySelector('table')).toBeNull();
    const list = versions(element)[1].querySelector('ul.changes');
    expect(list.getAttribute('aria-label')).toBe('Changed fields');
    const first = list.querySelector('li.change');
    expect(first.querySelector('.field-label').textContent).toBe('Account Name');
    expect(Array.from(first.querySelectorAll('dl.change-values dt')).map((term) => term.textContent)).toEqual(
      ['Before', 'After'],
    );
    expect(first.querySelector('dd.before').textContent).toBe('Acme Corp');
  });

  it('shows an SLDS icon that exists in its header', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    const iconName = element.shadowRoot.querySelector('lightning-card').iconName;
    const [category, name] = iconName.split(':');
    const icons = join(process.cwd(), 'node_modules/@salesforce-ux/design-system/assets/icons');
    expect(existsSync(join(icons, category, `${name}.svg`))).toBe(true);
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
    expect(oldest.querySelector('li.change')).toBeNull();
  });

  it('asks the service for older versions with "Load older versions", from where the last page ended', async () => {
    getRecordVersions
      .mockResolvedValueOnce(versionsPage(20, { next: '2026-11-25T11:40:00.000Z' }))
      .mockResolvedValueOnce(versionsPage(5, { first: 20 }));
    const element = await renderHistory();

    expect(versions(element)).toHaveLength(20);
    expect(element.shadowRoot.querySelector('.version-count').textContent).toBe(
      'The newest 20 versions; older ones can be loaded.',
    );
    element.shadowRoot.querySelector('.load-older').click();
    await flushPromises();

    expect(getRecordVersions).toHaveBeenLastCalledWith({
      objectApiName: 'Account',
      recordId: RECORD_ID,
      before: '2026-11-25T11:40:00.000Z',
      pageSize: VERSIONS_PER_PAGE,
    });
    expect(versions(element)).toHaveLength(25);
    expect(element.shadowRoot.querySelector('.load-older')).toBeNull();
    expect(element.shadowRoot.querySelector('.version-count').textContent).toBe('25 versions backed up');
  });

  it('compares the oldest version of a page with the newest of the next page once it is loaded', async () => {
    getRecordVersions
      .mockResolvedValueOnce(versionsPage(2, { next: '2026-11-25T11:58:00.000Z' }))
      .mockResolvedValueOnce(versionsPage(1, { first: 2 }));
    const element = await renderHistory();

    const oldestLoaded = versions(element)[1];
    expect(oldestLoaded.querySelector('.older-not-loaded').textContent).toContain('Load older versions');
    expect(oldestLoaded.querySelector('.values-summary')).toBeNull();

    element.shadowRoot.querySelector('.load-older').click();
    await flushPromises();

    expect(changesOf(versions(element)[1])).toEqual([['Name', 'Name 998', 'Name 999']]);
    expect(versions(element)[2].querySelector('.values-summary')).not.toBeNull();
  });

  it('keeps what is shown when an older page fails, and retries that page', async () => {
    getRecordVersions
      .mockResolvedValueOnce(versionsPage(20, { next: '2026-11-25T11:40:00.000Z' }))
      .mockRejectedValueOnce({ body: { message: 'The backup service did not answer in time.' } })
      .mockResolvedValueOnce(versionsPage(1, { first: 20 }));
    const element = await renderHistory();

    element.shadowRoot.querySelector('.load-older').click();
    await flushPromises();
    expect(versions(element)).toHaveLength(20);
    element.shadowRoot.querySelector('c-error-panel').dispatchEvent(new CustomEvent('retry'));
    await flushPromises();

    expect(getRecordVersions).toHaveBeenLastCalledWith(
      expect.objectContaining({ before: '2026-11-25T11:40:00.000Z' }),
    );
    expect(versions(element)).toHaveLength(21);
  });

  it('shows field labels from the object describe, with the API name beside them', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    const rows = Array.from(versions(element)[1].querySelectorAll('li.change'));
    expect(rows.map((row) => row.querySelector('.field-label').textContent)).toEqual([
      'Account Name',
      'Annual Revenue',
      'Billing Address',
      'Industry',
    ]);
    expect(rows[0].querySelector('.field-name').textContent).toBe('Name');
    expect(rows[3].querySelector('.field-name')).toBeNull();
  });

  it('shows API names and values by their JSON type when the describe is not available', async () => {
    getFieldDescriptions.mockRejectedValue(apexError('You do not have access to Account records.'));
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    expect(changesOf(versions(element)[1])).toEqual([
      ['AnnualRevenue', '1,000,000', '2,500,000'],
      ['BillingAddress', 'Paris\nFrance', 'Lyon\nFrance'],
      ['Industry', '(empty)', 'Manufacturing'],
      ['Name', 'Acme Corp', 'Acme Corporation'],
    ]);
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
  });

  it('asks for the field descriptions once per object, not again for older pages', async () => {
    getRecordVersions
      .mockResolvedValueOnce(versionsPage(2, { next: '2026-11-25T11:58:00.000Z' }))
      .mockResolvedValueOnce(versionsPage(1, { first: 2 }));
    const element = await renderHistory();
    element.shadowRoot.querySelector('.load-older').click();
    await flushPromises();

    expect(getFieldDescriptions).toHaveBeenCalledTimes(1);
  });

  it('says that an encrypted value is hidden instead of showing the mask', async () => {
    getRecordVersions.mockResolvedValue({
      items: [
        {
          systemModstamp: '2026-11-24T16:00:00.000Z',
          deleted: false,
          fields: { Name: 'Acme', Tax_Id__c: '********' },
        },
        {
          systemModstamp: '2026-11-02T12:00:00.000Z',
          deleted: false,
          fields: { Name: 'Acme Corp', Tax_Id__c: '********' },
        },
      ],
      next: null,
    });
    const element = await renderHistory();

    const [newest, oldest] = versions(element);
    expect(changesOf(newest)).toEqual([['Name', 'Acme Corp', 'Acme']]);
    const values = Array.from(oldest.querySelectorAll('.value')).map((row) => [
      row.querySelector('.field-label').textContent,
      row.querySelector('.value-text').textContent,
    ]);
    expect(values).toContainEqual(['Tax ID', 'Hidden: encrypted field (needs View Encrypted Data)']);
    expect(element.shadowRoot.textContent).not.toContain('********');
  });

  it('loads again when the page shows another record', async () => {
    getRecordVersions.mockResolvedValue(mockVersions);
    const element = await renderHistory();

    element.recordId = '001000000000002AAA';
    await flushPromises();

    expect(getRecordVersions).toHaveBeenLastCalledWith({
      objectApiName: 'Account',
      recordId: '001000000000002AAA',
      before: null,
      pageSize: VERSIONS_PER_PAGE,
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
  }, 20000); // axe over the whole component takes seconds on a loaded CI machine

  describe('a file record', () => {
    const FILE_ID = '068000000000001AAA';
    const FILE_VERSIONS = {
      items: [
        {
          systemModstamp: '2026-11-25T08:00:00.000Z',
          deleted: false,
          fields: { Title: 'Contract v2' },
          file: { sha256: 'ab12', size: 1572864, state: 'stored' },
        },
        {
          systemModstamp: '2026-11-24T08:00:00.000Z',
          deleted: false,
          fields: { Title: 'Contract' },
          file: {
            sha256: 'cd34',
            size: 2048,
            state: 'failed',
            error: 'UNKNOWN_EXCEPTION: KeystoneGetBlobFromStoresException',
          },
        },
      ],
      next: null,
    };

    function renderFile() {
      return mount('c-backup-history', BackupHistory, { recordId: FILE_ID, objectApiName: 'ContentVersion' });
    }

    function captureAnchorClicks() {
      const clicked = [];
      const spy = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function capture() {
        clicked.push({ href: this.href, download: this.download, target: this.target });
      });
      return { clicked, spy };
    }

    afterEach(() => {
      jest.restoreAllMocks();
    });

    it("shows whether each version's body is stored, with its size, or why it failed", async () => {
      getRecordVersions.mockResolvedValue(FILE_VERSIONS);
      const element = await renderFile();

      const [stored, failed] = versions(element);
      expect(stored.querySelector('.file-state-text').textContent).toBe('File stored (1.5 MB)');
      expect(stored.querySelector('lightning-button.download')).not.toBeNull();
      expect(failed.querySelector('.file-state-text').textContent).toBe('File not backed up (2 KB)');
      expect(failed.querySelector('.file-error').textContent).toContain('KeystoneGetBlobFromStoresException');
      expect(failed.querySelector('lightning-button.download')).toBeNull();
    });

    it('downloads a stored version through the signed link Apex asks for', async () => {
      getRecordVersions.mockResolvedValue(FILE_VERSIONS);
      getFileDownloadLink.mockResolvedValue(mockFileLink);
      const { clicked } = captureAnchorClicks();
      const element = await renderFile();

      versions(element)[0].querySelector('lightning-button.download').click();
      await flushPromises();

      expect(getFileDownloadLink).toHaveBeenCalledWith({
        objectApiName: 'ContentVersion',
        recordId: FILE_ID,
        systemModstamp: '2026-11-25T08:00:00.000Z',
      });
      expect(clicked).toEqual([{ href: mockFileLink.url, download: 'contract.pdf', target: '_blank' }]);
      expect(element.shadowRoot.querySelector('.download-error')).toBeNull();
    });

    it('says why a download could not start', async () => {
      getRecordVersions.mockResolvedValue(FILE_VERSIONS);
      getFileDownloadLink.mockRejectedValue(apexError('No body of this version is stored.'));
      const { clicked } = captureAnchorClicks();
      const element = await renderFile();

      versions(element)[0].querySelector('lightning-button.download').click();
      await flushPromises();

      expect(clicked).toEqual([]);
      expect(element.shadowRoot.querySelector('.download-error').textContent).toContain(
        'No body of this version is stored.',
      );
    });

    it('shows no file state for records that are not files', async () => {
      getRecordVersions.mockResolvedValue(mockVersions);
      const element = await renderHistory();

      expect(element.shadowRoot.querySelector('.file-state')).toBeNull();
    });
  });
});
