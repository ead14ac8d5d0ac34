import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';

/**
 * Whether the current user may change Auto Backup (mode, schedule, exclusions, enable, dismiss):
 * true only when Apex says so. Without an answer the controls stay read-only; Apex checks the
 * custom permission again on every change anyway.
 */
export async function loadCanManage() {
  try {
    return (await canManageSettings()) === true;
  } catch {
    return false;
  }
}
