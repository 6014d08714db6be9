// Two honest tiers (style rule 12): pure unit tables beside the code, and integration suites on real servers.
// The test cluster (test/cluster, a workspace of its own) has its tables in `unit` and its own suites in `cluster-self`.
/** @typedef {import('jest').Config} Config */

const shared = {
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@spool/(api|node|gateway|watchdog|controller|images)$': '<rootDir>/$1/src/index.ts',
    '^@spool/test-cluster$': '<rootDir>/test/cluster/src/index.ts',
    '^@spool/test-cluster/(testing|eventually)$': '<rootDir>/test/cluster/src/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  // The test cluster's state and the local stack's: etcd writes `*.snap` files there once its log passes 100,000
  // entries (a 10,000-Function bench), which jest would take for obsolete snapshots and fail `--ci` on.
  modulePathIgnorePatterns: ['<rootDir>/.cluster/', '<rootDir>/.spool/'],
};

/** @type {Config} */
const config = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{api,node,gateway,watchdog,controller,images,test/cluster}/src/**/*.test.ts',
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
    // The test cluster's own suites: the control plane, the process node and its Service forwarder work.
    {
      ...shared,
      displayName: 'cluster-self',
      testMatch: ['<rootDir>/test/cluster/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/cluster/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/test/global-teardown.ts',
    },
    // Spool's suites on that cluster.
    {
      // The hostile-tenant suite (issue 11, item 10): each file starts what it attacks, such as its own redis-server.
      ...shared,
      displayName: 'security',
      testMatch: ['<rootDir>/test/security/**/*.test.ts'],
    },
    {
      ...shared,
      // Faults on real processes and the same Redis as integration (issue 10): kills, freezes, counts.
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/redis-setup.ts',
      globalTeardown: '<rootDir>/test/setup/redis-teardown.ts',
    },
    {
      ...shared,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/integration/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/cluster/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/test/global-teardown.ts',
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
