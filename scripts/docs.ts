// `npm run docs`: regenerates the documents derived from api/ (function reference, error codes).
import { writeFileSync } from 'node:fs';
import { errorsMarkdown, functionReferenceMarkdown } from '../api/src/index.js';

writeFileSync(new URL('../docs/function-reference.md', import.meta.url), functionReferenceMarkdown());
writeFileSync(new URL('../docs/errors.md', import.meta.url), errorsMarkdown());
