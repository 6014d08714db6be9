// Packs a plan's context into the tar stream the daemon's build endpoint reads: the listed files only.

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pack, type Pack } from 'tar-stream';
import { INLINE_DOCKERFILE, isExcluded, type BuildPlan } from './build-plan.js';

/** Every file the plan sends, relative to its context folder, in a stable order. */
export async function listContextFiles(plan: BuildPlan): Promise<string[]> {
  const files: string[] = [];
  const visit = async (relPath: string): Promise<void> => {
    if (relPath !== '.' && isExcluded(relPath, plan.exclude)) return;
    const path = join(plan.contextDir, relPath);
    const info = await stat(path).catch((cause: unknown) => {
      throw new Error(`reading build context file ${path}`, { cause });
    });
    if (!info.isDirectory()) {
      files.push(relPath);
      return;
    }
    const names = (await readdir(path)).sort();
    for (const name of names) await visit(relPath === '.' ? name : posix.join(relPath, name));
  };
  for (const entry of plan.include) await visit(entry);
  return files;
}

/** Streams one file into the tar; resolves once the daemon has read it, so only one file is in flight. */
async function addFile(tar: Pack, plan: BuildPlan, relPath: string): Promise<void> {
  const path = join(plan.contextDir, relPath);
  const info = await stat(path);
  // Executable bits survive (a fork-mode script); ownership does not: COPY makes files root's.
  const header = { name: posix.join(plan.contextPrefix, relPath), size: info.size, mode: info.mode & 0o777 };
  await new Promise<void>((resolve, reject) => {
    const entry = tar.entry(header, (error) => (error ? reject(error) : resolve()));
    createReadStream(path).on('error', reject).pipe(entry);
  });
}

async function fill(tar: Pack, plan: BuildPlan, files: readonly string[]): Promise<void> {
  for (const relPath of files) await addFile(tar, plan, relPath);
  if ('inline' in plan.dockerfile)
    tar.entry({ name: INLINE_DOCKERFILE, mode: 0o644 }, plan.dockerfile.inline);
  tar.finalize();
}

/** The context as an uncompressed tar, filled while the daemon reads it (a function's node_modules may be large). */
export async function packContext(plan: BuildPlan): Promise<Pack> {
  const files = await listContextFiles(plan);
  const tar = pack();
  fill(tar, plan, files).catch((cause: unknown) => {
    tar.destroy(new Error(`packing the build context of ${plan.contextDir}`, { cause }));
  });
  return tar;
}
