import { describe, expect, test } from '@jest/globals';
import { parseFunctionsFile } from './parse-functions.js';

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
  readonly want: { keys: string[]; workingDirs: string[]; problems: number };
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
    name: 'an invalid Function is a problem, the valid one still loads',
    text: `${echo}---\n${echo.replace('name: echo', 'name: Bad_Name')}`,
    want: { keys: ['default/echo'], workingDirs: ['/fns/echo'], problems: 1 },
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
      keys: parsed.functions.map((fn) => `${fn.metadata.namespace}/${fn.metadata.name}`),
      workingDirs: parsed.functions.map((fn) => fn.spec.workingDir),
      problems: parsed.problems.length,
    }).toEqual(want);
  });

  test('a problem names the file and the document', () => {
    const parsed = parseFunctionsFile(
      `${echo}---\n${echo.replace('image: echo:1', 'image: ""')}`,
      '/fns/a.yaml',
      '/fns',
    );
    expect(parsed.problems[0]).toMatch(/^\/fns\/a\.yaml \(document 2\): .*spec\.image/);
  });
});
