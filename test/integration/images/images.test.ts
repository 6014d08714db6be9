// Spool's images built through dockerode against podman (no mocks), and a function image run the way a function
// pod runs it: non-root, read-only root, host networking, a call enqueued by a real gateway on a real Redis.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { isRecord, parseJson, type ResolvedFunction } from '@spool/api';
import {
  buildFunctionImage,
  buildSpoolImage,
  desiredFunctionContainer,
  dockerFromEnv,
  readRepoVersion,
  repoRoot,
  sendBuild,
  startContainer,
  type BuildPlan,
  type BuiltImage,
  type RunningContainer,
} from '@spool/images';
import { ensureBaseImages } from '../../support/base-images.js';
import { eventually } from '../../support/eventually.js';
import {
  examplePath,
  functionFixture,
  startGateway,
  type TestGateway,
} from '../../support/local-functions.js';
import { freePort } from '../../support/redis-server.js';
import { testRedisUrl, uniqueFunctionRef } from '../../support/redis.js';

// A cold build runs `npm install` twice inside the build (~1 min); warm builds hit podman's layer cache.
const BUILD_TIMEOUT_MS = 600_000;
const WATCHDOG_ENTRYPOINT = ['/spool/main.mjs'];

let docker: Docker;
let version: string;
let buildArgs: Record<string, string>;
let watchdog: BuiltImage;
let runtime: BuiltImage;
let echoImage: BuiltImage & { readonly fn: ResolvedFunction };
const containers: RunningContainer[] = [];

const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  const result = await work();
  process.stderr.write(`images test: ${label} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
};

beforeAll(async () => {
  docker = dockerFromEnv(process.env);
  version = await readRepoVersion();
  buildArgs = await timed('base images', () => ensureBaseImages(docker));
  // The runtime starts FROM the watchdog image, as `spool images` builds them.
  watchdog = await timed('spool/watchdog', () =>
    buildSpoolImage(docker, 'watchdog', { repoRoot, version, buildArgs }),
  );
  runtime = await timed('spool/runtime-node', () =>
    buildSpoolImage(docker, 'runtime-node', { repoRoot, version, buildArgs }),
  );
  echoImage = await timed('examples/echo', () =>
    buildFunctionImage(docker, { functionDir: examplePath('echo'), version }),
  );
}, BUILD_TIMEOUT_MS);

/**
 * Runs a service image with no configuration, as a pod would (read-only root, host network), until it exits: a
 * service that loaded all its modules stops at its config check. Waits up to 15 s, for a loaded machine.
 */
async function runUnconfigured(image: string): Promise<{ exitCode: number | undefined; logs: string }> {
  const container = await startContainer(docker, {
    Image: image,
    HostConfig: { NetworkMode: 'host', ReadonlyRootfs: true, Init: true },
  });
  containers.push(container);
  await eventually(async () => expect((await container.inspect()).State.Running).toBe(false), {
    timeoutMs: 15_000,
  });
  return { exitCode: (await container.inspect()).State.ExitCode, logs: await container.logs() };
}

afterAll(async () => {
  await Promise.all(containers.map((container) => container.remove(2)));
});

describe('the runtime image and a function image built on it', () => {
  test('run as a numeric non-root user with the watchdog as entrypoint and /function as working directory', () => {
    for (const image of [runtime, echoImage]) {
      expect(image.user).toBe('65532:65532');
      expect(image.entrypoint).toEqual(['node', ...WATCHDOG_ENTRYPOINT]);
      expect(image.workingDir).toBe('/function');
    }
    expect(runtime.tag).toBe(`spool/runtime-node:${version}`);
    // No --tag: the image is named where function.yaml's spec.image expects it.
    expect(echoImage.tag).toBe(echoImage.fn.spec.image);
  });

  test('a call enqueued by the gateway is answered by the watchdog inside the container', async () => {
    const fn = functionFixture(uniqueFunctionRef('echo'), echoImage.fn.spec);
    const watchdogPort = await freePort();
    const container = await startContainer(
      docker,
      desiredFunctionContainer({
        image: echoImage.tag,
        fn,
        redisUrl: testRedisUrl(),
        watchdogPort,
        userPort: await freePort(),
        host: '127.0.0.1',
      }),
    );
    containers.push(container);
    const inspected = await container.inspect();
    expect(inspected.Config.User).toBe('65532:65532');
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);

    await eventually(
      async () => {
        const ready = await fetch(`http://127.0.0.1:${watchdogPort}/_/ready`).catch(() => undefined);
        if (ready?.status !== 200) throw new Error(`not ready; container log:\n${await container.logs()}`);
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const gw: TestGateway = await startGateway([fn]);
    try {
      const res = await fetch(`${gw.url}/function/echo.${fn.metadata.namespace}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-spool-echo' },
        body: 'hello from inside podman',
      });
      expect(res.status).toBe(200);
      // The user's server echoes the content type: the reply really came from inside the container.
      expect(res.headers.get('content-type')).toBe('application/x-spool-echo');
      expect(await res.text()).toBe('hello from inside podman');
    } finally {
      await gw.close();
    }
  }, 60_000);
});

describe('the watchdog image', () => {
  test('runs the watchdog as a non-root user on a base without a shell', async () => {
    expect(watchdog.user).toBe('65532:65532');
    expect(watchdog.entrypoint).toEqual(['/usr/local/bin/node', ...WATCHDOG_ENTRYPOINT]);
    await expect(
      startContainer(docker, {
        Image: watchdog.tag,
        Entrypoint: ['/bin/sh'],
        HostConfig: { NetworkMode: 'host' },
      }),
    ).rejects.toThrow(/\/bin\/sh.*no such file or directory/);
  });

  test('loads every module it imports: without a Function it stops at the config check', async () => {
    const { exitCode, logs } = await runUnconfigured(watchdog.tag);
    expect(exitCode).toBe(1);
    // One JSON line in the shared log format (docs/architecture.md, Logs).
    const lines = logs
      .split('\n')
      .map((line) => parseJson(line.trim()))
      .flatMap((parsed) => (parsed.ok && isRecord(parsed.value) ? [parsed.value] : []));
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        component: 'watchdog',
        msg: 'watchdog failed to start',
        error: 'SPOOL_FUNCTION_NAME is required',
      }),
    );
    // The wait above allows 15 s for a loaded machine; jest's 5 s default would cut it short.
  }, 30_000);
});

// The gateway and the controller run their bundle (scripts/bundle.ts), which the image's build stage writes; every
// package it still imports must be installed in the image. ESM links every import before any code runs, so a
// ConfigError thrown from the bundle's own code proves they all resolved.
describe.each(['gateway', 'controller'] as const)('the %s image', (service) => {
  test(
    'runs its bundle, and every module it imports loads: without configuration it stops at the config check',
    async () => {
      const image = await timed(`spool/${service}`, () =>
        buildSpoolImage(docker, service, { repoRoot, version, buildArgs }),
      );
      const { exitCode, logs } = await runUnconfigured(image.tag);
      expect({
        exitCode,
        ranBundle: logs.includes(`/spool/${service}/dist/bundle.js`),
        stoppedAtConfig: logs.includes('ConfigError: SPOOL_FUNCTIONS_DIR is required'),
      }).toEqual({ exitCode: 1, ranBundle: true, stoppedAtConfig: true });
    },
    BUILD_TIMEOUT_MS,
  );
});

describe('a build that fails', () => {
  let emptyDir: string;
  beforeAll(() => {
    emptyDir = mkdtempSync(join(tmpdir(), 'spool-broken-build-'));
  });
  afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

  const plan = (dockerfile: string): BuildPlan => ({
    contextDir: emptyDir,
    include: [],
    exclude: [],
    contextPrefix: '',
    dockerfile: { inline: dockerfile },
    tag: 'localhost/spool-test/broken:latest',
    buildArgs: {},
  });

  test.each([
    {
      name: 'a failing RUN step',
      dockerfile: (base: string) => `FROM ${base}\nRUN echo spool-broken-step && exit 3\n`,
      message: /building localhost\/spool-test\/broken:latest: .*exit status 3/,
    },
    {
      name: 'a COPY of a file the context lacks',
      dockerfile: (base: string) => `FROM ${base}\nCOPY not-in-context.txt /x\n`,
      message:
        /building localhost\/spool-test\/broken:latest: .*not-in-context\.txt.*no such file or directory/,
    },
    {
      // Refused before any step runs: the daemon answers HTTP 500 instead of an error event in the stream.
      name: 'a Dockerfile without FROM',
      dockerfile: () => 'FROMM scratch\n',
      message: /building localhost\/spool-test\/broken:latest: no FROM statement found/,
    },
  ])('rejects with the daemon’s error text: $name', async ({ dockerfile, message }) => {
    const base = buildArgs['NODE_IMAGE'] ?? '';
    await expect(sendBuild(docker, plan(dockerfile(base)))).rejects.toThrow(message);
  });
});
