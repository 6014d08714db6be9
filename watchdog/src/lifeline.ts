// The watchdog dies with its parent: the process runtime holds the far end of descriptor `fd`, which the kernel
// closes when the runtime dies (even by SIGKILL); the read end then sees EOF.
import { Socket } from 'node:net';

/** Calls `onClosed` once when the parent's end of `fd` closes. */
export function watchLifeline(fd: number, onClosed: () => void): void {
  let fired = false;
  const fire = (): void => {
    if (fired) return;
    fired = true;
    onClosed();
  };
  const lifeline = new Socket({ fd, readable: true, writable: false });
  lifeline.on('end', fire).on('close', fire).on('error', fire).resume();
  // The watchdog's own servers and Redis keep it alive; the lifeline alone must not.
  lifeline.unref();
}
