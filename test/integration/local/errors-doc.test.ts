// The documents derived from api/ are up to date, and docs/errors.md lists exactly the codes that exist.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { errorCodes, errorsMarkdown, functionReferenceMarkdown } from '@spool/api';

const doc = (name: string): string => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

describe('generated docs', () => {
  test.each([
    { file: 'function-reference.md', render: functionReferenceMarkdown },
    { file: 'errors.md', render: errorsMarkdown },
  ])('$file is current (npm run docs)', ({ file, render }) => {
    expect(doc(file)).toBe(render());
  });

  test('errors.md has one row per error code, with its HTTP status', () => {
    const rows = [...doc('errors.md').matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map(([, code, status]) => [code, Number(status)]);
    expect(rows.sort()).toEqual(Object.entries(errorCodes).map(([code, { status }]) => [code, status]).sort());
  });
});
