import EnableAutoBackupDialog from 'c/enableAutoBackupDialog';
import enableAutoBackup from '@salesforce/apex/AutoBackupDashboardController.enableAutoBackup';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockEnabled = require('./data/enableAutoBackup.json');
const mockNotEnabled = require('./data/getDashboard.json');

const BUCKET = 'gs://acme-salesforce-backup/prod';

function renderDialog({ storage = BUCKET, canManage = true } = {}) {
  return mount('c-enable-auto-backup-dialog', EnableAutoBackupDialog, { storage, canManage });
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);

function radio(element, value) {
  return $(element, `input[name="destination"][value="${value}"]`);
}

async function choose(element, value) {
  const input = radio(element, value);
  input.checked = true;
  input.dispatchEvent(new CustomEvent('change'));
  await flushPromises();
}

async function press(element, key, { shiftKey = false } = {}) {
  const event = new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true });
  element.shadowRoot.activeElement.dispatchEvent(event);
  await flushPromises();
  return event;
}

describe('c-enable-auto-backup-dialog', () => {
  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  it('is a labelled modal dialog offering the two choices, the current bucket first', async () => {
    const element = await renderDialog();

    const dialog = $(element, 'section');
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect($(element, `[id="${dialog.getAttribute('aria-labelledby')}"]`).textContent).toBe(
      'Enable Auto Backup',
    );
    const labels = Array.from(element.shadowRoot.querySelectorAll('.choice-label')).map((l) => l.textContent);
    expect(labels).toEqual(['Start Auto Backup to current bucket', 'Change the storage provider/bucket']);
    expect(radio(element, 'current').checked).toBe(true);
    expect($(element, '.storage').textContent).toBe(BUCKET);
    expect($(element, 'button.start').textContent.trim()).toBe('Start Auto Backup');
    expect($(element, '.slds-backdrop')).not.toBeNull();
  });

  it('puts the focus on the chosen option when it opens', async () => {
    const element = await renderDialog();

    expect(element.shadowRoot.activeElement).toBe(radio(element, 'current'));
  });

  it('starts Auto Backup to the current bucket and hands over the new dashboard', async () => {
    enableAutoBackup.mockResolvedValue(mockEnabled);
    const element = await renderDialog();
    const handler = jest.fn();
    element.addEventListener('enabled', handler);

    $(element, 'button.start').click();
    await flushPromises();

    expect(enableAutoBackup).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].detail).toEqual({ dashboard: mockEnabled });
  });

  it('keeps the dialog open while starting, and cannot be closed then', async () => {
    enableAutoBackup.mockReturnValue(new Promise(() => {}));
    const element = await renderDialog();
    const closed = jest.fn();
    element.addEventListener('close', closed);

    $(element, 'button.start').click();
    await flushPromises();
    await press(element, 'Escape');

    expect($(element, 'button.start').disabled).toBe(true);
    expect($(element, 'button.start').textContent.trim()).toBe('Starting Auto Backup…');
    expect($(element, 'button.cancel').disabled).toBe(true);
    expect(closed).not.toHaveBeenCalled();
  });

  it('shows why Auto Backup could not be started, and lets the user try again', async () => {
    const error = apexError('The backup service rejected the service key.');
    enableAutoBackup.mockRejectedValue(error);
    const element = await renderDialog();
    const handler = jest.fn();
    element.addEventListener('enabled', handler);

    $(element, 'button.start').click();
    await flushPromises();

    expect(handler).not.toHaveBeenCalled();
    expect($(element, 'c-error-panel').errors).toEqual(error);
    expect($(element, 'button.start').disabled).toBe(false);
    expect(element.shadowRoot.activeElement).toBe($(element, 'button.start'));
  });

  it('says what changing the bucket needs, who does it and what happens to existing backups', async () => {
    const element = await renderDialog();

    await choose(element, 'change');

    const help = $(element, '.change-help').textContent;
    expect(help).toContain('STORAGE_URL');
    expect(help).toContain('Whoever runs the backup service');
    expect(help).toContain('restarts the service');
    expect(help).toContain('backups already written stay in the old bucket');
    // No button pretends to change the bucket: the action checks the service again.
    expect($(element, 'button.start')).toBeNull();
    expect($(element, 'button.check').textContent.trim()).toBe('Check the bucket again');
  });

  it('checks the bucket again and shows the destination the service writes to now', async () => {
    getDashboard.mockResolvedValue(mockNotEnabled);
    const element = await renderDialog();
    const changed = jest.fn();
    element.addEventListener('storagechange', changed);
    await choose(element, 'change');

    $(element, 'button.check').click();
    await flushPromises();

    expect($(element, '.check-result').textContent).toBe(
      'The backup service now writes to gs://acme-salesforce-backup/eu. Choose Start Auto Backup to current bucket to start.',
    );
    expect(changed.mock.calls[0][0].detail).toEqual({ storage: 'gs://acme-salesforce-backup/eu' });

    await choose(element, 'current');
    expect($(element, '.storage').textContent).toBe('gs://acme-salesforce-backup/eu');
  });

  it('keeps the focus on the check button while checking, and checks once at a time', async () => {
    let answer;
    getDashboard.mockReturnValue(
      new Promise((resolve) => {
        answer = resolve;
      }),
    );
    const element = await renderDialog();
    await choose(element, 'change');
    const check = $(element, 'button.check');
    check.focus();

    check.click();
    check.click();
    await flushPromises();
    expect(check.textContent.trim()).toBe('Checking…');
    expect(element.shadowRoot.activeElement).toBe(check);
    answer({ ...mockNotEnabled, storage: BUCKET });
    await flushPromises();

    expect(getDashboard).toHaveBeenCalledTimes(1);
    expect(element.shadowRoot.activeElement).toBe(check);
  });

  it('says so when the bucket has not changed yet', async () => {
    getDashboard.mockResolvedValue({ ...mockNotEnabled, storage: BUCKET });
    const element = await renderDialog();
    await choose(element, 'change');

    $(element, 'button.check').click();
    await flushPromises();

    expect($(element, '.check-result').textContent).toBe(`The backup service still writes to ${BUCKET}.`);
  });

  it('hands over the dashboard when the check finds Auto Backup already started', async () => {
    getDashboard.mockResolvedValue(mockEnabled);
    const element = await renderDialog();
    const handler = jest.fn();
    element.addEventListener('enabled', handler);
    await choose(element, 'change');

    $(element, 'button.check').click();
    await flushPromises();

    expect(handler.mock.calls[0][0].detail).toEqual({ dashboard: mockEnabled });
  });

  it('without a bucket, offers only the change and says none is configured', async () => {
    const element = await renderDialog({ storage: null });

    expect(radio(element, 'current').disabled).toBe(true);
    expect(radio(element, 'change').checked).toBe(true);
    expect($(element, '.no-storage').textContent).toBe('The backup service has no bucket configured yet.');
    expect($(element, '.change-help')).not.toBeNull();
  });

  it('lets only users with the manage permission start, and says why', async () => {
    const element = await renderDialog({ canManage: false });

    expect($(element, 'button.start').disabled).toBe(true);
    expect($(element, '.permission-note')).not.toBeNull();
  });

  it.each([
    ['Escape', () => {}],
    ['the Cancel button', (element) => $(element, 'button.cancel').click()],
    ['the close button', (element) => $(element, 'button.close').click()],
  ])('closes on %s', async (how, act) => {
    const element = await renderDialog();
    const closed = jest.fn();
    element.addEventListener('close', closed);

    if (how === 'Escape') {
      const event = await press(element, 'Escape');
      expect(event.defaultPrevented).toBe(true);
    } else {
      act(element);
      await flushPromises();
    }

    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('keeps Tab and Shift+Tab inside the dialog', async () => {
    const element = await renderDialog();
    const close = $(element, 'button.close');
    const start = $(element, 'button.start');

    start.focus();
    const forward = await press(element, 'Tab');
    expect(forward.defaultPrevented).toBe(true);
    expect(element.shadowRoot.activeElement).toBe(close);

    const back = await press(element, 'Tab', { shiftKey: true });
    expect(back.defaultPrevented).toBe(true);
    expect(element.shadowRoot.activeElement).toBe(start);

    // A click beside the dialog does not take the focus out of it.
    const beside = new CustomEvent('mousedown', { cancelable: true });
    $(element, '.slds-backdrop').dispatchEvent(beside);
    expect(beside.defaultPrevented).toBe(true);

    // Inside the dialog, Tab moves on as usual.
    radio(element, 'current').focus();
    expect((await press(element, 'Tab')).defaultPrevented).toBe(false);
  });

  it('is accessible with either choice', async () => {
    const element = await renderDialog();
    await expect(element).toBeAccessible();

    await choose(element, 'change');
    await expect(element).toBeAccessible();
  });
});
