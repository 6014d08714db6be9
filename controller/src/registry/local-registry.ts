// The local registry: every Function in a folder of YAML files (recursive, multi-document). A bad file is
// logged with its path and problems and skipped; it never stops the controller.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { functionKey, functionRef, type ResolvedFunction } from '@spool/api';
import { errorMessage, type Log } from '../log.js';
import { parseFunctionsFile } from './parse-functions.js';

export interface LocalFunction {
  readonly fn: ResolvedFunction;
  /** Absolute folder of the YAML file it came from. */
  readonly dir: string;
}

/** Where the controller learns which functions exist: this folder now, Function resources in Kubernetes later. */
export interface FunctionSource {
  list(): Promise<readonly ResolvedFunction[]>;
}

const isYaml = (name: string): boolean => name.endsWith('.yaml') || name.endsWith('.yml');

async function yamlFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && isYaml(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function readFunctions(path: string, log: Log): Promise<LocalFunction[]> {
  const dir = dirname(path);
  try {
    const { functions, problems } = parseFunctionsFile(await readFile(path, 'utf8'), path, dir);
    for (const problem of problems) log.warn('function-invalid', { path, problem });
    return functions.map((fn) => ({ fn, dir }));
  } catch (error) {
    log.warn('function-unreadable', { path, error: errorMessage(error) });
    return [];
  }
}

/** Every valid Function under `root`; on a duplicate namespace/name the first file in path order wins. */
export async function loadLocalFunctions(root: string, log: Log): Promise<LocalFunction[]> {
  const found = new Map<string, LocalFunction>();
  for (const path of await yamlFiles(resolve(root))) {
    for (const entry of await readFunctions(path, log)) {
      const key = functionKey(functionRef(entry.fn));
      if (found.has(key)) log.warn('function-duplicate', { path, key, keptFrom: found.get(key)?.dir });
      else found.set(key, entry);
    }
  }
  return [...found.values()];
}

export const localRegistry = (root: string, log: Log): FunctionSource => ({
  list: async () => (await loadLocalFunctions(root, log)).map((entry) => entry.fn),
});
