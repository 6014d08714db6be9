// A response body read up to the function's `spec.maxResponseBytes` (issue 11 item 5): past it nothing more is kept,
// so a function answering 600 MB costs the watchdog at most the limit, not the answer.
import { platformErrorResult, type RunResult } from './runner.js';

export class BoundedBody {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly limit: number) {}

  /** Keeps the chunk; false once the body is past the limit (then every chunk so far is dropped). */
  add(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.overflowed()) {
      this.chunks.length = 0;
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  overflowed(): boolean {
    return this.bytes > this.limit;
  }

  bytesSeen(): number {
    return this.bytes;
  }

  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Whether a declared `Content-Length` already says the body is past the limit: refused before a byte is read. */
export const declaredTooLarge = (contentLength: string | undefined, limit: number): boolean =>
  contentLength !== undefined && /^\d+$/.test(contentLength) && Number(contentLength) > limit;

/** The call's answer when the function's response is past its limit: 502 RESPONSE_TOO_LARGE naming the limit. */
export const responseTooLarge = (limit: number, bytesSeen: number): RunResult =>
  platformErrorResult(
    'RESPONSE_TOO_LARGE',
    `the function's response is larger than its spec.maxResponseBytes (${limit} bytes): ${bytesSeen} bytes or more`,
  );
