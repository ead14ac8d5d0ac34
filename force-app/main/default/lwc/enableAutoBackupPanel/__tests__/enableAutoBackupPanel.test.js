import EnableAutoBackupPanel from 'c/enableAutoBackupPanel';
import enableAutoBackup from '@salesforce/apex/AutoBackupDashboardController.enableAutoBackup';
import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';
import { flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockEnabled = require('./data/enableAutoBackup.json');

function renderPanel(storage = 'gs://acme-salesforce-backup/prod') {
  return mount('c-enable-auto-backup-panel', EnableAutoBackupPanel, { storage });
}

describe('c-enable-auto-backup-panel', () => {
  beforeEach(() => {
    canManageSettings.mockResolvedValue(true);
  });

  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  it('shows the bucket backups will be written to', async () => {
    const element = await renderPanel();

    expect(element.shadowRoot.querySelector('.storage').textContent).toBe('gs://acme-salesforce-backup/prod');
    expect(element.shadowRoot.querySelector('lightning-button.enable').label).toBe('Enable Auto Backup');
  });

  it('starts Auto Backup and hands the new dashboard to its container', async () => {
    enableAutoBackup.mockResolvedValue(mockEnabled);
    const element = await renderPanel();
    const handler = jest.fn();
    element.addEventListener('enabled', handler);

    element.shadowRoot.querySelector('lightning-button.enable').click();
    await flushPromises();

    expect(enableAutoBackup).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].detail).toEqual({ dashboard: mockEnabled });
  });

  it('disables the button while Auto Backup is starting', async () => {
    enableAutoBackup.mockReturnValue(new Promise(() => {}));
    const element = await renderPanel();

    element.shadowRoot.querySelector('lightning-button.enable').click();
    await flushPromises();

    const button = element.shadowRoot.querySelector('lightning-button.enable');
    expect(button.disabled).toBe(true);
    expect(button.label).toBe('Starting Auto Backup…');
  });

  it('shows why Auto Backup could not be started', async () => {
    const error = {
      body: { message: 'The backup service rejected the service key.' },
      ok: false,
      status: 500,
    };
    enableAutoBackup.mockRejectedValue(error);
    const element = await renderPanel();
    const handler = jest.fn();
    element.addEventListener('enabled', handler);

    element.shadowRoot.querySelector('lightning-button.enable').click();
    await flushPromises();

    expect(handler).not.toHaveBeenCalled();
    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(error);
    expect(element.shadowRoot.querySelector('lightning-button.enable').disabled).toBe(false);
  });

  it('lets only users with the manage permission start Auto Backup', async () => {
    canManageSettings.mockResolvedValue(false);
    const element = await renderPanel();

    expect(element.shadowRoot.querySelector('lightning-button.enable').disabled).toBe(true);
    expect(element.shadowRoot.querySelector('.permission-note')).not.toBeNull();
  });

  it('cannot start without a bucket and says so', async () => {
    const element = await renderPanel(null);

    expect(element.shadowRoot.querySelector('lightning-button.enable').disabled).toBe(true);
    expect(element.shadowRoot.querySelector('.no-storage')).not.toBeNull();
  });

  it('explains how to change the bucket', async () => {
    const element = await renderPanel();
    const toggle = element.shadowRoot.querySelector('.bucket-help-toggle');
    expect(element.shadowRoot.querySelector('.bucket-help')).toBeNull();

    toggle.click();
    await flushPromises();

    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(element.shadowRoot.querySelector('.bucket-help').textContent).toContain('STORAGE_URL');
  });

  it('is accessible', async () => {
    const element = await renderPanel();
    element.shadowRoot.querySelector('.bucket-help-toggle').click();
    await flushPromises();

    await expect(element).toBeAccessible();
  });
});
