// Signals to a whole process group: user code and replicas run as group leaders (spawned `detached`), so one
// kill(-pid) reaches every process they started.

/** `sent`: delivered. `gone`: no process is left in the group (ESRCH). `denied`: a member we may not signal (EPERM), so alive. */
export type SignalOutcome = 'sent' | 'gone' | 'denied';

/** Sends `signal` to every process of the group `pid` leads; signal 0 only asks whether any is alive. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): SignalOutcome {
  try {
    process.kill(-pid, signal);
    return 'sent';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return 'gone';
    if (code === 'EPERM') return 'denied';
    throw new Error(`signalling process group ${pid} with ${signal}`, { cause: error });
  }
}

/** True while any process of the group `pid` leads is alive. */
export const isGroupAlive = (pid: number): boolean => signalGroup(pid, 0) !== 'gone';
