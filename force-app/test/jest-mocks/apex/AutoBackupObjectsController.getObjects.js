// Jest stand-in for the Apex method AutoBackupObjectsController.getObjects (mapped in /jest.config.cjs); tests set its answers.
export default jest.fn();
