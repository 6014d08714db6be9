// `npm run bench:profile -- DIR`: the functions that took the most CPU in each V8 profile (`--cpu-prof`) in DIR,
// by self time, so a benchmark run says where each microsecond goes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const TOP = Number(process.env['SPOOL_PROFILE_TOP'] ?? 15);

/** Where a frame is, short: the package or the file under the repo, and the line. */
function place(url: string, line: number): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.startsWith('node:')) return url;
  const inRepo = /\/((?:api|gateway|watchdog|controller|node)\/dist\/.*)$/.exec(url);
  return inRepo ? `${inRepo[1]}:${line + 1}` : url || '(native)';
}

/** Who a frame's time belongs to: V8's own entries (GC, program), a package, a Node.js module, or a Spool package. */
function owner(frame: ProfileNode['callFrame']): string {
  if (frame.functionName.startsWith('(')) return frame.functionName;
  const inRepo = /\/(api|gateway|watchdog|controller|node)\/dist\//.exec(frame.url);
  return inRepo ? `spool ${inRepo[1]}` : place(frame.url, 0).replace(/:\d+$/, '');
}

/** Rows of `ms share% key`, largest first. */
function table(selfUs: ReadonlyMap<string, number>, busyUs: number, top: number): string[] {
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([key, us]) =>
        `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busyUs).toFixed(1).padStart(5)}%  ${key}`,
    );
}

function summarize(file: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile; // V8's own output, read once for a report
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    const delta = profile.timeDeltas[i] ?? 0;
    totalUs += delta;
    if (frame.functionName === '(idle)') return;
    const key = `${frame.functionName || '(anonymous)'} ${place(frame.url, frame.lineNumber)}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    byOwner.set(owner(frame), (byOwner.get(owner(frame)) ?? 0) + delta);
  });
  const busyUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  return [
    `${file}: busy ${(busyUs / 1000).toFixed(0)} ms of ${(totalUs / 1000).toFixed(0)} ms`,
    ...table(selfUs, busyUs, TOP),
    '  by owner:',
    ...table(byOwner, busyUs, TOP),
  ].join('\n');
}

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: npm run bench:profile -- DIR');
for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')))
  console.log(summarize(join(dir, name)));
