import { LightningElement, api } from 'lwc';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';
import updateMode from '@salesforce/apex/AutoBackupDashboardController.updateMode';
import updateSchedule from '@salesforce/apex/AutoBackupDashboardController.updateSchedule';
import { describeOverallStatus } from 'c/backupStatus';
import { formatBytes, formatCompactNumber, formatNumber, formatPercent } from 'c/backupFormat';
import { isSettingsConflict } from 'c/ldsUtils';
import { loadCanManage } from 'c/managePermission';

/** How often the open dashboard asks for fresh numbers. */
export const REFRESH_INTERVAL_MS = 30000;

export const MODE_OPTIONS = [
  { label: 'Backup Objects and Files', value: 'objects_and_files' },
  { label: 'Backup Objects, Pause Files', value: 'objects_only' },
  { label: 'Backups Paused', value: 'paused' },
];

export const SCHEDULE_OPTIONS = [
  { label: 'Daily: looks for new data once a day', value: 'daily' },
  { label: 'Continuous: looks for new data at least every hour', value: 'continuous' },
];

/**
 * The Auto Backup dashboard: overall status and what it means, totals, time frame covered,
 * progress chart, API usage, the mode and schedule selectors and a banner with the number of open
 * errors (linking to them for users who manage Auto Backup). Fires `viewerrors` when the user
 * follows the banner's link.
 *
 * Asked for once on open: a dashboard the page already read (`initialDashboard`, the app's own
 * answer) is shown as is. Then it refreshes every `refreshIntervalMs` only while it is the active tab
 * (`active`) and the browser tab is visible; the timer stops otherwise, and the numbers are read
 * again as soon as it is shown again.
 *
 * A change of mode or schedule names the version of the settings on screen (`settingsVersion` of the
 * dashboard last received). When someone else changed the settings since, nothing is saved: the
 * component says so and loads the dashboard again, so the user sees their change before retrying.
 */
export default class BackupDashboard extends LightningElement {
  @api refreshIntervalMs = REFRESH_INTERVAL_MS;

  /** A dashboard read just before (by the app): shown without asking the service again. */
  @api
  get initialDashboard() {
    return this._initialDashboard;
  }
  set initialDashboard(value) {
    this._initialDashboard = value;
    if (value && !this.dashboard) {
      this.dashboard = value;
      this.loading = false;
    }
  }

  /** Whether the dashboard is what the user looks at (the app's active tab); true when alone. */
  @api
  get active() {
    return this._active;
  }
  set active(value) {
    const wasActive = this._active;
    this._active = value !== false;
    if (this.isConnected && this._active !== wasActive) {
      this.updatePolling();
    }
  }

  _initialDashboard;
  _active = true;
  dashboard;
  error;
  saveError;
  loading = true;
  saving = false;
  canManage = false;

  modeOptions = MODE_OPTIONS;
  scheduleOptions = SCHEDULE_OPTIONS;

  refreshTimer;
  requestSequence = 0;
  visibilityListener = () => this.updatePolling();

  connectedCallback() {
    if (this.dashboard) {
      this.loading = false;
    } else {
      this.load();
    }
    this.loadPermission();
    document.addEventListener('visibilitychange', this.visibilityListener);
    this.updatePolling({ refreshNow: false });
  }

  disconnectedCallback() {
    this.stopPolling();
    document.removeEventListener('visibilitychange', this.visibilityListener);
  }

  /** Seen: the active tab of a visible browser tab. */
  isSeen() {
    return this._active && !document.hidden;
  }

  /**
   * Runs the refresh timer while the dashboard is seen and stops it otherwise; coming into view
   * again reads the numbers at once (they may be minutes old).
   */
  updatePolling({ refreshNow = true } = {}) {
    if (!this.isSeen()) {
      this.stopPolling();
      return;
    }
    if (refreshNow && this.shouldRefresh()) {
      this.refresh();
    }
    if (this.refreshTimer) {
      return;
    }
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    this.refreshTimer = setInterval(() => {
      if (this.shouldRefresh()) {
        this.refresh();
      }
    }, this.refreshIntervalMs);
  }

  stopPolling() {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  /** Refreshes only while seen and no change of mode or schedule is on its way. */
  shouldRefresh() {
    return this.isSeen() && !this.saving;
  }

  async load() {
    this.loading = true;
    await this.refresh();
    this.loading = false;
  }

  async refresh() {
    // A slow answer must not overwrite a newer one (e.g. after a mode change).
    const sequence = ++this.requestSequence;
    try {
      const result = await getDashboard();
      if (sequence === this.requestSequence) {
        this.dashboard = result;
        this.error = undefined;
      }
    } catch (error) {
      if (sequence === this.requestSequence) {
        this.error = error;
      }
    }
  }

  async loadPermission() {
    this.canManage = await loadCanManage();
  }

  get hasDashboard() {
    return Boolean(this.dashboard);
  }

  get showInitialSpinner() {
    return this.loading && !this.dashboard;
  }

  get showLoadError() {
    return Boolean(this.error) && !this.dashboard;
  }

  get showRefreshError() {
    return Boolean(this.error) && Boolean(this.dashboard);
  }

  get status() {
    return describeOverallStatus(this.dashboard.status, this.dashboard.pausedScope);
  }

  get totals() {
    const totals = this.dashboard.totals || {};
    return [
      {
        key: 'records',
        label: 'Records',
        value: formatCompactNumber(totals.records),
        exact: formatNumber(totals.records),
      },
      {
        key: 'versions',
        label: 'Versions',
        value: formatCompactNumber(totals.versions),
        exact: formatNumber(totals.versions),
      },
      {
        key: 'files',
        label: 'Files',
        value: formatCompactNumber(totals.files),
        exact: formatNumber(totals.files),
      },
      {
        key: 'bytes',
        label: 'Stored',
        value: formatBytes(totals.bytes),
        exact: `${formatNumber(totals.bytes)} bytes`,
      },
    ];
  }

  get hasCoverage() {
    const coverage = this.dashboard.coverage;
    return Boolean(coverage && coverage.from && coverage.to);
  }

  get coverageFrom() {
    return this.dashboard.coverage.from;
  }

  get coverageTo() {
    return this.dashboard.coverage.to;
  }

  get progress() {
    return this.dashboard.progress || [];
  }

  get hasApi() {
    const api = this.dashboard.api;
    return Boolean(api && api.max > 0);
  }

  get apiUsedPercent() {
    const { used, max } = this.dashboard.api;
    return Math.min(100, Math.round((used / max) * 100));
  }

  get apiBudgetCalls() {
    const { max, budgetShare } = this.dashboard.api;
    return Math.floor(max * budgetShare);
  }

  get apiSummary() {
    const { used, max } = this.dashboard.api;
    return `${formatNumber(used)} of ${formatNumber(max)} daily API calls used in the last 24 hours.`;
  }

  get apiBudgetText() {
    const { budgetShare } = this.dashboard.api;
    return `Auto Backup keeps its own use under ${formatPercent(budgetShare)} of the daily allowance (${formatNumber(this.apiBudgetCalls)} calls).`;
  }

  // serviceUsed and serviceMax come from services that enforce the budget; older ones leave them out.
  get hasServiceUsage() {
    const { serviceUsed, serviceMax } = this.dashboard.api;
    return typeof serviceUsed === 'number' && typeof serviceMax === 'number' && serviceMax > 0;
  }

  get serviceUsedPercent() {
    const { serviceUsed, serviceMax } = this.dashboard.api;
    return Math.min(100, Math.round((serviceUsed / serviceMax) * 100));
  }

  get serviceSummary() {
    const { serviceUsed, serviceMax, budgetShare } = this.dashboard.api;
    return `Auto Backup used ${formatNumber(serviceUsed)} of its ${formatNumber(serviceMax)} calls (${formatPercent(budgetShare)} of the daily allowance) in the last 24 hours.`;
  }

  get serviceBarVariant() {
    return this.serviceUsedPercent >= 100 ? 'warning' : 'base';
  }

  get waitingForBudgetUntil() {
    return this.dashboard.api.waitingForBudgetUntil || null;
  }

  get apiBarVariant() {
    const { used, max, budgetShare } = this.dashboard.api;
    return used / max > budgetShare ? 'warning' : 'base';
  }

  get hasOpenErrors() {
    const errors = this.dashboard.errors;
    return this.dashboard.status === 'Error' || Boolean(errors && errors.open > 0);
  }

  get errorBannerText() {
    const errors = this.dashboard.errors || {};
    const count = errors.open || 0;
    if (count === 0) {
      return 'Auto Backup reported an error.';
    }
    return count === 1
      ? '1 backup error needs attention.'
      : `${formatNumber(count)} backup errors need attention.`;
  }

  get errorsSince() {
    const errors = this.dashboard.errors;
    return errors && errors.since;
  }

  /** The version of the settings on screen; a change is based on it. */
  get settingsVersion() {
    return this.dashboard ? this.dashboard.settingsVersion : undefined;
  }

  get saveErrorMessage() {
    return isSettingsConflict(this.saveError)
      ? 'The change was not saved: someone else changed the settings meanwhile. The dashboard now shows them; make your change again if it is still needed.'
      : 'The change was not saved.';
  }

  get controlsDisabled() {
    return !this.canManage || this.saving;
  }

  get showPermissionNote() {
    return !this.canManage;
  }

  handleViewErrors(event) {
    event.preventDefault();
    this.dispatchEvent(new CustomEvent('viewerrors'));
  }

  handleModeChange(event) {
    this.save(() => updateMode({ mode: event.detail.value, version: this.settingsVersion }));
  }

  handleScheduleChange(event) {
    this.save(() => updateSchedule({ schedule: event.detail.value, version: this.settingsVersion }));
  }

  handleRetry() {
    this.load();
  }

  /** Puts the selectors back on what the service last reported (the user's pick was not saved). */
  resetSelectors() {
    const mode = this.template.querySelector('.mode-selector');
    const schedule = this.template.querySelector('.schedule-selector');
    if (mode) {
      mode.value = this.dashboard.mode;
    }
    if (schedule) {
      schedule.value = this.dashboard.schedule;
    }
  }

  async save(call) {
    this.saving = true;
    this.saveError = undefined;
    // Any refresh still in flight is older than the answer of this change.
    const sequence = ++this.requestSequence;
    try {
      const result = await call();
      if (sequence === this.requestSequence) {
        this.dashboard = result;
      }
    } catch (error) {
      this.saveError = error;
      if (isSettingsConflict(error)) {
        // Someone else changed the settings first: show them (and take their version) before the
        // user can try again; the controls stay disabled until then.
        await this.refresh();
      }
      this.resetSelectors();
    } finally {
      this.saving = false;
    }
  }
}
