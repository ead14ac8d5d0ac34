import { loadCanManage } from 'c/managePermission';
import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';

describe('c-manage-permission', () => {
  it('lets the user manage Auto Backup only when Apex answers true', async () => {
    canManageSettings.mockResolvedValueOnce(true);
    await expect(loadCanManage()).resolves.toBe(true);
    canManageSettings.mockResolvedValueOnce(false);
    await expect(loadCanManage()).resolves.toBe(false);
    canManageSettings.mockResolvedValueOnce('yes');
    await expect(loadCanManage()).resolves.toBe(false);
  });

  it('keeps the controls read-only when Apex cannot answer', async () => {
    canManageSettings.mockRejectedValueOnce({ body: { message: 'No access' } });
    await expect(loadCanManage()).resolves.toBe(false);
  });
});
