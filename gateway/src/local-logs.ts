// Local mode's /system/logs: the process runtime appends each replica's output (watchdog and user process) to
// `<stateDir>/logs/<namespace>.<name>-<index>.log`. History is the end of each file; follow polls their sizes.
// The files carry no timestamp per line: a structured line's own `time` is used, else the file's last write
// (history) or the moment the line was read (follow).
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MAX_LOG_TAIL,
  isSince,
  structuredLineTime,
  type FunctionRef,
  type LogMessage,
  type LogRequest,
} from '@spool/api';
import { lineSplitter, pause, type LogReader } from './logs.js';

/** How much of the end of one file the history reads: enough for MAX_LOG_TAIL lines of ~400 bytes. */
const HISTORY_BYTES = 4 * 1024 * 1024;
const FOLLOW_POLL_MS = 250;

interface ReplicaFile {
  readonly path: string;
  readonly instance: string;
}

const isMissing = (error: unknown): boolean => (error as { code?: string }).code === 'ENOENT';

async function replicaFiles(dir: string, ref: FunctionRef): Promise<ReplicaFile[]> {
  const prefix = `${ref.namespace}.${ref.name}-`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw new Error(`listing ${dir}`, { cause: error });
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+\.log$/.test(n.slice(prefix.length)))
    .sort()
    .map((n) => ({ path: join(dir, n), instance: `${ref.name}-${n.slice(prefix.length, -'.log'.length)}` }));
}

/** Bytes [from, to) of a file. */
async function readRange(path: string, from: number, to: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}

type MessageOf = (instance: string, text: string, fallbackTime: string) => LogMessage;

const messageBuilder =
  (ref: FunctionRef): MessageOf =>
  (instance, text, fallbackTime) => ({
    name: ref.name,
    namespace: ref.namespace,
    instance,
    timestamp: structuredLineTime(text) ?? fallbackTime,
    text,
  });

/** The end of one file, filtered and tailed; returns where its last complete line ends. */
async function emitHistory(
  file: ReplicaFile,
  request: LogRequest,
  message: MessageOf,
  emit: (m: LogMessage) => void,
): Promise<number> {
  const { size, mtime } = await stat(file.path);
  const text = await readRange(file.path, Math.max(0, size - HISTORY_BYTES), size);
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const kept = complete
    .split('\n')
    .slice(0, -1)
    .map((line) => message(file.instance, line, mtime.toISOString()))
    .filter((m) => isSince(m.timestamp, request.sinceMs));
  for (const m of kept.slice(Math.max(0, kept.length - (request.tail ?? MAX_LOG_TAIL)))) emit(m);
  return size - Buffer.byteLength(text.slice(complete.length));
}

/** The complete lines appended to one file since `from`; returns where they end. */
async function emitAppended(
  file: ReplicaFile,
  from: number,
  message: MessageOf,
  emit: (m: LogMessage) => void,
): Promise<number> {
  const size = await stat(file.path).then(
    (s) => s.size,
    () => 0,
  );
  const start = size < from ? 0 : from; // truncated: read it again from the start
  if (size === start) return start;
  const text = await readRange(file.path, start, size);
  const end = text.lastIndexOf('\n') + 1;
  const now = new Date().toISOString();
  lineSplitter((line) => emit(message(file.instance, line, now))).push(text.slice(0, end));
  return start + Buffer.byteLength(text.slice(0, end));
}

export function localLogReader(stateDir: string, pollMs = FOLLOW_POLL_MS): LogReader {
  const dir = join(stateDir, 'logs');
  return {
    async stream(request, sink, signal) {
      const emit = (m: LogMessage): void => sink.emit(m);
      const message = messageBuilder(request.ref);
      const files = async (): Promise<ReplicaFile[]> =>
        (await replicaFiles(dir, request.ref)).filter(
          (f) => request.instance === undefined || f.instance === request.instance,
        );
      /** Where each file was read up to: the end of its last complete line. */
      const offsets = new Map<string, number>();
      for (const file of await files())
        offsets.set(file.path, await emitHistory(file, request, message, emit));
      sink.ready();
      while (request.follow && !signal.aborted) {
        await pause(pollMs, signal);
        if (signal.aborted) break;
        for (const file of await files())
          offsets.set(file.path, await emitAppended(file, offsets.get(file.path) ?? 0, message, emit));
      }
    },
  };
}
