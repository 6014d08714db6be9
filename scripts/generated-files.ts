// The files derived from api/, by repository path: one list shared by the generator and its staleness test.
import { stringify } from 'yaml';
import { errorsMarkdown, functionCrd, functionReferenceMarkdown } from '../api/src/index.js';

const yamlHeader = '# Generated from api/src/function-schema.ts by `npm run generate`; do not edit.\n';

export const generatedFiles: Readonly<Record<string, () => string>> = {
  'charts/spool/crds/functions.spool.dev.yaml': () => yamlHeader + stringify(functionCrd(), { lineWidth: 0 }),
  'docs/function-reference.md': functionReferenceMarkdown,
  'docs/errors.md': errorsMarkdown,
};
