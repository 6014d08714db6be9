// Where POST/PUT/DELETE /system/functions write (issue 13 item 4). Local mode: one file per Function under the
// state dir, which the controller reads beside the functions folder, so a deployed Function is served within the
// folder watch's debounce and again after any restart. Kubernetes mode: kube-function-writer.ts.
import { access, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEPLOYED_FUNCTIONS_FOLDER,
  DEPLOYED_BY_ANNOTATION,
  SYSTEM_API_DEPLOYER,
  SpoolError,
  deployedFunctionFileName,
  functionKey,
  type FunctionRef,
  type FunctionResource,
} from '@spool/api';
import type { FunctionRegistry } from './registry.js';

/** Each method throws FUNCTION_NOT_FOUND or FUNCTION_CONFLICT as OpenFaaS's status codes ask (404, 409). */
export interface FunctionWriter {
  /** A new Function; FUNCTION_CONFLICT when one of that name exists. */
  create(ref: FunctionRef, fn: FunctionResource): Promise<void>;
  /** Replaces an existing Function's spec; FUNCTION_NOT_FOUND when there is none. */
  update(ref: FunctionRef, fn: FunctionResource): Promise<void>;
  remove(ref: FunctionRef): Promise<void>;
}

export const deployedFunctionsDir = (stateDir: string): string => join(stateDir, DEPLOYED_FUNCTIONS_FOLDER);

export const isDeployedThroughApi = (fn: Pick<FunctionResource, 'metadata'>): boolean =>
  fn.metadata.annotations?.[DEPLOYED_BY_ANNOTATION] === SYSTEM_API_DEPLOYER;

const isMissing = (error: unknown): boolean => (error as { code?: string }).code === 'ENOENT';

const notFound = (ref: FunctionRef): SpoolError =>
  new SpoolError('FUNCTION_NOT_FOUND', `function ${functionKey(ref)} is not deployed`);

const definedByFolder = (ref: FunctionRef): SpoolError =>
  new SpoolError(
    'FUNCTION_CONFLICT',
    `function ${functionKey(ref)} is defined in the functions folder; change or remove its file there`,
  );

/**
 * Local mode. A function the registry serves without this writer's file is the folder's, and stays the user's:
 * the gateway never edits a user's files. An invalid folder Function is not served, so a POST of its name makes a
 * second definition, which the controller reports as a duplicate (the folder's is kept).
 */
export function localFunctionWriter(stateDir: string, registry: FunctionRegistry): FunctionWriter {
  const dir = deployedFunctionsDir(stateDir);
  const pathOf = (ref: FunctionRef): string => join(dir, deployedFunctionFileName(ref));
  const served = (ref: FunctionRef): boolean => registry.get(ref) !== undefined;
  const exists = async (ref: FunctionRef): Promise<boolean> => {
    try {
      await access(pathOf(ref));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw new Error(`reading ${pathOf(ref)}`, { cause: error });
    }
  };
  // Written whole then renamed: the controller's scan never reads half a file. JSON is YAML, which it reads.
  const write = async (ref: FunctionRef, fn: FunctionResource): Promise<void> => {
    await mkdir(dir, { recursive: true });
    const temporary = join(dir, `.${deployedFunctionFileName(ref)}.tmp`);
    await writeFile(temporary, `${JSON.stringify(fn, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, pathOf(ref));
  };
  /** The file of a Function this writer owns, or the reason there is none. */
  const ownFile = async (ref: FunctionRef): Promise<string> => {
    if (await exists(ref)) return pathOf(ref);
    throw served(ref) ? definedByFolder(ref) : notFound(ref);
  };
  return {
    async create(ref, fn) {
      if (await exists(ref))
        throw new SpoolError('FUNCTION_CONFLICT', `function ${functionKey(ref)} exists; PUT updates it`);
      if (served(ref)) throw definedByFolder(ref);
      await write(ref, fn);
    },
    async update(ref, fn) {
      await ownFile(ref);
      await write(ref, fn);
    },
    async remove(ref) {
      try {
        await unlink(await ownFile(ref));
      } catch (error) {
        // Removed by another request since: what was asked is done, but this request did not do it.
        if (isMissing(error)) throw notFound(ref);
        throw error;
      }
    },
  };
}

const notConfigured = (): Promise<never> =>
  Promise.reject(
    new SpoolError('INTERNAL', 'this gateway was started without a Function writer (GatewayDeps.functions)'),
  );

/** Kubernetes mode without `GatewayDeps.functions`: every write is refused. */
export const missingFunctionWriter: FunctionWriter = {
  create: notConfigured,
  update: notConfigured,
  remove: notConfigured,
};
