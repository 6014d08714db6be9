// The images of the repository the cluster serves: a module its package.json names, checked, added to the built-in table.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../paths.js';
import { builtInImages, type ImageTable, type LocalImage } from './images.js';

/** Where the module is named: `"testCluster": { "images": "test/support/cluster-images.ts" }`. */
export const hostConfigField = 'testCluster';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((part) => typeof part === 'string');
}

function isStringMap(value: unknown): value is Readonly<Record<string, string>> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** Why `value` is not a LocalImage, or undefined when it is one. */
export function localImageProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'is not an object';
  if (!isStringList(value['entrypoint'])) return 'entrypoint is not a list of strings';
  if (value['cmd'] !== undefined && !isStringList(value['cmd'])) return 'cmd is not a list of strings';
  if (value['workingDir'] !== undefined && typeof value['workingDir'] !== 'string')
    return 'workingDir is not a string';
  if (value['env'] !== undefined && !isStringMap(value['env'])) return 'env is not a map of strings';
  return undefined;
}

/** The built-in table plus `exported`; an entry that is no LocalImage, or takes a built-in name, is refused. */
export function mergeImageTables(base: ImageTable, exported: unknown, source: string): ImageTable {
  if (!isRecord(exported)) throw new Error(`${source}: \`images\` is not an object of image name → image`);
  const merged: Record<string, LocalImage> = { ...base };
  for (const [name, value] of Object.entries(exported)) {
    const problem = localImageProblem(value);
    if (problem) throw new Error(`${source}: image ${name} ${problem}`);
    if (name in base) throw new Error(`${source}: image ${name} is built into the test cluster already`);
    merged[name] = value as LocalImage; // checked by localImageProblem above
  }
  return merged;
}

/** The module path the host's package.json names, relative to it; undefined when it names none. */
export function hostImagesModule(packageJson: unknown, root: string): string | undefined {
  const config = isRecord(packageJson) ? packageJson[hostConfigField] : undefined;
  if (config === undefined) return undefined;
  const images = isRecord(config) ? config['images'] : undefined;
  if (typeof images !== 'string')
    throw new Error(
      `package.json: ${hostConfigField}.images must name a module, e.g. "test/cluster-images.ts"`,
    );
  return isAbsolute(images) ? images : join(root, images);
}

/** Reads the host repository's package.json and imports the module it names (run under tsx, so .ts loads). */
export async function loadImageTable(root: string = repoRoot): Promise<ImageTable> {
  const file = join(root, 'package.json');
  if (!existsSync(file)) return builtInImages;
  const module = hostImagesModule(JSON.parse(readFileSync(file, 'utf8')) as unknown, root);
  if (module === undefined) return builtInImages;
  const loaded: unknown = await import(pathToFileURL(module).href);
  return mergeImageTables(builtInImages, isRecord(loaded) ? loaded['images'] : undefined, module);
}
