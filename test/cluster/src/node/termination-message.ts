// A container's termination message, as the kubelet reads it: the file at terminationMessagePath, or with
// FallbackToLogsOnError and a failed exit, the end of the container's log when the file is empty.

/** The kubelet keeps at most 4096 bytes of the file. */
const FILE_BYTES = 4096;
/** FallbackToLogsOnError: the last 80 lines, at most 2048 bytes (the kubelet's own limits). */
const LOG_LINES = 80;
const LOG_BYTES = 2048;

export interface TerminationObservation {
  readonly policy: string | undefined;
  readonly exitCode: number;
  /** What the container wrote to its termination message file ('' when nothing, or no file could be mounted). */
  readonly fileText: string;
  /** What the container logged during this run. */
  readonly log: string;
}

const lastBytes = (text: string, bytes: number): string => {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes ? text : buffer.subarray(buffer.length - bytes).toString('utf8');
};

export function decideTerminationMessage(o: TerminationObservation): string | undefined {
  if (o.fileText !== '') return lastBytes(o.fileText, FILE_BYTES);
  if (o.policy !== 'FallbackToLogsOnError' || o.exitCode === 0) return undefined;
  const lines = o.log.replace(/\n$/, '').split('\n').slice(-LOG_LINES).join('\n');
  return lines === '' ? undefined : lastBytes(lines, LOG_BYTES);
}
