// Spool's own images: which Dockerfile, which workspace's files, which tags and base-image arguments.

import type { BuildPlan } from './build-plan.js';

export const spoolImageNames = [
  'gateway',
  'controller',
  'watchdog',
  'runtime-node',
  'runtime-python',
] as const;
export type SpoolImageName = (typeof spoolImageNames)[number];

interface SpoolImage {
  /** The workspace compiled into the image (besides api/, which every workspace imports). */
  readonly workspace: 'gateway' | 'controller' | 'watchdog';
  /** The base-image ARGs its Dockerfile declares; other build arguments are not sent to it. */
  readonly baseArgs: readonly string[];
}

const serviceArgs = ['NODE_IMAGE', 'BASE_IMAGE'];

const spoolImages: Readonly<Record<SpoolImageName, SpoolImage>> = {
  gateway: { workspace: 'gateway', baseArgs: serviceArgs },
  controller: { workspace: 'controller', baseArgs: serviceArgs },
  watchdog: { workspace: 'watchdog', baseArgs: serviceArgs },
  'runtime-node': { workspace: 'watchdog', baseArgs: ['NODE_IMAGE'] },
  'runtime-python': { workspace: 'watchdog', baseArgs: ['NODE_IMAGE', 'PYTHON_IMAGE'] },
};

export const isSpoolImageName = (name: string): name is SpoolImageName =>
  (spoolImageNames as readonly string[]).includes(name);

/** `spool/runtime-node:0.1.0`: Spool's images are tagged with the root package.json version. */
export const spoolImageTag = (name: SpoolImageName, version: string): string => `spool/${name}:${version}`;

export interface SpoolImageOptions {
  /** The repository's root folder: the build context. */
  readonly repoRoot: string;
  /** The root package.json version. */
  readonly version: string;
  /** Base-image substitutions (`NODE_IMAGE=…`); each image receives only the ones it declares. */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

export function planSpoolImage(name: SpoolImageName, options: SpoolImageOptions): BuildPlan {
  const { workspace, baseArgs } = spoolImages[name];
  const dockerfile = `images/${name}/Dockerfile`;
  const given = options.buildArgs ?? {};
  return {
    contextDir: options.repoRoot,
    // The Dockerfiles copy exactly these; everything else in the checkout (node_modules, dist, .git) stays home.
    include: [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      ...['api', workspace].flatMap((w) => [`${w}/package.json`, `${w}/tsconfig.json`, `${w}/src`]),
      dockerfile,
    ],
    exclude: ['*.test.ts'],
    contextPrefix: '',
    dockerfile: { path: dockerfile },
    tag: spoolImageTag(name, options.version),
    buildArgs: Object.fromEntries(Object.entries(given).filter(([key]) => baseArgs.includes(key))),
  };
}
