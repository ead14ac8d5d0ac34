// The root jest config is the LWC one: `npx sfdx-lwc-jest` runs the package's component tests.
// Service and simulator tests use node:test (see scripts/run-tests.ts), so they never collide.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
  ...jestConfig,
  // Keeps the preset's own setup files and adds the @sa11y/jest `toBeAccessible` matcher.
  setupFilesAfterEnv: [...(jestConfig.setupFilesAfterEnv || []), '<rootDir>/force-app/test/jest-setup.js'],
  testPathIgnorePatterns: [
    '<rootDir>/node_modules/',
    '<rootDir>/test/',
    '<rootDir>/service/',
    '<rootDir>/.autobackup',
  ],
  modulePathIgnorePatterns: ['<rootDir>/.autobackup', '<rootDir>/.autobackup-test'],
};
