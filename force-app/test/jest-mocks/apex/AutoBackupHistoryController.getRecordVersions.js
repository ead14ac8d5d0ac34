// Jest stand-in for the Apex method AutoBackupHistoryController.getRecordVersions (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
