import EnableAutoBackupPanel from 'c/enableAutoBackupPanel';
import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';
import { flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

function renderPanel(storage = 'gs://acme-salesforce-backup/prod') {
  return mount('c-enable-auto-backup-panel', EnableAutoBackupPanel, { storage });
}

const dialogOf = (element) => element.shadowRoot.querySelector('c-enable-auto-backup-dialog');

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
    expect(element.shadowRoot.querySelector('button.enable').textContent.trim()).toBe('Enable Auto Backup');
  });

  it('opens the Enable Auto Backup dialog by itself for users who may start it', async () => {
    const element = await renderPanel();

    const dialog = dialogOf(element);
    expect(dialog).not.toBeNull();
    expect(dialog.storage).toBe('gs://acme-salesforce-backup/prod');
    expect(dialog.canManage).toBe(true);
  });

  it('gives the focus back to the Enable Auto Backup button when the dialog closes, and reopens it from there', async () => {
    const element = await renderPanel();

    dialogOf(element).dispatchEvent(new CustomEvent('close'));
    await flushPromises();

    expect(dialogOf(element)).toBeNull();
    const button = element.shadowRoot.querySelector('button.enable');
    expect(element.shadowRoot.activeElement).toBe(button);
    expect(button.getAttribute('aria-haspopup')).toBe('dialog');

    button.click();
    await flushPromises();
    expect(dialogOf(element)).not.toBeNull();
  });

  it('hands the new dashboard to its container once started', async () => {
    const element = await renderPanel();
    const handler = jest.fn();
    element.addEventListener('enabled', handler);
    const dashboard = { status: 'Backfilling', enabled: true };

    dialogOf(element).dispatchEvent(new CustomEvent('enabled', { detail: { dashboard } }));
    await flushPromises();

    expect(handler.mock.calls[0][0].detail).toEqual({ dashboard });
    expect(dialogOf(element)).toBeNull();
  });

  it('shows the destination the dialog found after the bucket was changed', async () => {
    const element = await renderPanel();

    dialogOf(element).dispatchEvent(
      new CustomEvent('storagechange', { detail: { storage: 'gs://acme-salesforce-backup/eu' } }),
    );
    await flushPromises();

    expect(element.shadowRoot.querySelector('.storage').textContent).toBe('gs://acme-salesforce-backup/eu');
  });

  it('does not open the dialog by itself for users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    const element = await renderPanel();

    expect(dialogOf(element)).toBeNull();
    expect(element.shadowRoot.querySelector('.permission-note')).not.toBeNull();

    element.shadowRoot.querySelector('button.enable').click();
    await flushPromises();
    expect(dialogOf(element).canManage).toBe(false);
  });

  it('says so when the service has no bucket', async () => {
    const element = await renderPanel(null);

    expect(element.shadowRoot.querySelector('.no-storage')).not.toBeNull();
  });

  it('is accessible', async () => {
    canManageSettings.mockResolvedValue(false);
    const element = await renderPanel();

    await expect(element).toBeAccessible();
  });
});
