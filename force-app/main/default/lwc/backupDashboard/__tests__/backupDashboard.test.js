import { createElement } from 'lwc';
import BackupDashboard from 'c/backupDashboard';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';
import updateMode from '@salesforce/apex/AutoBackupDashboardController.updateMode';
import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';
import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import { SETTINGS_CONFLICT_MESSAGE } from 'c/ldsUtils';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockDashboard = require('./data/getDashboard.json');

const APEX_ERROR = apexError('The backup service is unreachable.');
const CONFLICT_ERROR = apexError(SETTINGS_CONFLICT_MESSAGE);

function dashboardWith(overrides) {
  return { ...mockDashboard, ...overrides };
}

/** The label of the overall status badge. */
function statusLabel(element) {
  const badge = element.shadowRoot.querySelector('c-backup-status-badge');
  return badge.shadowRoot.querySelector('.status-label').textContent;
}

function usageBar(element, className) {
  return element.shadowRoot.querySelector(`c-backup-usage-bar.${className}`);
}

function renderDashboard() {
  return mount('c-backup-dashboard', BackupDashboard);
}

function setDocumentHidden(hidden) {
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
}

describe('c-backup-dashboard', () => {
  beforeEach(() => {
    canManageSettings.mockResolvedValue(true);
    // The objects list on the dashboard loads its first page.
    getObjects.mockResolvedValue({ items: [], next: null });
  });

  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
    jest.useRealTimers();
    delete document.hidden;
  });

  it('shows a spinner until the dashboard arrives', async () => {
    getDashboard.mockReturnValue(new Promise(() => {}));
    const element = await renderDashboard();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.status-section')).toBeNull();
  });

  it.each([
    ['Backfilling', 'none', 'Backfilling', 'never been fully backed up'],
    ['Behind', 'none', 'Behind', 'fallen behind'],
    ['Running Continuously', 'none', 'Running Continuously', 'Up to date'],
    ['Paused', 'files', 'Paused (files)', 'records are still backed up'],
    ['Paused', 'all', 'Paused (records and files)', 'neither records nor files'],
    ['Error', 'none', 'Error', 'Errors tab'],
  ])(
    'shows overall status %s (paused scope %s) with its meaning',
    async (status, pausedScope, label, meaning) => {
      getDashboard.mockResolvedValue(dashboardWith({ status, pausedScope }));
      const element = await renderDashboard();

      const badge = element.shadowRoot.querySelector('c-backup-status-badge');
      expect(badge.kind).toBe('overall');
      expect(badge.status).toBe(status);
      expect(badge.pausedScope).toBe(pausedScope);
      expect(statusLabel(element)).toBe(label);
      expect(element.shadowRoot.querySelector('.status-meaning').textContent).toContain(meaning);
    },
  );

  it('shows humanised totals as tiles with the exact number on hover', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    const tiles = Array.from(element.shadowRoot.querySelectorAll('.totals .tile'));
    expect(tiles.map((tile) => tile.querySelector('dt').textContent)).toEqual([
      'Records',
      'Versions',
      'Files',
      'Stored',
    ]);

    const total = (key) => element.shadowRoot.querySelector(`[data-total="${key}"]`);
    expect(total('records').textContent.trim()).toBe('1.2M');
    expect(total('records').title).toBe('1,234,567');
    expect(total('versions').textContent.trim()).toBe('2.3M');
    expect(total('files').textContent.trim()).toBe('4.3K');
    expect(total('bytes').textContent.trim()).toBe('5 GB');
  });

  it('shows the time frame covered by the backup', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    expect(element.shadowRoot.querySelector('.coverage-from').value).toBe('2019-03-01T08:00:00.000Z');
    expect(element.shadowRoot.querySelector('.coverage-to').value).toBe('2026-11-25T08:15:00.000Z');
  });

  it('says so when no time frame is covered yet', async () => {
    getDashboard.mockResolvedValue(dashboardWith({ coverage: { from: null, to: null } }));
    const element = await renderDashboard();

    expect(element.shadowRoot.querySelector('.coverage').textContent).toContain(
      'No changes have been backed up yet',
    );
  });

  it('shows API usage against the budget', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    const bar = usageBar(element, 'api-usage');
    expect(bar.value).toBe(42);
    expect(bar.tone).toBe('base');
    expect(bar.marker).toBe(50);
    expect(bar.markerLabel).toBe("Auto Backup's budget: 50%");
    expect(bar.label).toBe("The org's daily API allowance");
    expect(bar.valueText).toBe("42% of the daily API allowance used; Auto Backup's budget is 50%.");
    expect(element.shadowRoot.querySelector('.api-alert')).toBeNull();
    expect(element.shadowRoot.querySelector('.api-summary').textContent).toBe(
      '42,000 of 100,000 daily API calls used in the last 24 hours.',
    );
    expect(element.shadowRoot.querySelector('.api-service').textContent).toBe(
      'Auto Backup used 12,500 of its 50,000 calls (50% of the daily allowance) in the last 24 hours.',
    );
    expect(usageBar(element, 'api-service-usage').value).toBe(25);
    expect(usageBar(element, 'api-service-usage').tone).toBe('base');
    expect(element.shadowRoot.querySelector('.api-waiting')).toBeNull();
  });

  it('shows the budget share alone when the service does not report its own use', async () => {
    getDashboard.mockResolvedValue(dashboardWith({ api: { used: 42000, max: 100000, budgetShare: 0.5 } }));
    const element = await renderDashboard();

    expect(element.shadowRoot.querySelector('.api-service')).toBeNull();
    expect(element.shadowRoot.querySelector('.api-budget').textContent).toContain('under 50%');
    expect(element.shadowRoot.querySelector('.api-budget').textContent).toContain('50,000 calls');
  });

  it('says until when objects wait for the API budget', async () => {
    getDashboard.mockResolvedValue(
      dashboardWith({
        api: {
          ...mockDashboard.api,
          serviceUsed: 50000,
          waitingForBudgetUntil: '2026-11-25T11:30:00.000Z',
        },
      }),
    );
    const element = await renderDashboard();

    expect(usageBar(element, 'api-service-usage').tone).toBe('warning');
    expect(usageBar(element, 'api-service-usage').valueText).toContain('Budget spent');
    expect(element.shadowRoot.querySelector('.api-waiting').textContent).toContain(
      "waiting for Auto Backup's API budget until",
    );
    expect(element.shadowRoot.querySelector('.api-waiting-until').value).toBe('2026-11-25T11:30:00.000Z');
  });

  it('turns the bar to the warning tone past the budget, and says so in words', async () => {
    getDashboard.mockResolvedValue(dashboardWith({ api: { used: 61000, max: 100000, budgetShare: 0.5 } }));
    const element = await renderDashboard();

    const bar = usageBar(element, 'api-usage');
    expect(bar.value).toBe(61);
    expect(bar.tone).toBe('warning');
    expect(bar.marker).toBe(50);
    expect(bar.valueText).toBe(
      "61% of the daily API allowance used; Auto Backup's budget is 50%. Over budget.",
    );
    const alert = element.shadowRoot.querySelector('.api-alert');
    expect(alert.textContent).toBe(
      "Over budget: 61% of the daily allowance is used, more than Auto Backup's budget of 50%.",
    );
    expect(alert.querySelector('lightning-icon').iconName).toBe('utility:warning');
  });

  it('turns the bar to the error tone close to the org limit', async () => {
    getDashboard.mockResolvedValue(dashboardWith({ api: { used: 93000, max: 100000, budgetShare: 0.5 } }));
    const element = await renderDashboard();

    const bar = usageBar(element, 'api-usage');
    expect(bar.tone).toBe('error');
    expect(bar.valueText).toContain('Over budget and close to the org');
    expect(element.shadowRoot.querySelector('.api-alert').textContent).toContain(
      "Close to the org's limit: 93%",
    );
  });

  it('does not call usage close to the limit over budget when the budget is larger still', async () => {
    getDashboard.mockResolvedValue(dashboardWith({ api: { used: 92000, max: 100000, budgetShare: 0.95 } }));
    const element = await renderDashboard();

    expect(usageBar(element, 'api-usage').tone).toBe('error');
    expect(usageBar(element, 'api-usage').valueText).toBe(
      "92% of the daily API allowance used; Auto Backup's budget is 95%. Close to the org's limit.",
    );
  });

  it('stays in the base tone at the budget itself', async () => {
    getDashboard.mockResolvedValue(dashboardWith({ api: { used: 50000, max: 100000, budgetShare: 0.5 } }));
    const element = await renderDashboard();

    expect(usageBar(element, 'api-usage').tone).toBe('base');
  });

  it('draws no more than a full bar when Salesforce counted refused calls past the limit', async () => {
    getDashboard.mockResolvedValue(dashboardWith({ api: { used: 100450, max: 100000, budgetShare: 0.5 } }));
    const element = await renderDashboard();

    expect(usageBar(element, 'api-usage').value).toBe(100);
    expect(usageBar(element, 'api-usage').valueText).toContain('100.5% of the daily API allowance');
  });

  it('shows the objects list while it is the active tab, and reads it afresh when shown again', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    const section = element.shadowRoot.querySelector('.objects-section');
    expect(section.querySelector('h2').textContent).toBe('Objects');
    const list = section.querySelector('c-backup-object-list');
    expect(list).not.toBeNull();

    element.active = false;
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-backup-object-list')).toBeNull();

    element.active = true;
    await flushPromises();
    const shownAgain = element.shadowRoot.querySelector('c-backup-object-list');
    expect(shownAgain).not.toBeNull();
    expect(shownAgain).not.toBe(list);
  });

  it('separates its sections as cards, each named by its heading', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    const cards = Array.from(element.shadowRoot.querySelectorAll('section.slds-card'));
    expect(cards.map((card) => card.querySelector('h2').textContent)).toEqual([
      'Status',
      'Salesforce API usage',
      'Backed up so far',
      'Backup progress per day',
      'Objects',
    ]);
  });

  it('passes the daily progress to the chart', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    const chart = element.shadowRoot.querySelector('c-backup-progress-chart');
    expect(chart.progress).toEqual(mockDashboard.progress);
  });

  it('selects the current mode, next to the status; the schedule is left to Settings', async () => {
    getDashboard.mockResolvedValue(dashboardWith({ mode: 'objects_only', schedule: 'daily' }));
    const element = await renderDashboard();

    const mode = element.shadowRoot.querySelector('.mode-selector');
    expect(mode.value).toBe('objects_only');
    expect(mode.options.map((option) => option.label)).toEqual([
      'Backup Objects and Files',
      'Backup Objects, Pause Files',
      'Backups Paused',
    ]);
    expect(mode.closest('.status-section')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.schedule-selector')).toBeNull();
  });

  it.each([
    ['Backup Objects, Pause Files', 'objects_only', 'Paused', 'files'],
    ['Backups Paused', 'paused', 'Paused', 'all'],
    ['Backup Objects and Files', 'objects_and_files', 'Running Continuously', 'none'],
  ])(
    'changing the mode to %s calls updateMode(%s) and shows the answer',
    async (_label, mode, status, pausedScope) => {
      getDashboard.mockResolvedValue(dashboardWith({ mode: 'objects_only' }));
      updateMode.mockResolvedValue(dashboardWith({ mode, status, pausedScope }));
      const element = await renderDashboard();

      const selector = element.shadowRoot.querySelector('.mode-selector');
      selector.dispatchEvent(new CustomEvent('change', { detail: { value: mode } }));
      await flushPromises();

      expect(updateMode).toHaveBeenCalledTimes(1);
      expect(updateMode).toHaveBeenCalledWith({ mode, version: mockDashboard.settingsVersion });
      expect(selector.value).toBe(mode);
      expect(statusLabel(element)).toBe(
        status === 'Paused' ? `Paused (${pausedScope === 'all' ? 'records and files' : 'files'})` : status,
      );
    },
  );

  it('shows why a mode change failed and keeps the previous mode selected', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    updateMode.mockRejectedValue(APEX_ERROR);
    const element = await renderDashboard();

    const selector = element.shadowRoot.querySelector('.mode-selector');
    // The radio group shows the user's pick before the component hears about it.
    selector.value = 'paused';
    selector.dispatchEvent(new CustomEvent('change', { detail: { value: 'paused' } }));
    await flushPromises();

    expect(updateMode).toHaveBeenCalledWith({ mode: 'paused', version: mockDashboard.settingsVersion });
    const panel = element.shadowRoot.querySelector('c-error-panel.save-error');
    expect(panel).not.toBeNull();
    expect(panel.friendlyMessage).toBe('The change was not saved.');
    expect(panel.errors).toEqual(APEX_ERROR);
    expect(selector.value).toBe('objects_and_files');
    expect(getDashboard).toHaveBeenCalledTimes(1);
  });

  it('bases the next change on the settings version of the last answer', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    updateMode.mockResolvedValueOnce(
      dashboardWith({ mode: 'objects_only', settingsVersion: mockDashboard.settingsVersion + 1 }),
    );
    updateMode.mockResolvedValueOnce(
      dashboardWith({ mode: 'paused', settingsVersion: mockDashboard.settingsVersion + 2 }),
    );
    const element = await renderDashboard();

    element.shadowRoot
      .querySelector('.mode-selector')
      .dispatchEvent(new CustomEvent('change', { detail: { value: 'objects_only' } }));
    await flushPromises();
    element.shadowRoot
      .querySelector('.mode-selector')
      .dispatchEvent(new CustomEvent('change', { detail: { value: 'paused' } }));
    await flushPromises();

    expect(updateMode).toHaveBeenCalledWith({ mode: 'objects_only', version: mockDashboard.settingsVersion });
    expect(updateMode).toHaveBeenLastCalledWith({
      mode: 'paused',
      version: mockDashboard.settingsVersion + 1,
    });
  });

  it('after someone else changed the settings first, says so and shows the dashboard again', async () => {
    const changedMeanwhile = dashboardWith({
      mode: 'objects_only',
      schedule: 'daily',
      settingsVersion: mockDashboard.settingsVersion + 1,
    });
    getDashboard.mockResolvedValueOnce(mockDashboard).mockResolvedValueOnce(changedMeanwhile);
    updateMode.mockRejectedValueOnce(CONFLICT_ERROR).mockResolvedValueOnce(dashboardWith({ mode: 'paused' }));
    const element = await renderDashboard();

    const selector = element.shadowRoot.querySelector('.mode-selector');
    selector.value = 'paused';
    selector.dispatchEvent(new CustomEvent('change', { detail: { value: 'paused' } }));
    await flushPromises();

    expect(updateMode).toHaveBeenCalledWith({ mode: 'paused', version: mockDashboard.settingsVersion });
    expect(getDashboard).toHaveBeenCalledTimes(2);
    const panel = element.shadowRoot.querySelector('c-error-panel.save-error');
    expect(panel.errors).toEqual(CONFLICT_ERROR);
    expect(panel.friendlyMessage).toContain('someone else changed the settings');
    // The other admin's settings, not the user's refused pick.
    expect(selector.value).toBe('objects_only');
    expect(selector.disabled).toBe(false);

    selector.dispatchEvent(new CustomEvent('change', { detail: { value: 'paused' } }));
    await flushPromises();

    expect(updateMode).toHaveBeenLastCalledWith({
      mode: 'paused',
      version: mockDashboard.settingsVersion + 1,
    });
    expect(element.shadowRoot.querySelector('c-error-panel.save-error')).toBeNull();
  });

  it('disables the mode selector for users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    expect(element.shadowRoot.querySelector('.mode-selector').disabled).toBe(true);
    expect(element.shadowRoot.querySelector('.permission-note')).not.toBeNull();
  });

  it('enables the mode selector for users with the manage permission', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    expect(element.shadowRoot.querySelector('.mode-selector').disabled).toBe(false);
    expect(element.shadowRoot.querySelector('.permission-note')).toBeNull();
  });

  it('shows no error banner while there are no open errors', async () => {
    getDashboard.mockResolvedValue(mockDashboard);
    const element = await renderDashboard();

    expect(element.shadowRoot.querySelector('.error-banner')).toBeNull();
  });

  it('shows an error banner whose link asks the app to open the errors', async () => {
    getDashboard.mockResolvedValue(
      dashboardWith({ status: 'Error', errors: { open: 3, since: '2026-11-24T10:00:00.000Z' } }),
    );
    const element = await renderDashboard();
    const handler = jest.fn();
    element.addEventListener('viewerrors', handler);

    const banner = element.shadowRoot.querySelector('.error-banner');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.querySelector('.error-banner-text').textContent).toBe('3 backup errors need attention.');
    expect(banner.querySelector('.errors-since c-backup-date-time').value).toBe('2026-11-24T10:00:00.000Z');
    banner.querySelector('a.view-errors').click();

    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('shows an error panel with a retry when the dashboard cannot be loaded', async () => {
    getDashboard.mockRejectedValueOnce(APEX_ERROR).mockResolvedValueOnce(mockDashboard);
    const element = await renderDashboard();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.friendlyMessage).toBe('The dashboard could not be loaded.');
    expect(panel.errors).toEqual(APEX_ERROR);

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();

    expect(statusLabel(element)).toBe('Running Continuously');
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
  });

  it('refreshes itself on a timer while the page is visible', async () => {
    jest.useFakeTimers();
    getDashboard
      .mockResolvedValueOnce(dashboardWith({ status: 'Backfilling' }))
      .mockResolvedValue(dashboardWith({ status: 'Running Continuously' }));
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    document.body.appendChild(element);
    await Promise.resolve();
    await Promise.resolve();
    expect(getDashboard).toHaveBeenCalledTimes(1);

    await jest.advanceTimersByTimeAsync(30000);

    expect(getDashboard).toHaveBeenCalledTimes(2);
    expect(statusLabel(element)).toBe('Running Continuously');
  });

  it('skips refreshes while the page is hidden and catches up when it is shown again', async () => {
    jest.useFakeTimers();
    getDashboard.mockResolvedValue(mockDashboard);
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(0);
    setDocumentHidden(true);

    await jest.advanceTimersByTimeAsync(90000);
    expect(getDashboard).toHaveBeenCalledTimes(1);

    setDocumentHidden(false);
    document.dispatchEvent(new Event('visibilitychange'));
    await jest.advanceTimersByTimeAsync(0);
    expect(getDashboard).toHaveBeenCalledTimes(2);
  });

  it('runs no timer while the browser tab is hidden', async () => {
    jest.useFakeTimers();
    getDashboard.mockResolvedValue(mockDashboard);
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(0);

    setDocumentHidden(true);
    document.dispatchEvent(new Event('visibilitychange'));
    await jest.advanceTimersByTimeAsync(300000);

    expect(getDashboard).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not poll while it is not the active tab, and refreshes when it becomes active again', async () => {
    jest.useFakeTimers();
    getDashboard.mockResolvedValue(mockDashboard);
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    element.active = false;
    element.initialDashboard = mockDashboard;
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(300000);

    expect(getDashboard).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);

    element.active = true;
    await jest.advanceTimersByTimeAsync(0);
    expect(getDashboard).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(30000);
    expect(getDashboard).toHaveBeenCalledTimes(2);
  });

  it('shows a dashboard the page already read without asking for it again', async () => {
    jest.useFakeTimers();
    getDashboard.mockResolvedValue(mockDashboard);
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    element.initialDashboard = dashboardWith({ status: 'Backfilling' });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(0);

    expect(getDashboard).not.toHaveBeenCalled();
    expect(statusLabel(element)).toBe('Backfilling');
    expect(element.shadowRoot.querySelector('lightning-spinner')).toBeNull();
  });

  it('shows the number of open errors but no link to them to users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    getDashboard.mockResolvedValue(dashboardWith({ errors: { open: 2, since: '2026-11-24T10:00:00.000Z' } }));
    const element = await renderDashboard();

    const banner = element.shadowRoot.querySelector('.error-banner');
    expect(banner.querySelector('.error-banner-text').textContent).toBe('2 backup errors need attention.');
    expect(banner.querySelector('a.view-errors')).toBeNull();
    expect(banner.querySelector('.errors-admin-only')).not.toBeNull();
  });

  it('stops refreshing once it is removed from the page', async () => {
    jest.useFakeTimers();
    getDashboard.mockResolvedValue(mockDashboard);
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(0);

    document.body.removeChild(element);
    await jest.advanceTimersByTimeAsync(120000);
    document.dispatchEvent(new Event('visibilitychange'));

    expect(getDashboard).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not refresh while a mode change is being saved', async () => {
    jest.useFakeTimers();
    getDashboard.mockResolvedValue(mockDashboard);
    updateMode.mockReturnValue(new Promise(() => {}));
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(0);

    element.shadowRoot
      .querySelector('.mode-selector')
      .dispatchEvent(new CustomEvent('change', { detail: { value: 'paused' } }));
    await jest.advanceTimersByTimeAsync(60000);

    expect(getDashboard).toHaveBeenCalledTimes(1);
    expect(element.shadowRoot.querySelector('.mode-selector').disabled).toBe(true);
    expect(element.shadowRoot.querySelector('.saving')).not.toBeNull();
  });

  it('bases a change on the settings version of the latest refresh', async () => {
    jest.useFakeTimers();
    getDashboard
      .mockResolvedValueOnce(mockDashboard)
      .mockResolvedValue(dashboardWith({ settingsVersion: mockDashboard.settingsVersion + 3 }));
    updateMode.mockReturnValue(new Promise(() => {}));
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(30000);

    element.shadowRoot
      .querySelector('.mode-selector')
      .dispatchEvent(new CustomEvent('change', { detail: { value: 'paused' } }));

    expect(updateMode).toHaveBeenCalledWith({
      mode: 'paused',
      version: mockDashboard.settingsVersion + 3,
    });
  });

  it('keeps the last numbers and says so when a refresh fails', async () => {
    jest.useFakeTimers();
    getDashboard.mockResolvedValueOnce(mockDashboard).mockRejectedValue(APEX_ERROR);
    const element = createElement('c-backup-dashboard', { is: BackupDashboard });
    document.body.appendChild(element);
    await jest.advanceTimersByTimeAsync(30000);

    expect(element.shadowRoot.querySelector('c-error-panel.refresh-error')).not.toBeNull();
    expect(statusLabel(element)).toBe('Running Continuously');
  });

  it('is accessible, with an error banner and the API bar over budget', async () => {
    getDashboard.mockResolvedValue(
      dashboardWith({
        status: 'Error',
        errors: { open: 1, since: '2026-11-24T10:00:00.000Z' },
        api: { ...mockDashboard.api, used: 61000 },
      }),
    );
    const element = await renderDashboard();

    await expect(element).toBeAccessible();
    // The scan covers the chart and the objects list too: seconds alone, far longer on a shared, busy machine.
  }, 60000);
});
