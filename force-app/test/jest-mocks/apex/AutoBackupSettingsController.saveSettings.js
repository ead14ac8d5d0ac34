// Jest stand-in for the Apex method AutoBackupSettingsController.saveSettings (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
