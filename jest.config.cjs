// The root jest config is the LWC one: `npx sfdx-lwc-jest` runs the package's component tests.
// Service and simulator tests use node:test (see scripts/run-tests.ts), so they never collide.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
  ...jestConfig,
  // Keeps the preset's own setup files and adds the @sa11y/jest `toBeAccessible` matcher.
  setupFilesAfterEnv: [...(jestConfig.setupFilesAfterEnv || []), '<rootDir>/force-app/test/jest-setup.js'],
  // Every `@salesforce/apex/<Class>.<method>` import is a jest.fn() from force-app/test/jest-mocks/apex/
  // (one file per method the components call), so a test imports it and sets its answers.
  moduleNameMapper: {
    ...(jestConfig.moduleNameMapper || {}),
    '^@salesforce/apex/(\\w+\\.\\w+)$': '<rootDir>/force-app/test/jest-mocks/apex/$1.js',
  },
  testPathIgnorePatterns: [
    '<rootDir>/node_modules/',
    '<rootDir>/test/',
    '<rootDir>/service/',
    '<rootDir>/.autobackup',
  ],
  modulePathIgnorePatterns: ['<rootDir>/.autobackup', '<rootDir>/.autobackup-test'],
};
