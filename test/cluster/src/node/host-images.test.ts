// The host repository's image table: where package.json names it, and what is refused from it.
import { describe, expect, test } from '@jest/globals';
import { hostImagesModule, localImageProblem, mergeImageTables } from './host-images.js';
import type { ImageTable } from './images.js';

const base: ImageTable = { redis: { entrypoint: ['/usr/bin/redis-server'] } };

describe('localImageProblem', () => {
  test.each<[unknown]>([
    [{ entrypoint: [] }],
    [{ entrypoint: ['/bin/app'], cmd: ['-v'], workingDir: '/srv', env: { HOST: '$(POD_IP)' } }],
  ])('%j is an image', (value) => {
    expect(localImageProblem(value)).toBeUndefined();
  });

  test.each<[unknown, string]>([
    [null, 'is not an object'],
    [['/bin/app'], 'is not an object'],
    ['/bin/app', 'is not an object'],
    [{}, 'entrypoint is not a list of strings'],
    [{ entrypoint: '/bin/app' }, 'entrypoint is not a list of strings'],
    [{ entrypoint: [1] }, 'entrypoint is not a list of strings'],
    [{ entrypoint: [], cmd: 'x' }, 'cmd is not a list of strings'],
    [{ entrypoint: [], workingDir: 1 }, 'workingDir is not a string'],
    [{ entrypoint: [], env: { PORT: 80 } }, 'env is not a map of strings'],
    [{ entrypoint: [], env: ['PORT=80'] }, 'env is not a map of strings'],
  ])('%j %s', (value, problem) => {
    expect(localImageProblem(value)).toBe(problem);
  });
});

describe('mergeImageTables', () => {
  test('adds the host images to the built-in ones', () => {
    const merged = mergeImageTables(base, { 'acme/app': { entrypoint: ['/bin/app'] } }, 'images.ts');
    expect(merged).toEqual({ ...base, 'acme/app': { entrypoint: ['/bin/app'] } });
  });

  test.each<[unknown, RegExp]>([
    [undefined, /images\.ts: `images` is not an object/],
    [[{ entrypoint: [] }], /images\.ts: `images` is not an object/],
    [{ 'acme/app': { cmd: [] } }, /images\.ts: image acme\/app entrypoint is not a list of strings/],
    [{ redis: { entrypoint: ['/bin/other'] } }, /images\.ts: image redis is built into the test cluster/],
  ])('refuses %j', (exported, message) => {
    expect(() => mergeImageTables(base, exported, 'images.ts')).toThrow(message);
  });
});

describe('hostImagesModule', () => {
  test.each<[unknown, string | undefined]>([
    [{ name: 'acme' }, undefined],
    ['not a package', undefined],
    [{ testCluster: { images: 'test/images.ts' } }, '/repo/test/images.ts'],
    [{ testCluster: { images: '/elsewhere/images.ts' } }, '/elsewhere/images.ts'],
  ])('%j → %s', (packageJson, module) => {
    expect(hostImagesModule(packageJson, '/repo')).toBe(module);
  });

  test.each<[unknown]>([
    [{ testCluster: {} }],
    [{ testCluster: 'images.ts' }],
    [{ testCluster: { images: 1 } }],
  ])('%j is refused', (packageJson) => {
    expect(() => hostImagesModule(packageJson, '/repo')).toThrow(/testCluster\.images must name a module/);
  });
});
