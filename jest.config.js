/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared/test', '<rootDir>/services', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    // jose is an ES module only; jest's module loader cannot require one, so it is compiled to CommonJS
    // here (node itself requires it as it is)
    '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, isolatedModules: true }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testTimeout: 90_000,
  maxWorkers: 2,
  // integration tests talk to real Kafka: give a slow CI machine time, but never hang
  forceExit: false,
};
