// The image table as the node reads it: names without tag or digest, Docker's command/args rule.
import { describe, expect, test } from '@jest/globals';
import { findLocalImage, imageName, resolveCommand, type ImageTable } from './images.js';

const table: ImageTable = {
  'acme/app': { entrypoint: ['/bin/app', '--serve'], cmd: ['--port', '80'], workingDir: '/srv' },
  redis: { entrypoint: ['/bin/sh', '-c', 'redis'], cmd: ['redis-server'] },
  bare: { entrypoint: [] },
};

describe('imageName', () => {
  test.each([
    ['acme/app', 'acme/app'],
    ['acme/app:1.2', 'acme/app'],
    ['registry.local:5000/acme/app', 'registry.local:5000/acme/app'],
    ['registry.local:5000/acme/app:1.2', 'registry.local:5000/acme/app'],
    ['acme/app@sha256:abc', 'acme/app'],
    ['acme/app:1.2@sha256:abc', 'acme/app'],
  ])('%s → %s', (image, name) => {
    expect(imageName(image)).toBe(name);
  });
});

describe('findLocalImage', () => {
  test.each([
    ['redis:7.2-bookworm', 'redis'],
    ['docker.io/redis:7', 'redis'],
    ['docker.io/library/redis', 'redis'],
    ['acme/app:latest', 'acme/app'],
  ])('%s is the table entry %s', (image, entry) => {
    expect(findLocalImage(table, image)).toBe(table[entry]);
  });

  test.each(['missing', 'docker.io/acme/other', 'quay.io/redis'])('%s is not in the table', (image) => {
    expect(findLocalImage(table, image)).toBeUndefined();
  });
});

describe('resolveCommand', () => {
  test.each<
    [string, readonly string[] | undefined, readonly string[] | undefined, readonly string[] | undefined]
  >([
    ['ENTRYPOINT and CMD', undefined, undefined, ['/bin/app', '--serve', '--port', '80']],
    ['args replace CMD', undefined, ['--port', '8080'], ['/bin/app', '--serve', '--port', '8080']],
    ['command replaces ENTRYPOINT and drops CMD', ['/bin/other'], undefined, ['/bin/other']],
    ['command and args', ['/bin/other'], ['-v'], ['/bin/other', '-v']],
    ['an empty command is no command', [], undefined, ['/bin/app', '--serve', '--port', '80']],
  ])('%s', (_case, command, args, argv) => {
    expect(resolveCommand(table, { image: 'acme/app:1', command, args })).toEqual(argv);
  });

  test('an image with no CMD and no args runs its entrypoint alone', () => {
    expect(resolveCommand(table, { image: 'bare' })).toEqual([]);
  });

  test('an unknown image runs only with a command of its own', () => {
    expect(resolveCommand(table, { image: 'missing:1' })).toBeUndefined();
    expect(resolveCommand(table, { image: 'missing:1', command: ['sleep'], args: ['1'] })).toEqual([
      'sleep',
      '1',
    ]);
  });
});
