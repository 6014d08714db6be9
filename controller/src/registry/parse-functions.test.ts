import { describe, expect, test } from '@jest/globals';
import { mergeFiles, parseFunctionsFile } from './parse-functions.js';

const echo = `apiVersion: spool.dev/v1alpha1
kind: Function
metadata:
  name: echo
spec:
  image: echo:1
  command: [node, server.mjs]
`;

interface Row {
  readonly name: string;
  readonly text: string;
  readonly want: { keys: string[]; workingDirs: unknown[]; problems: number };
}

const rows: Row[] = [
  {
    name: 'one Function',
    text: echo,
    want: { keys: ['default/echo'], workingDirs: ['/fns/echo'], problems: 0 },
  },
  {
    name: 'several documents, other kinds skipped',
    text: `${echo}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${echo.replace('name: echo', 'name: two\n  namespace: team-a')}`,
    want: { keys: ['default/echo', 'team-a/two'], workingDirs: ['/fns/echo', '/fns/echo'], problems: 0 },
  },
  {
    name: 'workingDir set by the user is kept, relative to the file',
    text: `${echo}  workingDir: src\n`,
    want: { keys: ['default/echo'], workingDirs: ['/fns/echo/src'], problems: 0 },
  },
  {
    name: 'an invalid spec still has a key: reconcile reports it in its status',
    text: `${echo}---\n${echo.replace('name: echo', 'name: bad').replace('image: echo:1', 'image: ""')}`,
    want: { keys: ['default/echo', 'default/bad'], workingDirs: ['/fns/echo', '/fns/echo'], problems: 0 },
  },
  {
    name: 'a workingDir that is not a string is left for validation',
    text: `${echo}  workingDir: 7\n`,
    want: { keys: ['default/echo'], workingDirs: [7], problems: 0 },
  },
  {
    name: 'a Function without a name is a problem',
    text: `${echo}---\n${echo.replace('  name: echo\n', '  labels: {}\n')}`,
    want: { keys: ['default/echo'], workingDirs: ['/fns/echo'], problems: 1 },
  },
  {
    name: 'a namespace that is not a string is a problem',
    text: echo.replace('name: echo', 'name: echo\n  namespace: [a]'),
    want: { keys: [], workingDirs: [], problems: 1 },
  },
  {
    name: 'broken YAML is a problem',
    text: 'kind: Function\nmetadata: [unclosed\n',
    want: { keys: [], workingDirs: [], problems: 1 },
  },
  { name: 'an empty file holds nothing', text: '', want: { keys: [], workingDirs: [], problems: 0 } },
];

describe('parseFunctionsFile', () => {
  test.each(rows)('$name', ({ text, want }) => {
    const parsed = parseFunctionsFile(text, '/fns/echo/function.yaml', '/fns/echo');
    expect({
      keys: parsed.documents.map((d) => d.key),
      workingDirs: parsed.documents.map((d) => d.object.spec.workingDir),
      problems: parsed.problems.length,
    }).toEqual(want);
  });

  test('a problem names the file and the document', () => {
    const parsed = parseFunctionsFile(`${echo}---\nkind: Function\nspec: {}\n`, '/fns/a.yaml', '/fns');
    expect(parsed.problems).toEqual(['/fns/a.yaml (document 2): metadata must be an object with a name']);
    expect(parsed.documents.map((d) => d.origin)).toEqual(['/fns/a.yaml (document 1)']);
  });
});

describe('mergeFiles', () => {
  const file = (path: string, text: string) => parseFunctionsFile(text, path, '/fns');

  test.each([
    {
      name: 'distinct functions from several files',
      files: [file('/fns/a.yaml', echo), file('/fns/b.yaml', echo.replace('name: echo', 'name: two'))],
      want: {
        keys: { 'default/echo': '/fns/a.yaml (document 1)', 'default/two': '/fns/b.yaml (document 1)' },
        problems: 0,
      },
    },
    {
      name: 'a duplicate keeps the first by path order, and is reported',
      files: [file('/fns/a.yaml', echo), file('/fns/b.yaml', echo.replace('echo:1', 'echo:2'))],
      want: { keys: { 'default/echo': '/fns/a.yaml (document 1)' }, problems: 1 },
    },
    {
      name: 'within one file, the first document wins',
      files: [file('/fns/a.yaml', `${echo}---\n${echo}`)],
      want: { keys: { 'default/echo': '/fns/a.yaml (document 1)' }, problems: 1 },
    },
    {
      name: 'the same name in another namespace is another function',
      files: [file('/fns/a.yaml', `${echo}---\n${echo.replace('name: echo', 'name: echo\n  namespace: b')}`)],
      want: {
        keys: { 'default/echo': '/fns/a.yaml (document 1)', 'b/echo': '/fns/a.yaml (document 2)' },
        problems: 0,
      },
    },
  ])('$name', ({ files, want }) => {
    const merged = mergeFiles(files);
    expect({
      keys: Object.fromEntries([...merged.byKey].map(([k, d]) => [k, d.origin])),
      problems: merged.problems.length,
    }).toEqual(want);
  });

  test('a duplicate names both places', () => {
    const merged = mergeFiles([file('/fns/a.yaml', echo), file('/fns/b.yaml', echo)]);
    expect(merged.problems).toEqual([
      '/fns/b.yaml (document 1): default/echo is already defined by /fns/a.yaml (document 1); the first is kept',
    ]);
  });
});
