import { describe, expect, test } from '@jest/globals';
import { isExcluded } from './build-plan.js';
import { decideRuntime, functionDockerfile, planFunctionImage } from './function-image.js';
import { planSpoolImage, spoolImageNames, withDependencies } from './spool-images.js';

describe('isExcluded', () => {
  test.each([
    { name: 'a suffix pattern matches a test file', path: 'api/src/names.test.ts', want: true },
    { name: 'a suffix pattern spares a source file', path: 'api/src/names.ts', want: false },
    { name: 'a name matches a folder at any depth', path: 'a/.git/config', want: true },
    { name: 'a name matches the top folder', path: '.git', want: false, patterns: ['node_modules'] },
    { name: 'a name is a whole segment, not a substring', path: 'my.git.txt', want: false },
  ])('$name', ({ path, want, patterns = ['*.test.ts', '.git'] }) => {
    expect(isExcluded(path, patterns)).toBe(want);
  });
});

describe('planSpoolImage', () => {
  const options = { repoRoot: '/repo', version: '0.1.0' };
  const shared = ['package.json', 'package-lock.json', 'tsconfig.base.json', 'scripts/bundle.ts'];
  const workspace = (w: string): string[] => [`${w}/package.json`, `${w}/tsconfig.json`, `${w}/src`];
  const bases = {
    NODE_IMAGE: 'local/node',
    BASE_IMAGE: 'local/cc',
    PYTHON_IMAGE: 'local/python',
    OTHER: 'x',
  };

  test.each(['gateway', 'controller', 'watchdog'] as const)(
    '%s compiles api, node and its workspace from the one service Dockerfile, and gets only its base arguments',
    (name) => {
      expect(planSpoolImage(name, { ...options, buildArgs: bases })).toEqual({
        contextDir: '/repo',
        include: [
          ...shared,
          ...workspace('api'),
          ...workspace('node'),
          ...workspace(name),
          'images/service/Dockerfile',
        ],
        exclude: ['*.test.ts'],
        contextPrefix: '',
        dockerfile: { path: 'images/service/Dockerfile' },
        tag: `spool/${name}:0.1.0`,
        buildArgs: { NODE_IMAGE: 'local/node', BASE_IMAGE: 'local/cc', SERVICE: name },
      });
    },
  );

  test.each([
    { name: 'runtime-node', base: { NODE_IMAGE: 'local/node' } },
    { name: 'runtime-python', base: { PYTHON_IMAGE: 'local/python' } },
  ] as const)(
    '$name sends only its Dockerfile and builds on the watchdog of its version',
    ({ name, base }) => {
      expect(planSpoolImage(name, { ...options, buildArgs: bases })).toEqual({
        contextDir: '/repo',
        include: [`images/${name}/Dockerfile`],
        exclude: [],
        contextPrefix: '',
        dockerfile: { path: `images/${name}/Dockerfile` },
        tag: `spool/${name}:0.1.0`,
        buildArgs: { ...base, WATCHDOG_IMAGE: 'spool/watchdog:0.1.0' },
      });
    },
  );

  test.each([
    { want: ['gateway'], given: ['gateway'] },
    { want: ['watchdog', 'runtime-node'], given: ['runtime-node'] },
    { want: ['gateway', 'watchdog', 'runtime-python'], given: ['runtime-python', 'gateway'] },
    { want: ['watchdog', 'runtime-node'], given: ['runtime-node', 'watchdog'] },
  ] as const)('building $given builds $want, in that order', ({ given, want }) => {
    expect(withDependencies(given)).toEqual(want);
  });

  test('every image has a plan', () => {
    expect(spoolImageNames.map((name) => planSpoolImage(name, options).tag)).toHaveLength(5);
  });
});

describe('decideRuntime', () => {
  test.each([
    { name: 'node by default', command: ['node', 'server.mjs'], asked: undefined, want: 'node' },
    { name: 'python from the command', command: ['python', 'main.py'], asked: undefined, want: 'python' },
    {
      name: 'python3.11 by path',
      command: ['/usr/bin/python3.11', 'main.py'],
      asked: undefined,
      want: 'python',
    },
    { name: 'a shell command is node', command: ['sh', '-c', 'python x'], asked: undefined, want: 'node' },
    { name: 'the flag wins', command: ['python3', 'main.py'], asked: 'node', want: 'node' },
    { name: 'an empty command is node', command: [], asked: undefined, want: 'node' },
  ] as const)('$name', ({ command, asked, want }) => {
    expect(decideRuntime(command, asked)).toBe(want);
  });
});

describe('planFunctionImage', () => {
  const options = {
    functionDir: '/fns/echo',
    functionName: 'echo',
    runtime: 'node',
    version: '0.1.0',
  } as const;

  test('copies the whole folder but .git under function/, FROM the runtime of this version', () => {
    expect(planFunctionImage(options)).toEqual({
      contextDir: '/fns/echo',
      include: ['.'],
      exclude: ['.git'],
      contextPrefix: 'function',
      dockerfile: { inline: 'FROM spool/runtime-node:0.1.0\nCOPY function/ /function/\n' },
      tag: 'spool/function-echo:latest',
      buildArgs: {},
    });
  });

  test.each([
    { name: '--tag wins', tag: 'reg/x:1', specImage: 'spool/example-echo:0.1.0', want: 'reg/x:1' },
    {
      name: 'then spec.image',
      tag: undefined,
      specImage: 'spool/example-echo:0.1.0',
      want: 'spool/example-echo:0.1.0',
    },
    {
      name: 'then a name from the function',
      tag: undefined,
      specImage: undefined,
      want: 'spool/function-echo:latest',
    },
  ])('tag: $name', ({ tag, specImage, want }) => {
    expect(planFunctionImage({ ...options, tag, specImage }).tag).toBe(want);
  });

  test('python functions start FROM runtime-python', () => {
    expect(planFunctionImage({ ...options, runtime: 'python' }).dockerfile).toEqual({
      inline: functionDockerfile('spool/runtime-python:0.1.0'),
    });
  });
});
