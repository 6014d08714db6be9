// @spool/images: plans and dockerode builds of Spool's images and users' function images.
export * from './build-plan.js';
export * from './build-events.js';
export * from './build-images.js';
export * from './cli-args.js';
export * from './container.js';
export * from './docker.js';
export * from './docker-host.js';
export * from './function-file.js';
export * from './function-image.js';
export * from './log-frames.js';
export * from './report.js';
export * from './repo.js';
export * from './spool-images.js';
