// The `spool` command line, parsed without I/O: `spool build <dir> [--tag T] [--runtime node|python]` and
// `spool images [--only a,b]`, both with repeatable `--build-arg KEY=VALUE`.

import { isRuntime, type Runtime } from './function-image.js';
import { isSpoolImageName, spoolImageNames, type SpoolImageName } from './spool-images.js';

export type CliCommand =
  | {
      readonly command: 'build';
      readonly functionDir: string;
      readonly tag: string | undefined;
      readonly runtime: Runtime | undefined;
    }
  | {
      readonly command: 'images';
      readonly only: readonly SpoolImageName[];
      readonly buildArgs: Readonly<Record<string, string>>;
    }
  | { readonly command: 'help' };

export const usage = `usage:
  spool build <function-dir> [--tag NAME:TAG] [--runtime node|python]
      builds a function image FROM spool/runtime-<runtime> with the folder's files in /function
  spool images [--only ${spoolImageNames.join(',')}] [--build-arg KEY=VALUE]...
      builds Spool's own images and prints their sizes
the Docker endpoint is DOCKER_HOST (unix:///path/to.sock), else /var/run/docker.sock`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Flags {
  readonly positional: string[];
  readonly values: Map<string, string[]>;
}

const valueFlags = new Set(['--tag', '--runtime', '--only', '--build-arg']);

function readFlags(args: readonly string[]): Flags {
  const flags: Flags = { positional: [], values: new Map() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      flags.positional.push(arg);
      continue;
    }
    const [name = '', inline] = arg.split(/=(.*)/s, 2);
    if (!valueFlags.has(name)) throw new UsageError(`unknown option ${name}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flags.values.set(name, [...(flags.values.get(name) ?? []), value]);
  }
  return flags;
}

function single(flags: Flags, name: string): string | undefined {
  const values = flags.values.get(name) ?? [];
  if (values.length > 1) throw new UsageError(`${name} given more than once`);
  return values[0];
}

function parseBuildArgs(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((pair) => {
      const [key = '', value] = pair.split(/=(.*)/s, 2);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || value === undefined)
        throw new UsageError(`--build-arg must be KEY=VALUE, was: "${pair}"`);
      return [key, value];
    }),
  );
}

function parseOnly(value: string | undefined): SpoolImageName[] {
  if (value === undefined) return [...spoolImageNames];
  return value.split(',').map((name) => {
    if (!isSpoolImageName(name))
      throw new UsageError(`--only takes ${spoolImageNames.join(', ')}; unknown: "${name}"`);
    return name;
  });
}

function parseBuild(flags: Flags): CliCommand {
  const [functionDir, ...extra] = flags.positional;
  if (functionDir === undefined || extra.length > 0)
    throw new UsageError('spool build takes one function folder');
  if (flags.values.has('--only') || flags.values.has('--build-arg'))
    throw new UsageError('--only and --build-arg belong to spool images');
  const runtime = single(flags, '--runtime');
  if (runtime !== undefined && !isRuntime(runtime))
    throw new UsageError(`--runtime must be node or python, was: "${runtime}"`);
  return { command: 'build', functionDir, tag: single(flags, '--tag'), runtime };
}

function parseImages(flags: Flags): CliCommand {
  if (flags.positional.length > 0) throw new UsageError('spool images takes no folder');
  if (flags.values.has('--tag') || flags.values.has('--runtime'))
    throw new UsageError('--tag and --runtime belong to spool build');
  return {
    command: 'images',
    only: parseOnly(single(flags, '--only')),
    buildArgs: parseBuildArgs(flags.values.get('--build-arg') ?? []),
  };
}

/** `args` is process.argv without node and the script. */
export function parseCliArgs(args: readonly string[]): CliCommand {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help') return { command: 'help' };
  if (command === 'build') return parseBuild(readFlags(rest));
  if (command === 'images') return parseImages(readFlags(rest));
  throw new UsageError(`unknown command "${command}"`);
}
