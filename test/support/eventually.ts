// Spool's suites wait on real state with the test cluster's `eventually`: one implementation for every tier.
export { eventually, type EventuallyOptions } from '@spool/test-cluster/eventually';
