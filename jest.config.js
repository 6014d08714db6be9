// Two honest tiers (style rule 12): pure unit tables beside the code, and integration suites on real servers.
/** @typedef {import('jest').Config} Config */

const shared = {
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@spool/(api|gateway|watchdog|controller|images)$': '<rootDir>/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

/** @type {Config} */
const config = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{api,gateway,watchdog,controller,images}/src/**/*.test.ts',
        '<rootDir>/scripts/**/*.test.ts',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/local/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/redis-setup.ts',
      globalTeardown: '<rootDir>/test/setup/redis-teardown.ts',
    },
    {
      ...shared,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/redis-setup.ts',
      globalTeardown: '<rootDir>/test/setup/redis-teardown.ts',
    },
    {
      ...shared,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/integration/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/cluster-setup.ts',
      globalTeardown: '<rootDir>/test/setup/cluster-teardown.ts',
    },
    {
      ...shared,
      displayName: 'images',
      testMatch: ['<rootDir>/test/integration/images/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/podman-setup.ts',
      globalTeardown: '<rootDir>/test/setup/podman-teardown.ts',
    },
  ],
};

export default config;
