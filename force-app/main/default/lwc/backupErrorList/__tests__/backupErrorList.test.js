import { createElement } from 'lwc';
import BackupErrorList from 'c/backupErrorList';
import getErrors from '@salesforce/apex/AutoBackupErrorsController.getErrors';
import dismissError from '@salesforce/apex/AutoBackupErrorsController.dismissError';
import getErrorsCsv from '@salesforce/apex/AutoBackupErrorsController.getErrorsCsv';
import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockErrors = require('./data/getErrors.json');
const mockCsv = require('./data/getErrorsCsv.json');

const APEX_ERROR = apexError('The backup service is unreachable.');

function renderList() {
  return mount('c-backup-error-list', BackupErrorList);
}

function rowIds(element) {
  return Array.from(element.shadowRoot.querySelectorAll('tbody tr')).map((row) => row.dataset.id);
}

function row(element, id) {
  return element.shadowRoot.querySelector(`tr[data-id="${id}"]`);
}

/** Stands in for the browser's object URLs (jsdom has none) and records the Blobs they are made of. */
function mockObjectUrls() {
  const blobs = [];
  URL.createObjectURL = jest.fn((blob) => {
    blobs.push(blob);
    return `blob:https://acme.lightning.force.com/${blobs.length}`;
  });
  URL.revokeObjectURL = jest.fn();
  return blobs;
}

/** The text of a Blob (jsdom's Blob may lack text()). */
function blobText(blob) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsText(blob);
  });
}

/** Records the anchors the component clicks instead of letting jsdom navigate. */
function captureAnchorClicks() {
  const clicked = [];
  const spy = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function capture() {
    clicked.push({ href: this.href, download: this.download, target: this.target, rel: this.rel });
  });
  return { clicked, spy };
}

describe('c-backup-error-list', () => {
  beforeEach(() => {
    canManageSettings.mockResolvedValue(true);
  });

  afterEach(() => {
    unmountAll();
    jest.restoreAllMocks();
    jest.clearAllMocks();
    jest.useRealTimers();
  });

  it('lists the errors with when, object, record, code and message', async () => {
    getErrors.mockResolvedValue(mockErrors);
    const element = await renderList();

    expect(getErrors).toHaveBeenCalledWith({ objectName: null, cursor: null, pageSize: 50 });
    expect(rowIds(element)).toEqual(['err-001', 'err-002', 'err-003']);
    const first = row(element, 'err-001');
    expect(first.querySelector('.at').value).toBe('2026-11-25T07:40:00.000Z');
    expect(first.querySelector('.object').textContent).toBe('Campaign');
    expect(first.querySelector('.record-id').textContent).toBe('701000000000001AAA');
    expect(first.querySelector('.code').textContent).toBe('INSUFFICIENT_ACCESS');
    expect(first.querySelector('.message').textContent).toBe(
      'insufficient access rights on cross-reference id',
    );
  });

  it("shows the service's hint, a built-in hint for known codes, and none for unknown codes", async () => {
    getErrors.mockResolvedValue(mockErrors);
    const element = await renderList();

    expect(row(element, 'err-001').querySelector('.hint').textContent).toBe(
      'Give the integration user the Marketing User setting to read campaigns.',
    );
    expect(row(element, 'err-002').querySelector('.hint').textContent).toContain('Salesforce Support');
    expect(row(element, 'err-003').querySelector('.hint').textContent).toBe('');
  });

  it('loads the next page with the cursor', async () => {
    getErrors.mockResolvedValueOnce(mockErrors).mockResolvedValueOnce({
      items: [{ ...mockErrors.items[0], id: 'err-004' }],
      next: null,
    });
    const element = await renderList();

    element.shadowRoot.querySelector('.load-more').dispatchEvent(new CustomEvent('loadmore'));
    await flushPromises();

    expect(getErrors).toHaveBeenLastCalledWith({ objectName: null, cursor: 'cursor-page-2', pageSize: 50 });
    expect(rowIds(element)).toEqual(['err-001', 'err-002', 'err-003', 'err-004']);
    expect(element.shadowRoot.querySelector('.load-more')).toBeNull();
  });

  it('filters by object once the user stops typing', async () => {
    jest.useFakeTimers();
    getErrors
      .mockResolvedValueOnce(mockErrors)
      .mockResolvedValueOnce({ items: [mockErrors.items[2]], next: null });
    const element = createElement('c-backup-error-list', { is: BackupErrorList });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(0);

    element.shadowRoot
      .querySelector('.object-filter')
      .dispatchEvent(new CustomEvent('change', { detail: { value: ' Task ' } }));
    await jest.advanceTimersByTimeAsync(299);
    expect(getErrors).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);

    expect(getErrors).toHaveBeenLastCalledWith({ objectName: 'Task', cursor: null, pageSize: 50 });
    expect(rowIds(element)).toEqual(['err-003']);
  });

  it('dismisses an error and removes it from the list', async () => {
    getErrors.mockResolvedValue(mockErrors);
    dismissError.mockResolvedValue(undefined);
    const element = await renderList();
    const handler = jest.fn();
    element.addEventListener('errordismissed', handler);

    row(element, 'err-002').querySelector('.dismiss').click();
    await flushPromises();

    expect(dismissError).toHaveBeenCalledWith({ errorId: 'err-002' });
    expect(rowIds(element)).toEqual(['err-001', 'err-003']);
    expect(handler.mock.calls[0][0].detail).toEqual({ errorId: 'err-002' });
  });

  it('keeps the error and says why when dismissing fails', async () => {
    getErrors.mockResolvedValue(mockErrors);
    dismissError.mockRejectedValue(APEX_ERROR);
    const element = await renderList();

    row(element, 'err-001').querySelector('.dismiss').click();
    await flushPromises();

    expect(rowIds(element)).toEqual(['err-001', 'err-002', 'err-003']);
    const panel = element.shadowRoot.querySelector('c-error-panel.action-error');
    expect(panel.friendlyMessage).toBe('The error could not be dismissed.');
    expect(panel.errors).toEqual(APEX_ERROR);
  });

  it('neither asks for nor shows the errors to users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    getErrors.mockResolvedValue(mockErrors);
    const element = await renderList();

    expect(getErrors).not.toHaveBeenCalled();
    expect(element.shadowRoot.querySelector('table')).toBeNull();
    expect(element.shadowRoot.querySelector('.download')).toBeNull();
    expect(element.shadowRoot.querySelector('.no-access').textContent).toContain('Auto Backup Admin');
  });

  it('neither asks for nor shows the errors when the permission cannot be checked', async () => {
    canManageSettings.mockRejectedValue(APEX_ERROR);
    const element = await renderList();

    expect(getErrors).not.toHaveBeenCalled();
    expect(element.shadowRoot.querySelector('.no-access')).not.toBeNull();
  });

  it('links each record id to the record', async () => {
    getErrors.mockResolvedValue(mockErrors);
    const element = await renderList();

    const link = row(element, 'err-001').querySelector('.record-link');
    expect(link.getAttribute('href')).toBe('/lightning/r/701000000000001AAA/view');
    expect(link.textContent).toBe('701000000000001AAA');
  });

  it('downloads the CSV the service passed through Salesforce as a Blob, not a data: URL', async () => {
    getErrors.mockResolvedValue(mockErrors);
    getErrorsCsv.mockResolvedValue(mockCsv);
    const blobs = mockObjectUrls();
    const { clicked } = captureAnchorClicks();
    const element = await renderList();

    element.shadowRoot.querySelector('.download').click();
    await flushPromises();

    expect(clicked).toHaveLength(1);
    expect(clicked[0].download).toBe('auto-backup-errors-2026-11-25.csv');
    expect(clicked[0].href).toBe('blob:https://acme.lightning.force.com/1');
    expect(blobs[0].type).toBe('text/csv;charset=utf-8');
    expect(await blobText(blobs[0])).toBe(mockCsv.csv);
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:https://acme.lightning.force.com/1');
    // The temporary anchor does not stay in the page.
    expect(element.shadowRoot.querySelector('.download-anchor a')).toBeNull();
  });

  it('downloads a CSV larger than a data: URL may be (2 MB in Chromium) whole', async () => {
    const big = `id,message\n${'e,'.padEnd(100, 'x')}\n`.repeat(25000); // 2.5 MB
    getErrors.mockResolvedValue(mockErrors);
    getErrorsCsv.mockResolvedValue({ csv: big, url: null, fileName: 'auto-backup-errors-2026-11-25.csv' });
    const blobs = mockObjectUrls();
    const { clicked } = captureAnchorClicks();
    const element = await renderList();

    element.shadowRoot.querySelector('.download').click();
    await flushPromises();

    expect(clicked[0].href.startsWith('blob:')).toBe(true);
    expect(clicked[0].href.length).toBeLessThan(100);
    expect(blobs[0].size).toBe(big.length); // ASCII: one byte per character
  });

  it('opens the signed link when the CSV is too large to pass through Salesforce', async () => {
    getErrors.mockResolvedValue(mockErrors);
    mockObjectUrls();
    getErrorsCsv.mockResolvedValue({
      csv: null,
      url: 'https://backup.example.com/api/v1/orgs/00D000000000001EAA/errors.csv?sig=abc&expires=1764060000',
      fileName: 'auto-backup-errors-2026-11-25.csv',
    });
    const { clicked } = captureAnchorClicks();
    const element = await renderList();

    element.shadowRoot.querySelector('.download').click();
    await flushPromises();

    expect(clicked).toHaveLength(1);
    expect(clicked[0].href).toBe(
      'https://backup.example.com/api/v1/orgs/00D000000000001EAA/errors.csv?sig=abc&expires=1764060000',
    );
    expect(clicked[0].target).toBe('_blank');
    expect(clicked[0].rel).toBe('noopener noreferrer');
    expect(URL.createObjectURL).not.toHaveBeenCalled();
  });

  it('says so when the CSV cannot be downloaded', async () => {
    getErrors.mockResolvedValue(mockErrors);
    getErrorsCsv.mockRejectedValue(APEX_ERROR);
    const { clicked } = captureAnchorClicks();
    const element = await renderList();

    element.shadowRoot.querySelector('.download').click();
    await flushPromises();

    expect(clicked).toHaveLength(0);
    const panel = element.shadowRoot.querySelector('c-error-panel.action-error');
    expect(panel.friendlyMessage).toBe('The errors CSV could not be downloaded.');
    expect(panel.errors).toEqual(APEX_ERROR);
  });

  it('says so when the service answers with neither CSV nor link', async () => {
    getErrors.mockResolvedValue(mockErrors);
    getErrorsCsv.mockResolvedValue({ csv: null, url: null, fileName: 'x.csv' });
    const { clicked } = captureAnchorClicks();
    const element = await renderList();

    element.shadowRoot.querySelector('.download').click();
    await flushPromises();

    expect(clicked).toHaveLength(0);
    expect(element.shadowRoot.querySelector('c-error-panel.action-error').errors.message).toBe(
      'The backup service sent neither the CSV nor a link to it.',
    );
  });

  it('says with an illustration when there are no open errors', async () => {
    getErrors.mockResolvedValue({ items: [], next: null });
    const element = await renderList();

    expect(element.shadowRoot.querySelector('table')).toBeNull();
    const empty = element.shadowRoot.querySelector('c-empty-state');
    expect(empty.illustration).toBe('no-task');
    expect(empty.heading).toBe('No open errors');
    expect(empty.message).toBe('Auto Backup is running without problems.');
  });

  it('says which object has no errors when the filter finds none', async () => {
    jest.useFakeTimers();
    getErrors.mockResolvedValue(mockErrors);
    const element = createElement('c-backup-error-list', { is: BackupErrorList });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(0);
    getErrors.mockResolvedValue({ items: [], next: null });

    element.shadowRoot
      .querySelector('.object-filter')
      .dispatchEvent(new CustomEvent('change', { detail: { value: 'Lead' } }));
    await jest.advanceTimersByTimeAsync(300);
    jest.useRealTimers();

    const empty = element.shadowRoot.querySelector('c-empty-state');
    expect(empty.heading).toBe('No open errors for Lead');
    expect(empty.message).toContain('Clear the filter');
  });

  it('shows that the errors are listed newest first', async () => {
    getErrors.mockResolvedValue(mockErrors);
    const element = await renderList();

    const headers = Array.from(element.shadowRoot.querySelectorAll('thead th'));
    expect(headers.filter((th) => th.hasAttribute('aria-sort')).map((th) => th.textContent.trim())).toEqual([
      'When',
    ]);
    expect(element.shadowRoot.querySelector('.when-header').getAttribute('aria-sort')).toBe('descending');
  });

  it('shows a spinner while loading', async () => {
    getErrors.mockReturnValue(new Promise(() => {}));
    const element = await renderList();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
  });

  it('shows an error panel when the errors cannot be loaded, and retries', async () => {
    getErrors.mockRejectedValueOnce(APEX_ERROR).mockResolvedValueOnce(mockErrors);
    const element = await renderList();

    const panel = element.shadowRoot.querySelector('c-error-panel.load-error');
    expect(panel.errors).toEqual(APEX_ERROR);
    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();

    expect(rowIds(element)).toHaveLength(3);
    expect(element.shadowRoot.querySelector('c-error-panel.load-error')).toBeNull();
  });

  it('is accessible', async () => {
    getErrors.mockResolvedValue(mockErrors);
    const element = await renderList();

    await expect(element).toBeAccessible();
  });
});
