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

  it('disables dismiss for users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    getErrors.mockResolvedValue(mockErrors);
    const element = await renderList();

    const buttons = Array.from(element.shadowRoot.querySelectorAll('.dismiss'));
    expect(buttons).toHaveLength(3);
    buttons.forEach((button) => expect(button.disabled).toBe(true));
    expect(element.shadowRoot.querySelector('.permission-note')).not.toBeNull();
  });

  it('downloads the CSV the service passed through Salesforce', async () => {
    getErrors.mockResolvedValue(mockErrors);
    getErrorsCsv.mockResolvedValue(mockCsv);
    const { clicked } = captureAnchorClicks();
    const element = await renderList();

    element.shadowRoot.querySelector('.download').click();
    await flushPromises();

    expect(clicked).toHaveLength(1);
    expect(clicked[0].download).toBe('auto-backup-errors-2026-11-25.csv');
    expect(clicked[0].href.startsWith('data:text/csv;charset=utf-8,')).toBe(true);
    const text = decodeURIComponent(clicked[0].href.slice('data:text/csv;charset=utf-8,'.length));
    expect(text).toBe(mockCsv.csv);
    // The temporary anchor does not stay in the page.
    expect(element.shadowRoot.querySelector('.download-anchor a')).toBeNull();
  });

  it('opens the signed link when the CSV is too large to pass through Salesforce', async () => {
    getErrors.mockResolvedValue(mockErrors);
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

  it('says so when there are no open errors', async () => {
    getErrors.mockResolvedValue({ items: [], next: null });
    const element = await renderList();

    expect(element.shadowRoot.querySelector('table')).toBeNull();
    expect(element.shadowRoot.querySelector('.empty-message').textContent).toContain('No open errors');
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
