import AutoBackupApp from 'c/autoBackupApp';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';
import enableAutoBackup from '@salesforce/apex/AutoBackupDashboardController.enableAutoBackup';
import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';
import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';
import getSettings from '@salesforce/apex/AutoBackupSettingsController.getSettings';
import getErrors from '@salesforce/apex/AutoBackupErrorsController.getErrors';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockDashboard = require('./data/getDashboard.json');

function renderApp() {
  return mount('c-auto-backup-app', AutoBackupApp);
}

describe('c-auto-backup-app', () => {
  // The app renders every screen, so the Apex methods the screens load from answer as for an empty org.
  beforeEach(() => {
    canManageSettings.mockResolvedValue(true);
    getObjects.mockResolvedValue({ items: [], next: null });
    getExcludedObjects.mockResolvedValue({ items: [] });
    getSettings.mockResolvedValue({ mode: 'objects_and_files', schedule: 'daily', exclusions: [] });
    getErrors.mockResolvedValue({ items: [], next: null });
  });

  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  it('shows the four screens as tabs once Auto Backup is enabled, the objects on the dashboard', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderApp();

    const tabs = Array.from(element.shadowRoot.querySelectorAll('lightning-tab'));
    expect(tabs.map((tab) => tab.label)).toEqual(['Dashboard', 'Excluded objects', 'Settings', 'Errors']);
    expect(element.shadowRoot.querySelector('lightning-tabset').activeTabValue).toBe('dashboard');
    const dashboard = element.shadowRoot.querySelector('c-backup-dashboard');
    expect(dashboard).not.toBeNull();
    expect(dashboard.shadowRoot.querySelector('c-backup-object-list')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-excluded-object-list')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-backup-settings')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-backup-error-list')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-enable-auto-backup-panel')).toBeNull();
  });

  it('asks for the dashboard once when the page opens, and hands it to the Dashboard tab', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderApp();

    expect(getDashboard).toHaveBeenCalledTimes(1);
    const dashboard = element.shadowRoot.querySelector('c-backup-dashboard');
    expect(dashboard.initialDashboard).toEqual(mockDashboard);
    expect(dashboard.active).toBe(true);
  });

  it('tells the dashboard it is not seen while another tab is active', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderApp();

    element.shadowRoot.querySelectorAll('lightning-tab')[1].dispatchEvent(new CustomEvent('active'));
    await flushPromises();

    expect(element.shadowRoot.querySelector('c-backup-dashboard').active).toBe(false);
  });

  it('has no Errors tab for users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderApp();

    const tabs = Array.from(element.shadowRoot.querySelectorAll('lightning-tab'));
    expect(tabs.map((tab) => tab.label)).toEqual(['Dashboard', 'Excluded objects', 'Settings']);
    expect(element.shadowRoot.querySelector('c-backup-error-list')).toBeNull();
    expect(getErrors).not.toHaveBeenCalled();
  });

  it('shows the first-run panel with the bucket while Auto Backup is not enabled', async () => {
    getDashboard.mockResolvedValue({
      ...mockDashboard,
      enabled: false,
      status: 'Paused',
      pausedScope: 'all',
    });
    const element = await renderApp();

    const panel = element.shadowRoot.querySelector('c-enable-auto-backup-panel');
    expect(panel.storage).toBe('gs://acme-salesforce-backup/prod');
    expect(element.shadowRoot.querySelector('lightning-tabset')).toBeNull();
  });

  it('switches to the dashboard once the first-run panel has enabled Auto Backup', async () => {
    getDashboard.mockResolvedValue({ ...mockDashboard, enabled: false });
    enableAutoBackup.mockResolvedValue({ ...mockDashboard, status: 'Backfilling' });
    const element = await renderApp();

    element.shadowRoot
      .querySelector('c-enable-auto-backup-panel')
      .dispatchEvent(
        new CustomEvent('enabled', { detail: { dashboard: { ...mockDashboard, status: 'Backfilling' } } }),
      );
    await flushPromises();

    expect(element.shadowRoot.querySelector('c-enable-auto-backup-panel')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-tabset').activeTabValue).toBe('dashboard');
  });

  it("opens the Errors tab each time the dashboard's error banner link is followed", async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderApp();
    const tabset = element.shadowRoot.querySelector('lightning-tabset');
    const dashboard = element.shadowRoot.querySelector('c-backup-dashboard');

    dashboard.dispatchEvent(new CustomEvent('viewerrors'));
    await flushPromises();
    expect(tabset.activeTabValue).toBe('errors');

    // The user goes back to the Dashboard tab: the tabset switches and the tab fires `active`.
    tabset.activeTabValue = 'dashboard';
    element.shadowRoot.querySelectorAll('lightning-tab')[0].dispatchEvent(new CustomEvent('active'));
    await flushPromises();

    dashboard.dispatchEvent(new CustomEvent('viewerrors'));
    await flushPromises();
    expect(tabset.activeTabValue).toBe('errors');
  });

  it('shows a spinner while loading', async () => {
    getDashboard.mockReturnValue(new Promise(() => {}));
    const element = await renderApp();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('lightning-tabset')).toBeNull();
  });

  it('shows an error panel when the service cannot be reached, and retries', async () => {
    const error = apexError('Unable to reach the backup service.');
    getDashboard.mockRejectedValueOnce(error).mockResolvedValue(mockDashboard);
    const element = await renderApp();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(error);
    expect(element.shadowRoot.querySelector('lightning-tabset')).toBeNull();

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('lightning-tabset')).not.toBeNull();
  });

  it('shows why the dashboard failed without blaming the connection, e.g. a refused credential', async () => {
    // AutoBackupException.CredentialAccessException's message, as Apex sends it (AuraHandledException).
    const refused =
      "Salesforce did not let you use the Auto Backup Service credential (We couldn't access the credential(s).). " +
      'An admin should give you the permission set "Auto Backup User" (or "Auto Backup Admin") and Read access ' +
      'to the object User External Credentials: Setup > Profiles (or Permission Sets) > your profile > Object ' +
      'Settings > User External Credentials > Edit > Read > Save.';
    getDashboard.mockRejectedValue(apexError(refused));
    const element = await renderApp();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    const shown = panel.shadowRoot.textContent;
    expect(panel.friendlyMessage).toBe('The Auto Backup dashboard could not be loaded.');
    expect(shown).not.toMatch(/could not reach/i);
    expect(shown).toContain('Read access to the object User External Credentials');
  });

  it('is accessible', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderApp();

    await expect(element).toBeAccessible();
    // The scan covers the dashboard with its chart and objects list too: seconds alone, far longer on a busy machine.
  }, 60000);
});
