// Files derived from api/ are current, and docs/errors.md lists exactly the codes that exist.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { errorCodes } from '@spool/api';
import { generatedFiles } from '../../../scripts/generated-files.js';

const read = (path: string): string => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('generated files', () => {
  test.each(Object.entries(generatedFiles).map(([path, render]) => ({ path, render })))(
    '$path is current (npm run generate)',
    ({ path, render }) => {
      expect(read(path)).toBe(render());
    },
  );

  test('errors.md has one row per error code, with its HTTP status', () => {
    const rows = [...read('docs/errors.md').matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map(
      ([, code, status]) => [code, Number(status)],
    );
    expect(rows.sort()).toEqual(
      Object.entries(errorCodes)
        .map(([code, { status }]) => [code, status])
        .sort(),
    );
  });
});
