// `npm run generate`: rewrites every file derived from api/ (CRD, function reference, error codes).
// test/integration/local/generated-files.test.ts fails when one of them is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './generated-files.js';

for (const [path, render] of Object.entries(generatedFiles)) {
  const file = fileURLToPath(new URL(`../${path}`, import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, render());
}
