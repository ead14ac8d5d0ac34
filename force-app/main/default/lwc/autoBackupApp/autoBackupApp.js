import { LightningElement } from 'lwc';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';
import { Loader } from 'c/dataLoader';
import { loadCanManage } from 'c/managePermission';

export const TABS = {
  dashboard: 'dashboard',
  excluded: 'excluded',
  settings: 'settings',
  errors: 'errors',
};

/**
 * The Auto Backup tab: Dashboard (which holds the objects list too, as admins expect to find it
 * beside the status), Excluded objects, Settings and Errors, or the first-run panel while Auto Backup
 * has never been enabled for the org.
 *
 * The dashboard read here (to choose between tabs and first run) is handed to the Dashboard tab,
 * so opening the page asks the service once; the Dashboard polls only while it is the active tab.
 * The Errors tab is there for users who manage Auto Backup only (errors name records and carry
 * stack traces); everyone sees the number of open errors on the dashboard.
 */
export default class AutoBackupApp extends LightningElement {
  dashboard;
  loading = true;
  error;
  activeTab = TABS.dashboard;
  canManage = false;

  tabs = TABS;
  loader = new Loader(this);

  connectedCallback() {
    this.load();
    this.loadPermission();
  }

  async loadPermission() {
    this.canManage = await loadCanManage();
  }

  get dashboardActive() {
    return this.activeTab === TABS.dashboard;
  }

  load() {
    return this.loader.load(
      () => getDashboard(),
      (dashboard) => {
        this.dashboard = dashboard;
      },
    );
  }

  get showTabs() {
    return Boolean(this.dashboard && this.dashboard.enabled);
  }

  get showFirstRun() {
    return Boolean(this.dashboard && !this.dashboard.enabled);
  }

  get storage() {
    return this.dashboard && this.dashboard.storage;
  }

  handleEnabled(event) {
    const dashboard = event.detail && event.detail.dashboard;
    this.dashboard = { ...(dashboard || this.dashboard), enabled: true };
    this.activeTab = TABS.dashboard;
  }

  handleTabActive(event) {
    this.activeTab = event.target.value;
  }

  handleViewErrors() {
    if (this.canManage) {
      this.activeTab = TABS.errors;
    }
  }

  handleRetry() {
    this.load();
  }
}
