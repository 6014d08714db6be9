// The local stack's processes, found by the LOCAL_SPOOL_STACK tag each inherits from the launcher (the
// controller's replicas and their user processes too), so none outlives the stack. Linux /proc.
import { readdirSync, readFileSync } from 'node:fs';

export const STACK_TAG_VAR = 'LOCAL_SPOOL_STACK';

export interface TaggedProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly tag: string;
}

function tagOf(pid: number): string | undefined {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .find((e) => e.startsWith(`${STACK_TAG_VAR}=`));
    return entry?.slice(STACK_TAG_VAR.length + 1);
  } catch {
    // Gone, or not ours to read: not part of the stack.
    return undefined;
  }
}

function ppidOf(pid: number): number {
  try {
    // `pid (comm) state ppid …`; comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Live processes whose tag starts with `prefix` (a whole stack, or one child generation), this one excluded. */
export function taggedProcesses(prefix: string): TaggedProcess[] {
  const found: TaggedProcess[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const tag = tagOf(pid);
    if (tag !== undefined && tag.startsWith(prefix)) found.push({ pid, ppid: ppidOf(pid), tag });
  }
  return found;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone, which is what we wanted.
  }
}
