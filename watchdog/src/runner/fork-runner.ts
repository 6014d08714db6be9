// fork mode: one process per call; the body goes to stdin and stdout becomes the response body.
import type { ChildProcess } from 'node:child_process';
import type { InvocationJob } from '@spool/api';
import {
  killProcessGroup,
  spawnGroup,
  userCommand,
  userEnv,
  appendTail,
  describeExit,
  type ExitStatus,
} from '../process-group.js';
import { BoundedBody, responseTooLarge } from './bounded-body.js';
import { callSignal, whenAborted } from './call-signal.js';
import { forkVars } from './http-request.js';
import {
  platformErrorResult,
  timeoutMessage,
  type Runner,
  type RunnerOptions,
  type RunResult,
} from './runner.js';

/** CALL_FAILED messages carry at most this much of stderr, its end being where errors usually are. */
export const STDERR_TAIL_BYTES = 1024;

export function createForkRunner(options: RunnerOptions): Runner {
  return new ForkRunner(options);
}

/** The message of a fork-mode call that exited non-zero: how it ended, then its stderr tail. */
export function callFailedMessage(exit: ExitStatus, stderrTail: string): string {
  const tail = stderrTail.trim();
  return tail === '' ? `process ${describeExit(exit)}` : `process ${describeExit(exit)}: ${tail}`;
}

interface Output {
  readonly stdout: BoundedBody;
  stderrTail(): string;
  /** Resolves after the process exited and its stdout and stderr closed. */
  readonly closed: Promise<ExitStatus>;
}

/** `overflow` is called for every chunk once stdout is past `limit`; nothing past it is kept. */
function captureOutput(child: ChildProcess, limit: number, overflow: () => void): Output {
  const stdout = new BoundedBody(limit);
  let stderr: Buffer = Buffer.alloc(0);
  child.stdout?.on('data', (chunk: Buffer) => {
    if (!stdout.add(chunk)) overflow();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = appendTail(stderr, chunk, STDERR_TAIL_BYTES);
  });
  const closed = new Promise<ExitStatus>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
    child.once('error', (error) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, error: error.message });
    });
  });
  return { stdout, stderrTail: () => stderr.toString('utf8'), closed };
}

function writeBody(child: ChildProcess, body: Buffer): void {
  // A process may exit without reading stdin (EPIPE); its exit status, not the write, decides the result.
  child.stdin?.once('error', () => undefined);
  child.stdin?.end(body);
}

class ForkRunner implements Runner {
  private readonly running = new Set<ChildProcess>();
  private stopped = false;

  constructor(private readonly options: RunnerOptions) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Every call has its own process: a timeout never replaces a shared one. */
  isReplacing(): boolean {
    return false;
  }

  isReady(): boolean {
    return !this.stopped;
  }

  /** A failed call is that call's CALL_FAILED; no process outlives its call, so none loops. */
  crashLoop(): string | undefined {
    return undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const { config, clock } = this.options;
    await Promise.all([...this.running].map((child) => killProcessGroup(child, config.killGraceMs, clock)));
  }

  async run(job: InvocationJob, body: Buffer, signal: AbortSignal): Promise<RunResult> {
    if (this.stopped) return platformErrorResult('FUNCTION_UNAVAILABLE', 'the watchdog is shutting down');
    const { config, baseEnv } = this.options;
    const child = spawnGroup(userCommand(config.spec), {
      cwd: config.spec.workingDir,
      env: userEnv(baseEnv, config.spec.env, forkVars(job)),
      stdio: ['pipe', 'pipe', 'pipe'],
      guarded: config.lifelineFd !== undefined,
    });
    this.running.add(child);
    try {
      return await this.collect(child, body, signal);
    } finally {
      this.running.delete(child);
    }
  }

  private async collect(child: ChildProcess, body: Buffer, signal: AbortSignal): Promise<RunResult> {
    const { config, clock } = this.options;
    const limit = config.spec.maxResponseBytes;
    const tooLarge = new AbortController();
    const output = captureOutput(child, limit, () => tooLarge.abort());
    writeBody(child, body);
    const call = callSignal(clock, config.spec.timeoutSeconds * 1000, signal);
    try {
      const stop = Promise.race([whenAborted(call.signal), whenAborted(tooLarge.signal)]);
      const exit = await Promise.race([output.closed, stop.then(() => undefined)]);
      if (tooLarge.signal.aborted) {
        await killProcessGroup(child, config.killGraceMs, clock);
        return responseTooLarge(limit, output.stdout.bytesSeen());
      }
      if (exit === undefined) {
        await killProcessGroup(child, config.killGraceMs, clock);
        if (call.timedOut()) this.options.events.timedOut();
        return call.timedOut()
          ? platformErrorResult('CALL_TIMEOUT', timeoutMessage(config.spec.timeoutSeconds))
          : platformErrorResult('FUNCTION_UNAVAILABLE', 'call cancelled');
      }
      if (exit.code !== 0)
        return platformErrorResult('CALL_FAILED', callFailedMessage(exit, output.stderrTail()));
      return {
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: output.stdout.concat(),
      };
    } finally {
      call.dispose();
    }
  }
}
