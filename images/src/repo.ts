// This checkout: its root folder (the build context of Spool's images) and version (their tag).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord, parseJson } from '@spool/api';

/** The same from src/ (tsx, jest) and dist/ (the built bin): both sit two levels under the root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function readRepoVersion(root = repoRoot): Promise<string> {
  const manifest = parseJson(await readFile(join(root, 'package.json'), 'utf8'));
  const version = manifest.ok && isRecord(manifest.value) ? manifest.value['version'] : undefined;
  if (typeof version !== 'string') throw new Error(`${root}package.json has no version`);
  return version;
}
