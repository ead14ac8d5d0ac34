// Jest stand-in for the Apex method AutoBackupDashboardController.updateSchedule (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
