// Spool's cluster suites use the test cluster's own testing kit: clients, a namespace per test, pods, kubectl and helm.
export * from '@spool/test-cluster/testing';
