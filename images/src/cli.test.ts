import { describe, expect, test } from '@jest/globals';
import { parseCliArgs } from './cli-args.js';
import { parseDockerHost } from './docker-host.js';
import { formatImageTable, formatMegabytes } from './report.js';

const all = ['gateway', 'controller', 'watchdog', 'runtime-node', 'runtime-python'];

describe('parseCliArgs', () => {
  test.each([
    { name: 'no arguments ask for help', args: [], want: { command: 'help' } },
    {
      name: 'build with defaults',
      args: ['build', 'examples/echo'],
      want: { command: 'build', functionDir: 'examples/echo', tag: undefined, runtime: undefined },
    },
    {
      name: 'build with a tag and a runtime, = or space',
      args: ['build', 'fn', '--tag=reg/fn:1', '--runtime', 'python'],
      want: { command: 'build', functionDir: 'fn', tag: 'reg/fn:1', runtime: 'python' },
    },
    {
      name: 'images builds all five',
      args: ['images'],
      want: { command: 'images', only: all, buildArgs: {} },
    },
    {
      name: 'images --only and build arguments (a value may hold =)',
      args: ['images', '--only', 'gateway,watchdog', '--build-arg', 'NODE_IMAGE=a/b:1', '--build-arg=X=y=z'],
      want: {
        command: 'images',
        only: ['gateway', 'watchdog'],
        buildArgs: { NODE_IMAGE: 'a/b:1', X: 'y=z' },
      },
    },
  ])('$name', ({ args, want }) => {
    expect(parseCliArgs(args)).toEqual(want);
  });

  test.each([
    { name: 'an unknown command', args: ['push'], message: 'unknown command "push"' },
    { name: 'build without a folder', args: ['build'], message: 'spool build takes one function folder' },
    {
      name: 'a runtime that does not exist',
      args: ['build', 'f', '--runtime', 'go'],
      message: '--runtime must be node or python, was: "go"',
    },
    { name: 'an unknown image', args: ['images', '--only', 'gateway,redis'], message: 'unknown: "redis"' },
    { name: 'a flag without value', args: ['build', 'f', '--tag'], message: '--tag needs a value' },
    { name: 'an unknown flag', args: ['images', '--push'], message: 'unknown option --push' },
    {
      name: 'a build argument without =',
      args: ['images', '--build-arg', 'NODE_IMAGE'],
      message: 'KEY=VALUE',
    },
    {
      name: 'a flag of the other command',
      args: ['build', 'f', '--only', 'gateway'],
      message: 'belong to spool images',
    },
    {
      name: 'a repeated tag',
      args: ['build', 'f', '--tag', 'a', '--tag', 'b'],
      message: '--tag given more than once',
    },
  ])('rejects $name', ({ args, message }) => {
    expect(() => parseCliArgs(args)).toThrow(message);
  });
});

describe('parseDockerHost', () => {
  test.each([
    { value: undefined, want: { socketPath: '/var/run/docker.sock' } },
    { value: '', want: { socketPath: '/var/run/docker.sock' } },
    { value: 'unix:///tmp/p/podman.sock', want: { socketPath: '/tmp/p/podman.sock' } },
    { value: 'tcp://127.0.0.1:2375', want: { protocol: 'http', host: '127.0.0.1', port: 2375 } },
    { value: 'tcp://localhost', want: { protocol: 'http', host: 'localhost', port: 2375 } },
  ])('$value', ({ value, want }) => {
    expect(parseDockerHost(value)).toEqual(want);
  });

  test.each(['unix://relative.sock', 'ssh://host', '/var/run/docker.sock'])('rejects %p', (value) => {
    expect(() => parseDockerHost(value)).toThrow(
      `DOCKER_HOST must be unix:///absolute/path or tcp://host:port, was: "${value}"`,
    );
  });
});

describe('report', () => {
  test.each([
    { bytes: 0, want: '0.0 MB' },
    { bytes: 187_654_321, want: '187.7 MB' },
  ])('formatMegabytes($bytes)', ({ bytes, want }) => {
    expect(formatMegabytes(bytes)).toBe(want);
  });

  test('aligns names left and numbers right', () => {
    const table = formatImageTable([
      { tag: 'spool/gateway:0.1.0', sizeBytes: 150_000_000, buildMs: 61_000 },
      { tag: 'spool/runtime-python:0.1.0', sizeBytes: 9_500_000, buildMs: 4_200 },
    ]);
    expect(table.split('\n')).toEqual([
      'IMAGE                           SIZE   BUILD',
      'spool/gateway:0.1.0         150.0 MB  61.0 s',
      'spool/runtime-python:0.1.0    9.5 MB   4.2 s',
    ]);
  });
});
