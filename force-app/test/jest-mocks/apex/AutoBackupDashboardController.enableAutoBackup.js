// Jest stand-in for the Apex method AutoBackupDashboardController.enableAutoBackup (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
