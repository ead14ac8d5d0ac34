// Jest stand-in for the Apex method AutoBackupHistoryController.getFileDownloadLink (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
