// Function documents from the text of YAML files: every document of kind Function, keyed by namespace/name and
// not yet validated (reconcile validates, so a bad spec gets the same Valid=False status in both modes), plus
// the problems that leave a document without a key at all (broken YAML, no name).
import { resolve as resolvePath } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { FUNCTION_KIND, isRecord, type FunctionResource } from '@spool/api';

export interface FunctionDocument {
  /** `namespace/name`; an unset namespace is `default`. */
  readonly key: string;
  /** As written, except `spec.workingDir`, made absolute (see `withWorkingDir`). */
  readonly object: FunctionResource;
  /** `path (document N)`, N counted from 1. */
  readonly origin: string;
}

export interface ParsedFile {
  readonly documents: readonly FunctionDocument[];
  /** One line per problem: `path (document N): message`. */
  readonly problems: readonly string[];
}

/**
 * A user's `command: [node, server.mjs]` means "beside this file", so a Function without `workingDir` runs in the
 * folder of its YAML file; one that sets it keeps it, resolved against that folder. A spec that is not an object,
 * or a workingDir that is not a string, is left for validation to report.
 */
export function withWorkingDir(
  object: Readonly<Record<string, unknown>>,
  dir: string,
): Record<string, unknown> {
  const spec = object['spec'];
  if (!isRecord(spec)) return { ...object };
  const workingDir = spec['workingDir'] ?? '.';
  if (typeof workingDir !== 'string') return { ...object };
  return { ...object, spec: { ...spec, workingDir: resolvePath(dir, workingDir) } };
}

function keyProblem(value: Readonly<Record<string, unknown>>): string | undefined {
  const metadata = value['metadata'];
  if (!isRecord(metadata)) return 'metadata must be an object with a name';
  if (typeof metadata['name'] !== 'string' || metadata['name'] === '') return 'metadata.name is required';
  const namespace = metadata['namespace'];
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace === ''))
    return 'metadata.namespace must be a non-empty string';
  return undefined;
}

function parseDocument(value: unknown, origin: string, dir: string): FunctionDocument | string | undefined {
  // Other kinds (a ConfigMap beside the Function, an empty document) are not ours to judge.
  if (!isRecord(value) || value['kind'] !== FUNCTION_KIND) return undefined;
  const problem = keyProblem(value);
  if (problem !== undefined) return `${origin}: ${problem}`;
  // Checked above: metadata.name (and namespace when set) are strings; validateFunction checks the rest.
  const object = withWorkingDir(value, dir) as unknown as FunctionResource;
  const { name, namespace = 'default' } = object.metadata;
  return { key: `${namespace}/${name}`, object, origin };
}

export function parseFunctionsFile(text: string, path: string, dir: string): ParsedFile {
  const documents: FunctionDocument[] = [];
  const problems: string[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    const origin = `${path} (document ${i + 1})`;
    if (doc.errors.length > 0) {
      problems.push(`${origin}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return;
    }
    const parsed = parseDocument(doc.toJS(), origin, dir);
    if (typeof parsed === 'string') problems.push(parsed);
    else if (parsed !== undefined) documents.push(parsed);
  });
  return { documents, problems };
}

export interface FolderFunctions {
  readonly byKey: ReadonlyMap<string, FunctionDocument>;
  readonly problems: readonly string[];
}

/** Every file's documents in one map; on a duplicate namespace/name the first in path (then document) order wins. */
export function mergeFiles(files: readonly ParsedFile[]): FolderFunctions {
  const byKey = new Map<string, FunctionDocument>();
  const problems: string[] = [];
  for (const file of files) {
    problems.push(...file.problems);
    for (const doc of file.documents) {
      const first = byKey.get(doc.key);
      if (first === undefined) byKey.set(doc.key, doc);
      else
        problems.push(`${doc.origin}: ${doc.key} is already defined by ${first.origin}; the first is kept`);
    }
  }
  return { byKey, problems };
}
