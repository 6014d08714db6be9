// The Docker Engine API through dockerode: build from a plan with progress read for errors, inspect, run.

import { Readable } from 'node:stream';
import Docker, { type ContainerCreateOptions } from 'dockerode';
import { packContext } from './build-context.js';
import { INLINE_DOCKERFILE, type BuildPlan } from './build-plan.js';
import { parseBuildLine, splitLines, type BuildEvent } from './build-events.js';
import { parseDockerHost } from './docker-host.js';
import { demultiplex } from './log-frames.js';

/** A client for DOCKER_HOST (or the default socket), the way the docker CLI finds the engine. */
export const dockerFromEnv = (env: Readonly<Record<string, string | undefined>>): Docker =>
  new Docker(parseDockerHost(env['DOCKER_HOST']));

export interface BuildResult {
  readonly tag: string;
  readonly id: string | undefined;
}

/** Reads the progress stream; resolves on its end, rejects with the daemon's own message on an error event. */
function followBuild(
  stream: NodeJS.ReadableStream,
  onLog: (text: string) => void,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let rest = '';
    let id: string | undefined;
    let failure: string | undefined;
    const handle = (event: BuildEvent): void => {
      if (event.kind === 'log') onLog(event.text);
      else if (event.kind === 'image') id = event.id;
      else if (event.kind === 'error') failure ??= event.message;
    };
    stream.on('data', (chunk: Buffer) => {
      const split = splitLines(rest + chunk.toString('utf8'));
      rest = split.rest;
      split.lines.map(parseBuildLine).forEach(handle);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      if (rest.trim() !== '') handle(parseBuildLine(rest));
      if (failure !== undefined) reject(new Error(failure.trim()));
      else resolve(id);
    });
  });
}

/** An error the engine answered with a status code: its JSON message is the useful part. */
function daemonMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | undefined)?.json;
  if (typeof json?.message === 'string') return json.message;
  return error instanceof Error ? error.message : String(error);
}

export async function sendBuild(
  docker: Docker,
  plan: BuildPlan,
  onLog: (text: string) => void = () => undefined,
): Promise<BuildResult> {
  const { tag } = plan;
  try {
    // streamx's pack, wrapped as the Node stream dockerode pipes to the request.
    const context = Readable.from(await packContext(plan), { objectMode: false });
    const stream = await docker.buildImage(context, {
      t: tag,
      dockerfile: 'path' in plan.dockerfile ? plan.dockerfile.path : INLINE_DOCKERFILE,
      buildargs: { ...plan.buildArgs },
      // Host networking: `npm install` reaches the registry through the host's resolver and proxy settings.
      networkmode: 'host',
      rm: true,
      forcerm: true,
    });
    return { tag, id: await followBuild(stream, onLog) };
  } catch (error) {
    throw new Error(`building ${tag}: ${daemonMessage(error)}`, { cause: error });
  }
}

export interface ImageFacts {
  readonly id: string;
  readonly sizeBytes: number;
  /** `65532:65532`; '' means root. */
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly workingDir: string;
}

export async function readImage(docker: Docker, name: string): Promise<ImageFacts> {
  const info = await docker
    .getImage(name)
    .inspect()
    .catch((cause: unknown) => {
      throw new Error(`inspecting image ${name}`, { cause });
    });
  const entrypoint: unknown = info.Config.Entrypoint;
  return {
    id: info.Id,
    sizeBytes: info.Size,
    user: info.Config.User,
    entrypoint: Array.isArray(entrypoint)
      ? entrypoint.map(String)
      : typeof entrypoint === 'string'
        ? [entrypoint]
        : [],
    workingDir: info.Config.WorkingDir,
  };
}

export interface RunningContainer {
  readonly id: string;
  /** stdout and stderr so far. */
  logs(): Promise<string>;
  inspect(): Promise<Docker.ContainerInspectInfo>;
  /** SIGTERM, SIGKILL after `graceSeconds`, then removal. */
  remove(graceSeconds?: number): Promise<void>;
}

export async function startContainer(
  docker: Docker,
  options: ContainerCreateOptions,
): Promise<RunningContainer> {
  const container = await docker.createContainer(options).catch((cause: unknown) => {
    throw new Error(`creating a container of ${options.Image}: ${daemonMessage(cause)}`, { cause });
  });
  const handle: RunningContainer = {
    id: container.id,
    logs: async () => {
      const raw = await container.logs({ stdout: true, stderr: true, follow: false });
      return demultiplex(raw);
    },
    inspect: () => container.inspect(),
    remove: async (graceSeconds = 10) => {
      await container.stop({ t: graceSeconds }).catch((error: unknown) => {
        // 304: already stopped, which is what was wanted.
        if ((error as { statusCode?: number }).statusCode !== 304) throw error;
      });
      await container.remove({ force: true });
    },
  };
  try {
    await container.start();
  } catch (cause) {
    await container.remove({ force: true });
    throw new Error(`starting a container of ${options.Image}: ${daemonMessage(cause)}`, { cause });
  }
  return handle;
}
