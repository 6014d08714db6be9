// Spool's own images: which Dockerfile, which workspace's files, which tags and build arguments.

import type { BuildPlan } from './build-plan.js';

export const spoolImageNames = [
  'gateway',
  'controller',
  'watchdog',
  'runtime-node',
  'runtime-python',
] as const;
export type SpoolImageName = (typeof spoolImageNames)[number];

/** A service compiles one workspace (besides api/ and node/, which every service uses) with images/service/Dockerfile. */
interface ServiceImage {
  readonly kind: 'service';
  readonly workspace: 'gateway' | 'controller' | 'watchdog';
}

/** A runtime puts the built spool/watchdog on a language's base image. */
interface RuntimeImage {
  readonly kind: 'runtime';
  /** The base-image ARG its Dockerfile declares besides WATCHDOG_IMAGE. */
  readonly baseArg: 'NODE_IMAGE' | 'PYTHON_IMAGE';
}

const spoolImages: Readonly<Record<SpoolImageName, ServiceImage | RuntimeImage>> = {
  gateway: { kind: 'service', workspace: 'gateway' },
  controller: { kind: 'service', workspace: 'controller' },
  watchdog: { kind: 'service', workspace: 'watchdog' },
  'runtime-node': { kind: 'runtime', baseArg: 'NODE_IMAGE' },
  'runtime-python': { kind: 'runtime', baseArg: 'PYTHON_IMAGE' },
};

const SERVICE_DOCKERFILE = 'images/service/Dockerfile';
const SERVICE_BASE_ARGS = ['NODE_IMAGE', 'BASE_IMAGE'];

export const isSpoolImageName = (name: string): name is SpoolImageName =>
  (spoolImageNames as readonly string[]).includes(name);

/** `spool/runtime-node:0.1.0`: Spool's images are tagged with the root package.json version. */
export const spoolImageTag = (name: SpoolImageName, version: string): string => `spool/${name}:${version}`;

/** The images to build for a request, in build order: a runtime needs spool/watchdog built first. */
export function withDependencies(names: readonly SpoolImageName[]): SpoolImageName[] {
  const needsWatchdog = names.some((name) => spoolImages[name].kind === 'runtime');
  const wanted = new Set<SpoolImageName>(needsWatchdog ? [...names, 'watchdog'] : names);
  return spoolImageNames.filter((name) => wanted.has(name));
}

export interface SpoolImageOptions {
  /** The repository's root folder: the build context. */
  readonly repoRoot: string;
  /** The root package.json version. */
  readonly version: string;
  /** Base-image substitutions (`NODE_IMAGE=…`); each image receives only the ones it declares. */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

const pick = (given: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(given).filter(([key]) => keys.includes(key)));

export function planSpoolImage(name: SpoolImageName, options: SpoolImageOptions): BuildPlan {
  const image = spoolImages[name];
  const given = options.buildArgs ?? {};
  const common = {
    contextDir: options.repoRoot,
    contextPrefix: '',
    tag: spoolImageTag(name, options.version),
  };
  if (image.kind === 'runtime') {
    const dockerfile = `images/${name}/Dockerfile`;
    return {
      ...common,
      include: [dockerfile],
      exclude: [],
      dockerfile: { path: dockerfile },
      buildArgs: {
        ...pick(given, [image.baseArg]),
        WATCHDOG_IMAGE: spoolImageTag('watchdog', options.version),
      },
    };
  }
  return {
    ...common,
    // The Dockerfile copies exactly these; everything else in the checkout (node_modules, dist, .git) stays home.
    include: [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'scripts/bundle.ts',
      ...['api', 'node', image.workspace].flatMap((w) => [
        `${w}/package.json`,
        `${w}/tsconfig.json`,
        `${w}/src`,
      ]),
      SERVICE_DOCKERFILE,
    ],
    exclude: ['*.test.ts'],
    dockerfile: { path: SERVICE_DOCKERFILE },
    buildArgs: { ...pick(given, SERVICE_BASE_ARGS), SERVICE: image.workspace },
  };
}
