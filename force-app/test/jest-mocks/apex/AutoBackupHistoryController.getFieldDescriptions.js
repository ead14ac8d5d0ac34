// Jest stand-in for the Apex method AutoBackupHistoryController.getFieldDescriptions (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
