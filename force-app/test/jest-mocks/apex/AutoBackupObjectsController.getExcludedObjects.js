// Jest stand-in for the Apex method AutoBackupObjectsController.getExcludedObjects (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
