import { LightningElement } from 'lwc';
import getDashboard from '@salesforce/apex/AutoBackupDashboardController.getDashboard';
import { Loader } from 'c/dataLoader';

export const TABS = {
  dashboard: 'dashboard',
  objects: 'objects',
  excluded: 'excluded',
  settings: 'settings',
  errors: 'errors',
};

/**
 * The Auto Backup tab: Dashboard, Objects, Excluded objects, Settings and Errors, or the first-run
 * panel while Auto Backup has never been enabled for the org.
 */
export default class AutoBackupApp extends LightningElement {
  dashboard;
  loading = true;
  error;
  activeTab = TABS.dashboard;

  tabs = TABS;
  loader = new Loader(this);

  connectedCallback() {
    this.load();
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
    this.activeTab = TABS.errors;
  }

  handleRetry() {
    this.load();
  }
}
