import { LightningElement, api } from 'lwc';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';
import updateMode from '@salesforce/apex/AutoBackupDashboardController.updateMode';
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

/** Share of the org's daily allowance from which the API bar turns red: Salesforce refuses calls past it. */
export const API_NEAR_LIMIT_SHARE = 0.9;

/**
 * The Auto Backup dashboard, in cards: the overall status and what it means with the mode selector
 * beside it, the org's API usage against Auto Backup's budget (c-backup-usage-bar: warning colour
 * past the budget, error near the org's limit, said in words too), the key figures as tiles with the
 * time frame covered, the progress chart, and the objects list (c-backup-object-list). A banner
 * gives the number of open errors (linking to them for users who manage Auto Backup). Fires
 * `viewerrors` when the user follows the banner's link. How often the org is scanned (the schedule)
 * is set in the Settings tab.
 *
 * Asked for once on open: a dashboard the page already read (`initialDashboard`, the app's own
 * answer) is shown as is. Then it refreshes every `refreshIntervalMs` only while it is the active tab
 * (`active`) and the browser tab is visible; the timer stops otherwise, and the numbers are read
 * again as soon as it is shown again.
 *
 * The objects list is on the page only while the dashboard is the active tab: coming back to it
 * reads the list afresh (e.g. an exclusion saved in Settings shows at once), and a hidden tab keeps
 * no second copy of it.
 *
 * A change of mode names the version of the settings on screen (`settingsVersion` of the dashboard
 * last received). When someone else changed the settings since, nothing is saved: the component
 * says so and loads the dashboard again, so the user sees their change before retrying.
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

  /** Refreshes only while seen and no change of mode is on its way. */
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

  /** The share of the org's daily allowance used (more than 1 when Salesforce counted refused calls). */
  get apiUsedShare() {
    const { used, max } = this.dashboard.api;
    return used / max;
  }

  get apiUsedPercent() {
    return Math.min(100, Math.round(this.apiUsedShare * 100));
  }

  get apiBudgetPercent() {
    return Math.round(this.dashboard.api.budgetShare * 100);
  }

  get apiBudgetCalls() {
    const { max, budgetShare } = this.dashboard.api;
    return Math.floor(max * budgetShare);
  }

  /** `error` near the org's limit, `warning` past Auto Backup's budget, `base` otherwise. */
  get apiTone() {
    const share = this.apiUsedShare;
    if (share >= API_NEAR_LIMIT_SHARE) {
      return 'error';
    }
    return share > this.dashboard.api.budgetShare ? 'warning' : 'base';
  }

  get apiMarkerLabel() {
    return `Auto Backup's budget: ${formatPercent(this.dashboard.api.budgetShare)}`;
  }

  /** What screen readers hear as the bar's value: the share used, the budget, and how they compare. */
  get apiValueText() {
    const used = formatPercent(this.apiUsedShare);
    const budget = formatPercent(this.dashboard.api.budgetShare);
    const base = `${used} of the daily API allowance used; Auto Backup's budget is ${budget}`;
    const overBudget = this.apiUsedShare > this.dashboard.api.budgetShare;
    if (this.apiTone === 'error') {
      // A budget share of 90% or more can leave the org close to its limit without being over budget.
      return `${base}. ${overBudget ? 'Over budget and close' : 'Close'} to the org's limit.`;
    }
    return overBudget ? `${base}. Over budget.` : `${base}.`;
  }

  get apiSummary() {
    const { used, max } = this.dashboard.api;
    return `${formatNumber(used)} of ${formatNumber(max)} daily API calls used in the last 24 hours.`;
  }

  /** The line under the bar that says in words what its colour shows; none while under the budget. */
  get apiAlert() {
    const tone = this.apiTone;
    if (tone === 'base') {
      return null;
    }
    const used = formatPercent(this.apiUsedShare);
    const budget = formatPercent(this.dashboard.api.budgetShare);
    const text =
      tone === 'error'
        ? `Close to the org's limit: ${used} of the daily allowance is used, and Salesforce refuses API calls past 100%. Auto Backup's budget is ${budget}.`
        : `Over budget: ${used} of the daily allowance is used, more than Auto Backup's budget of ${budget}.`;
    return {
      text,
      iconName: tone === 'error' ? 'utility:error' : 'utility:warning',
      iconVariant: tone,
      className: `slds-m-top_x-small api-alert ${tone === 'error' ? 'slds-text-color_error' : ''}`.trim(),
    };
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

  /** Auto Backup waits once it has spent its budget: a warning, it goes on by itself. */
  get serviceTone() {
    return this.serviceUsedPercent >= 100 ? 'warning' : 'base';
  }

  get serviceValueText() {
    const { serviceUsed, serviceMax } = this.dashboard.api;
    const spent = this.serviceTone === 'warning' ? ' Budget spent: backups wait for it.' : '';
    return `${formatPercent(serviceUsed / serviceMax)} of Auto Backup's budget used (${formatNumber(serviceUsed)} of ${formatNumber(serviceMax)} calls).${spent}`;
  }

  get serviceSummary() {
    const { serviceUsed, serviceMax, budgetShare } = this.dashboard.api;
    return `Auto Backup used ${formatNumber(serviceUsed)} of its ${formatNumber(serviceMax)} calls (${formatPercent(budgetShare)} of the daily allowance) in the last 24 hours.`;
  }

  get waitingForBudgetUntil() {
    return this.dashboard.api.waitingForBudgetUntil || null;
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

  /** The objects list lives only while the dashboard is seen as the active tab (see the class comment). */
  get showObjects() {
    return this._active;
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

  handleRetry() {
    this.load();
  }

  /** Puts the mode selector back on what the service last reported (the user's pick was not saved). */
  resetModeSelector() {
    const mode = this.template.querySelector('.mode-selector');
    if (mode) {
      mode.value = this.dashboard.mode;
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
      this.resetModeSelector();
    } finally {
      this.saving = false;
    }
  }
}
