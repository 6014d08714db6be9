// Stand-ins for the registry base images Spool's Dockerfiles name, made on this machine (nothing can be pulled):
//   NODE_IMAGE   Debian bookworm minbase (debootstrap) + this machine's Node 20 and npm     ~ node:20-bookworm-slim
//   BASE_IMAGE   only Node's shared libraries, no shell                                     ~ distroless/cc-debian12
//   PYTHON_IMAGE the minbase + Debian's python3-minimal                                     ~ python:3.11-slim-bookworm
// The debootstrap tarball is cached in ~/.cache/spool/images (SPOOL_IMAGE_CACHE), the images in podman's storage,
// each labelled with what it was made from so a changed Node is noticed.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
} from 'node:fs';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { sendBuild, type BuildPlan } from '@spool/images';

export const baseImageNames = {
  minbase: 'localhost/spool-base/debian:bookworm-minbase',
  node: 'localhost/spool-base/node:20-bookworm-slim',
  cc: 'localhost/spool-base/cc:debian12',
  python: 'localhost/spool-base/python:3.11-slim-bookworm',
} as const;

const KEY_LABEL = 'dev.spool.base-key';
const cacheDir = (): string =>
  process.env['SPOOL_IMAGE_CACHE'] ?? join(homedir(), '.cache', 'spool', 'images');

async function hasImage(docker: Docker, name: string, key: string): Promise<boolean> {
  try {
    const info = await docker.getImage(name).inspect();
    return info.Config.Labels?.[KEY_LABEL] === key;
  } catch {
    return false; // not there (404): make it
  }
}

/** The Debian mirror apt uses on this machine (deb822 sources), else the public default. */
export function debianMirror(): string {
  const dir = '/etc/apt/sources.list.d';
  const texts = existsSync(dir) ? readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8')) : [];
  for (const stanza of texts.join('\n\n').split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    if (uri !== undefined && /^Suites:.*\bbookworm\b/m.test(stanza) && !uri.includes('security')) return uri;
  }
  return 'http://deb.debian.org/debian';
}

/** `podman import` of a root file system tarball; podman shares the run's containers.conf. */
function podmanImport(tarball: string, name: string, key: string): void {
  execFileSync('podman', ['import', '--change', `LABEL ${KEY_LABEL}=${key}`, tarball, name], {
    stdio: 'ignore',
  });
}

function ensureMinbaseTarball(): string {
  const tarball = join(cacheDir(), 'debian-bookworm-minbase.tar');
  if (existsSync(tarball)) return tarball;
  mkdirSync(cacheDir(), { recursive: true });
  const root = mkdtempSync(join(tmpdir(), 'spool-minbase-'));
  try {
    // ~30 s with a nearby mirror; only on a machine's first run.
    execFileSync('debootstrap', ['--variant=minbase', 'bookworm', root, debianMirror()], { stdio: 'ignore' });
    execFileSync('tar', ['-C', root, '-cf', `${tarball}.partial`, '.']);
    execFileSync('mv', [`${tarball}.partial`, tarball]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return tarball;
}

async function ensureMinbase(docker: Docker): Promise<void> {
  const key = 'bookworm-minbase';
  if (!(await hasImage(docker, baseImageNames.minbase, key)))
    podmanImport(ensureMinbaseTarball(), baseImageNames.minbase, key);
}

/** A build whose context is files of this machine's root file system, listed one by one. */
async function buildFromHost(
  docker: Docker,
  tag: string,
  include: string[],
  dockerfile: string,
): Promise<void> {
  const plan: BuildPlan = {
    contextDir: '/',
    include,
    exclude: [],
    contextPrefix: '',
    dockerfile: { inline: dockerfile },
    tag,
    buildArgs: {},
  };
  await sendBuild(docker, plan);
}

const npmDir = (): string =>
  dirname(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm']).toString().trim())));

async function ensureNodeBase(docker: Docker): Promise<void> {
  const key = `node-${process.version}`;
  if (await hasImage(docker, baseImageNames.node, key)) return;
  const node = realpathSync(process.execPath).slice(1);
  const npm = npmDir().slice(1);
  const caBundle = 'etc/ssl/certs/ca-certificates.crt';
  // Laid out as in the official image: /usr/local/bin/node, npm under /usr/local/lib/node_modules.
  // The machine's CA bundle goes in too: `npm install` in a build may pass through an inspecting proxy.
  await buildFromHost(
    docker,
    baseImageNames.node,
    [node, npm, caBundle],
    [
      `FROM ${baseImageNames.minbase}`,
      `COPY ${node} /usr/local/bin/node`,
      `COPY ${npm} /usr/local/lib/node_modules/npm`,
      `COPY ${caBundle} /${caBundle}`,
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
      `ENV NODE_EXTRA_CA_CERTS=/${caBundle}`,
      `LABEL ${KEY_LABEL}=${key}`,
      '',
    ].join('\n'),
  );
}

/** The shared libraries `ldd` names for the machine's node: what distroless/cc provides. */
function nodeLibraries(): string[] {
  const out = execFileSync('ldd', [process.execPath]).toString();
  return [...out.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1] ?? '').filter((path) => path !== '');
}

/** Node's libraries, a CA bundle, passwd entries for root and nonroot (65532), and a sticky /tmp. */
function writeCcRootfs(root: string): void {
  for (const lib of new Set(nodeLibraries())) {
    mkdirSync(join(root, dirname(lib)), { recursive: true });
    copyFileSync(realpathSync(lib), join(root, lib));
  }
  mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
  copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(root, 'etc/ssl/certs/ca-certificates.crt'));
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
  );
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnonroot:x:65532:\n');
  mkdirSync(join(root, 'tmp'));
  chmodSync(join(root, 'tmp'), 0o1777);
}

async function ensureCcBase(docker: Docker): Promise<void> {
  const key = `cc-${process.version}`;
  if (await hasImage(docker, baseImageNames.cc, key)) return;
  const root = mkdtempSync(join(tmpdir(), 'spool-cc-'));
  try {
    writeCcRootfs(root);
    execFileSync('tar', ['-C', root, '-cf', `${root}.tar`, '.']);
    podmanImport(`${root}.tar`, baseImageNames.cc, key);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(`${root}.tar`, { force: true });
  }
}

async function ensurePythonBase(docker: Docker): Promise<void> {
  const key = 'python3-minimal-bookworm';
  if (await hasImage(docker, baseImageNames.python, key)) return;
  await buildFromHost(
    docker,
    baseImageNames.python,
    [],
    [
      `FROM ${baseImageNames.minbase}`,
      // Debian's bookworm python3 is 3.11, as in python:3.11-slim-bookworm; apt reaches the mirror over host networking.
      'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-minimal && ln -s python3 /usr/bin/python && rm -rf /var/lib/apt/lists/*',
      `LABEL ${KEY_LABEL}=${key}`,
      '',
    ].join('\n'),
  );
}

export interface BaseImageOptions {
  /** Python's base takes an apt download; only runtime-python needs it. */
  readonly python?: boolean;
}

/** Makes whatever is missing; returns the build arguments that point Spool's Dockerfiles at them. */
export async function ensureBaseImages(
  docker: Docker,
  options: BaseImageOptions = {},
): Promise<Record<string, string>> {
  await ensureMinbase(docker);
  await ensureNodeBase(docker);
  await ensureCcBase(docker);
  if (options.python) await ensurePythonBase(docker);
  return {
    NODE_IMAGE: baseImageNames.node,
    BASE_IMAGE: baseImageNames.cc,
    ...(options.python ? { PYTHON_IMAGE: baseImageNames.python } : {}),
  };
}
