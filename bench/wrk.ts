// Runs wrk (a C load generator, so the generator's own cost stays small) and parses its report.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

const toMs = (value: string, unit: string): number =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit]!;

function percentile(report: string, p: string): number {
  const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(report);
  if (!m) throw new Error(`no ${p}% line in wrk report:\n${report}`);
  return toMs(m[1]!, m[2]!);
}

/** The 17-byte JSON body a typical call POSTs. */
export const SMALL_BODY = Buffer.from('{"hello":"world"}');

export interface WrkLoad {
  /** POSTed with every request. @defaultValue SMALL_BODY */
  readonly body?: Buffer;
  /** Paths taken in turn, one per request (several functions behind one gateway); else the URL's own path. */
  readonly paths?: readonly string[];
}

/** A wrk script that POSTs `body` (read from a file, so megabytes work too), to each of `paths` in turn if given. */
function postScript(body: Buffer, paths: readonly string[] | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'spool-bench-'));
  writeFileSync(join(dir, 'body'), body);
  const file = join(dir, 'post.lua');
  const rotate =
    paths === undefined
      ? ''
      : `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }\nlocal turn = 0\n` +
        'request = function()\n  turn = turn % #paths + 1\n  return wrk.format(nil, paths[turn])\nend\n';
  writeFileSync(
    file,
    `local f = io.open("${join(dir, 'body')}", "rb")\nwrk.body = f:read("*all")\nf:close()\n` +
      'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n' +
      rotate,
  );
  return file;
}

export function runWrk(
  url: string,
  connections: number,
  seconds: number,
  { body = SMALL_BODY, paths }: WrkLoad = {},
): LoadResult {
  const threads = Math.min(2, connections);
  const args = [
    '-t',
    String(threads),
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--latency',
    '-s',
    postScript(body, paths),
    url,
  ];
  const report = execFileSync('wrk', args, {
    encoding: 'utf8',
  });
  const requests = Number(/(\d+) requests in/.exec(report)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(report)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return {
    requests,
    perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(report)?.[1]),
    p50Ms: percentile(report, '50'),
    p99Ms: percentile(report, '99'),
    errors,
  };
}
