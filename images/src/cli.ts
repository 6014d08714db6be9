#!/usr/bin/env node
// The `spool` command: builds a user's function image, or Spool's own images with their sizes.

import { buildFunctionImage, buildSpoolImage } from './build-images.js';
import { parseCliArgs, usage, UsageError, type CliCommand } from './cli-args.js';
import { dockerFromEnv } from './docker.js';
import { formatImageTable, formatMegabytes, type ImageRow } from './report.js';
import { readRepoVersion, repoRoot } from './repo.js';
import { withDependencies } from './spool-images.js';

const progress = (text: string): void => void process.stderr.write(text);

async function run(command: CliCommand): Promise<void> {
  if (command.command === 'help') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const docker = dockerFromEnv(process.env);
  const version = await readRepoVersion();
  if (command.command === 'build') {
    const started = Date.now();
    const image = await buildFunctionImage(docker, { ...command, version }, progress);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`${image.tag}  ${formatMegabytes(image.sizeBytes)}  ${seconds} s\n`);
    return;
  }
  const rows: ImageRow[] = [];
  // One at a time and in order: the runtimes start FROM the spool/watchdog built just before them.
  for (const name of withDependencies(command.only)) {
    const started = Date.now();
    const image = await buildSpoolImage(
      docker,
      name,
      { repoRoot, version, buildArgs: command.buildArgs },
      progress,
    );
    rows.push({ tag: image.tag, sizeBytes: image.sizeBytes, buildMs: Date.now() - started });
  }
  process.stdout.write(`${formatImageTable(rows)}\n`);
}

// Parsed inside the chain, so a usage error is reported like any other.
Promise.resolve()
  .then(() => run(parseCliArgs(process.argv.slice(2))))
  .catch((error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`spool: ${error.message}\n${usage}\n`);
    else process.stderr.write(`spool: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
