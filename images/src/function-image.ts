// A user's function image: the function's folder copied to /function on top of a Spool runtime base image.

import type { BuildPlan } from './build-plan.js';
import { spoolImageTag } from './spool-images.js';

export const runtimes = ['node', 'python'] as const;
export type Runtime = (typeof runtimes)[number];

export const isRuntime = (value: string): value is Runtime => (runtimes as readonly string[]).includes(value);

/** The runtime a function needs: the one asked for, else the one its command starts (`python3 main.py`). */
export function decideRuntime(command: readonly string[], asked: Runtime | undefined): Runtime {
  if (asked !== undefined) return asked;
  const program = (command[0] ?? '').split('/').pop() ?? '';
  return /^python[0-9.]*$/.test(program) ? 'python' : 'node';
}

/** The whole Dockerfile: the runtime's entrypoint (the watchdog), user and WORKDIR carry over. */
export const functionDockerfile = (baseImage: string): string =>
  [
    `FROM ${baseImage}`,
    // Root-owned and not writable by the function's user (65532): the code cannot change itself.
    'COPY function/ /function/',
    '',
  ].join('\n');

export interface FunctionImageOptions {
  /** Absolute path of the function's folder (the one holding function.yaml). */
  readonly functionDir: string;
  readonly functionName: string;
  readonly runtime: Runtime;
  /** Version of the runtime base image (the root package.json version). */
  readonly version: string;
  /** `--tag`; wins over `specImage`. */
  readonly tag?: string | undefined;
  /** `spec.image` of function.yaml: where the Function expects its image. */
  readonly specImage?: string | undefined;
}

export function planFunctionImage(options: FunctionImageOptions): BuildPlan {
  const base = spoolImageTag(
    options.runtime === 'python' ? 'runtime-python' : 'runtime-node',
    options.version,
  );
  return {
    contextDir: options.functionDir,
    include: ['.'],
    exclude: ['.git'],
    // Under function/, so the written Dockerfile never lands in /function.
    contextPrefix: 'function',
    dockerfile: { inline: functionDockerfile(base) },
    tag: options.tag ?? options.specImage ?? `spool/function-${options.functionName}:latest`,
    buildArgs: {},
  };
}
