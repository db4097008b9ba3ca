/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared/test', '<rootDir>/services', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  // ES-module dependencies (jose, cookie 2, content-disposition 3) are loaded as they are, through
  // Node's require(esm): scripts/test.mjs runs jest with --experimental-vm-modules
  testTimeout: 90_000,
  maxWorkers: 2,
  // integration tests talk to real Kafka: give a slow CI machine time, but never hang
  forceExit: false,
};
