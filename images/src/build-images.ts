// The two builds the CLI offers, as functions tests call too: Spool's own images, and a user's function image.

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import type { ResolvedFunction } from '@spool/api';
import { readImage, sendBuild, type ImageFacts } from './docker.js';
import { decideRuntime, planFunctionImage, type Runtime } from './function-image.js';
import { FUNCTION_FILE, parseFunctionYaml } from './function-file.js';
import { planSpoolImage, type SpoolImageName, type SpoolImageOptions } from './spool-images.js';

export interface BuiltImage extends ImageFacts {
  readonly tag: string;
}

export async function buildSpoolImage(
  docker: Docker,
  name: SpoolImageName,
  options: SpoolImageOptions,
  onLog?: (text: string) => void,
): Promise<BuiltImage> {
  const { tag } = await sendBuild(docker, planSpoolImage(name, options), onLog);
  return { tag, ...(await readImage(docker, tag)) };
}

export async function readFunctionDir(functionDir: string): Promise<ResolvedFunction> {
  const path = join(functionDir, FUNCTION_FILE);
  const text = await readFile(path, 'utf8').catch((cause: unknown) => {
    throw new Error(`reading ${path}: a function folder holds its ${FUNCTION_FILE}`, { cause });
  });
  return parseFunctionYaml(text, path);
}

export interface FunctionBuildOptions {
  readonly functionDir: string;
  /** Version of the runtime base image to build on. */
  readonly version: string;
  readonly tag?: string | undefined;
  readonly runtime?: Runtime | undefined;
}

export async function buildFunctionImage(
  docker: Docker,
  options: FunctionBuildOptions,
  onLog?: (text: string) => void,
): Promise<BuiltImage & { readonly fn: ResolvedFunction }> {
  const functionDir = resolve(options.functionDir);
  const fn = await readFunctionDir(functionDir);
  const plan = planFunctionImage({
    functionDir,
    functionName: fn.metadata.name,
    runtime: decideRuntime(fn.spec.command, options.runtime),
    version: options.version,
    tag: options.tag,
    specImage: fn.spec.image,
  });
  const { tag } = await sendBuild(docker, plan, onLog);
  return { fn, tag, ...(await readImage(docker, tag)) };
}
