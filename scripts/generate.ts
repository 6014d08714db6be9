// `npm run generate`: rewrites every derived file: those from api/ and the chart's values (CRD, references,
// example Functions) and deploy/spool.yaml, which helm renders from the chart.
// Staleness tests: test/integration/local/generated-files.test.ts and test/integration/cluster/chart.test.ts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPaths } from '@spool/test-cluster';
import { plainManifestPath, renderPlainManifest } from './chart.js';
import { generatedFiles } from './generated-files.js';

function write(path: string, content: string): void {
  const file = fileURLToPath(new URL(`../${path}`, import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

for (const [path, render] of Object.entries(generatedFiles)) write(path, render());

// After the CRD: the plain manifest carries it.
const { helm } = binaryPaths();
if (existsSync(helm)) write(plainManifestPath, renderPlainManifest(helm));
else
  console.warn(`helm is not built yet, so ${plainManifestPath} is unchanged: run bash test/cluster/build.sh`);
