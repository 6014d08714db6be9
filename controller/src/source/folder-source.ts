// Local mode's source: a folder of Function YAML files (recursive, several documents per file), followed live.
// fs.watch (debounced) notices an add, edit or delete within a fraction of a second; a rescan every few seconds
// is the safety net for what a watch can miss (editors that swap files, folders mounted from elsewhere). Each scan
// reads the whole tree and emits the keys whose document changed, so a burst of writes costs one scan.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { FunctionResource } from '@spool/api';
import type { Clock, Timer } from '../clock.js';
import { errorMessage, type Log } from '../log.js';
import {
  mergeFiles,
  parseFunctionsFile,
  type FolderFunctions,
  type ParsedFile,
} from '../registry/parse-functions.js';
import type { DesiredFunction, FunctionSource } from './source.js';

export interface FolderSourceOptions {
  readonly root: string;
  /**
   * Functions deployed through the gateway's /system/functions (`<stateDir>/deployed-functions`), read after
   * `root`: on a duplicate name the folder's definition is kept. Created when missing.
   */
  readonly deployedRoot?: string;
  readonly clock: Clock;
  readonly log: Log;
  /** Quiet time after a file event before the folder is scanned; a save is often several events. */
  readonly debounceMs?: number;
  /** Full rescan period, whatever the watch reports. */
  readonly rescanMs?: number;
}

interface Known {
  readonly json: string;
  readonly generation: number;
  readonly desired: DesiredFunction;
}

const isYaml = (name: string): boolean => name.endsWith('.yaml') || name.endsWith('.yml');
const isMissing = (error: unknown): boolean => (error as { code?: string }).code === 'ENOENT';

async function yamlFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && isYaml(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function readParsed(path: string): Promise<ParsedFile> {
  try {
    return parseFunctionsFile(await readFile(path, 'utf8'), path, dirname(path));
  } catch (error) {
    // Deleted between listing and reading: it is simply gone.
    if (isMissing(error)) return { documents: [], problems: [] };
    return { documents: [], problems: [`${path}: ${errorMessage(error)}`] };
  }
}

/** The deployed folder may be removed while Spool runs (a user clearing the state dir): then it holds nothing. */
async function deployedFiles(root: string | undefined): Promise<string[]> {
  if (root === undefined) return [];
  try {
    return await yamlFiles(resolve(root));
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/**
 * Every Function document under `root`, then under `deployedRoot`, and every problem (broken YAML, no name,
 * duplicates), in path order.
 */
export async function scanFolder(root: string, deployedRoot?: string): Promise<FolderFunctions> {
  const files = [...(await yamlFiles(resolve(root))), ...(await deployedFiles(deployedRoot))];
  return mergeFiles(await Promise.all(files.map(readParsed)));
}

/**
 * The folder has no generation counter of its own, so the source keeps one per function: 1 when first seen,
 * +1 whenever its document changes, as the API server counts spec changes. `observedGeneration` then means the same.
 */
const withGeneration = (object: FunctionResource, generation: number): FunctionResource => ({
  ...object,
  metadata: { ...object.metadata, generation },
});

export function createFolderSource(o: FolderSourceOptions): FunctionSource {
  const { clock, log } = o;
  const debounceMs = o.debounceMs ?? 150;
  const rescanMs = o.rescanMs ?? 2_000;
  let known = new Map<string, Known>();
  let reported = new Set<string>();
  let onChange: (key: string) => void = () => undefined;
  let watchers: FSWatcher[] = [];
  let interval: Timer | undefined;
  let debounce: Timer | undefined;
  let scanning: Promise<void> | undefined;
  let again = false;
  let closed = false;

  /** Each problem is logged once, when it appears; one that is fixed and comes back is logged again. */
  const report = (problems: readonly string[]): void => {
    for (const problem of problems)
      if (!reported.has(problem)) log.warn('function-file-invalid', { problem });
    reported = new Set(problems);
  };

  const apply = (found: FolderFunctions): string[] => {
    const next = new Map<string, Known>();
    for (const [key, doc] of found.byKey) {
      const json = JSON.stringify(doc.object);
      const before = known.get(key);
      const generation =
        before === undefined ? 1 : before.json === json ? before.generation : before.generation + 1;
      next.set(
        key,
        before?.json === json
          ? before
          : {
              json,
              generation,
              desired: { object: withGeneration(doc.object, generation), origin: doc.origin },
            },
      );
    }
    const changed = [...next.keys(), ...known.keys()].filter((key) => next.get(key) !== known.get(key));
    known = next;
    report(found.problems);
    return [...new Set(changed)];
  };

  const scanOnce = async (): Promise<void> => {
    try {
      for (const key of apply(await scanFolder(o.root, o.deployedRoot))) onChange(key);
    } catch (error) {
      // The folder itself is unreadable (moved, permissions): keep serving what was last read.
      log.error('functions-folder-unreadable', { root: o.root, error: errorMessage(error) });
    }
  };

  /** One scan at a time; events during a scan make one more scan after it, never a queue of them. */
  const scan = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (scanning) {
      again = true;
      return scanning;
    }
    scanning = scanOnce().finally(() => {
      scanning = undefined;
      if (again && !closed) {
        again = false;
        void scan();
      }
    });
    return scanning;
  };

  const scheduleScan = (): void => {
    debounce?.cancel();
    debounce = clock.setTimer(debounceMs, () => void scan());
  };

  const startWatch = (root: string): void => {
    try {
      const watcher = watch(resolve(root), { recursive: true }, scheduleScan);
      watchers.push(watcher);
      watcher.on('error', (error) => {
        // The periodic rescan carries on without the watch.
        log.error('functions-watch-failed', { root, error: error.message });
        watcher.close();
        watchers = watchers.filter((w) => w !== watcher);
      });
    } catch (error) {
      log.error('functions-watch-failed', { root, error: errorMessage(error) });
    }
  };

  return {
    async start(listener) {
      // The first read must succeed: a controller pointed at a folder that does not exist is misconfigured.
      if (o.deployedRoot !== undefined) await mkdir(o.deployedRoot, { recursive: true });
      apply(await scanFolder(o.root, o.deployedRoot));
      onChange = listener;
      startWatch(o.root);
      if (o.deployedRoot !== undefined) startWatch(o.deployedRoot);
      interval = clock.setInterval(rescanMs, () => void scan());
    },
    get: (key) => known.get(key)?.desired,
    keys: () => [...known.keys()],
    async close() {
      closed = true;
      for (const watcher of watchers) watcher.close();
      interval?.cancel();
      debounce?.cancel();
      await scanning;
    },
  };
}
