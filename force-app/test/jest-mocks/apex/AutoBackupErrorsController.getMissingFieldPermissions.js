// Jest stand-in for the Apex method AutoBackupErrorsController.getMissingFieldPermissions (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
