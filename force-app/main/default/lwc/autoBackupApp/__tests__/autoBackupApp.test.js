import { createElement } from 'lwc';
import AutoBackupApp from 'c/autoBackupApp';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';
import enableAutoBackup from '@salesforce/apex/AutoBackupDashboardController.enableAutoBackup';

const mockDashboard = require('./data/getDashboard.json');

// The app renders every screen, so every Apex method the screens call is stood in for.
jest.mock('@salesforce/apex/AutoBackupDashboardController.getDashboard', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/AutoBackupDashboardController.enableAutoBackup', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/AutoBackupDashboardController.updateMode', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/AutoBackupDashboardController.updateSchedule', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/AutoBackupDashboardController.canManageSettings',
  () => ({ default: jest.fn(() => Promise.resolve(true)) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/AutoBackupObjectsController.getObjects',
  () => ({ default: jest.fn(() => Promise.resolve({ items: [], next: null })) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects',
  () => ({ default: jest.fn(() => Promise.resolve({ items: [] })) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/AutoBackupSettingsController.getSettings',
  () => ({
    default: jest.fn(() => Promise.resolve({ mode: 'objects_and_files', schedule: 'daily', exclusions: [] })),
  }),
  { virtual: true },
);
jest.mock('@salesforce/apex/AutoBackupSettingsController.saveExclusions', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/AutoBackupErrorsController.getErrors',
  () => ({ default: jest.fn(() => Promise.resolve({ items: [], next: null })) }),
  { virtual: true },
);
jest.mock('@salesforce/apex/AutoBackupErrorsController.dismissError', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/AutoBackupErrorsController.getErrorsCsv', () => ({ default: jest.fn() }), {
  virtual: true,
});

function flushPromises() {
  // eslint-disable-next-line @lwc/lwc/no-async-operation
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function renderApp() {
  const element = createElement('c-auto-backup-app', { is: AutoBackupApp });
  document.body.appendChild(element);
  await flushPromises();
  return element;
}

describe('c-auto-backup-app', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows the five screens as tabs once Auto Backup is enabled', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderApp();

    const tabs = Array.from(element.shadowRoot.querySelectorAll('lightning-tab'));
    expect(tabs.map((tab) => tab.label)).toEqual([
      'Dashboard',
      'Objects',
      'Excluded objects',
      'Settings',
      'Errors',
    ]);
    expect(element.shadowRoot.querySelector('lightning-tabset').activeTabValue).toBe('dashboard');
    expect(element.shadowRoot.querySelector('c-backup-dashboard')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-backup-object-list')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-excluded-object-list')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-backup-settings')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-backup-error-list')).not.toBeNull();
    expect(element.shadowRoot.querySelector('c-enable-auto-backup-panel')).toBeNull();
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
    const error = { body: { message: 'Unable to reach the backup service.' }, ok: false, status: 500 };
    getDashboard.mockRejectedValueOnce(error).mockResolvedValue(mockDashboard);
    const element = await renderApp();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(error);
    expect(element.shadowRoot.querySelector('lightning-tabset')).toBeNull();

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('lightning-tabset')).not.toBeNull();
  });

  it('is accessible', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderApp();

    await expect(element).toBeAccessible();
  });
});
