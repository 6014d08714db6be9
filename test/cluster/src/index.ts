// The test cluster's public face: start and stop it, find its state and its cached binaries.
// Test helpers (clients, namespaces, kubectl, helm) are `@spool/test-cluster/testing`.
export { down, isClusterUp, nodeName, up, type DownOptions, type UpResult } from './control-plane.js';
export { binaryPaths, clusterDir, paths, type BinaryPaths } from './paths.js';
export type { ImageTable, LocalImage } from './node/images.js';
export { descendantsOf } from './processes.js';
