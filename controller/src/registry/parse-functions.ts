// Function resources from the text of one YAML file: every document of kind Function, resolved, or the problems.
import { resolve as resolvePath } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { FUNCTION_KIND, resolveFunction, type ResolvedFunction } from '@spool/api';

export interface ParsedFile {
  readonly functions: readonly ResolvedFunction[];
  /** One line per problem: `path (document N): message`. */
  readonly problems: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A user's `command: [node, server.mjs]` means "beside this file", so a Function without `workingDir` runs in the
 * folder of its YAML file; one that sets it keeps it, resolved against that folder.
 */
export function withWorkingDir(fn: ResolvedFunction, dir: string): ResolvedFunction {
  return { ...fn, spec: { ...fn.spec, workingDir: resolvePath(dir, fn.spec.workingDir ?? '.') } };
}

function parseDocument(value: unknown, where: string, dir: string): ResolvedFunction | string | undefined {
  // Other kinds (a ConfigMap beside the Function, an empty document) are not ours to judge.
  if (!isRecord(value) || value['kind'] !== FUNCTION_KIND) return undefined;
  try {
    return withWorkingDir(resolveFunction(value), dir);
  } catch (error) {
    return `${where}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export function parseFunctionsFile(text: string, path: string, dir: string): ParsedFile {
  const functions: ResolvedFunction[] = [];
  const problems: string[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    const where = `${path} (document ${i + 1})`;
    if (doc.errors.length > 0) {
      problems.push(`${where}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return;
    }
    const parsed = parseDocument(doc.toJS(), where, dir);
    if (typeof parsed === 'string') problems.push(parsed);
    else if (parsed !== undefined) functions.push(parsed);
  });
  return { functions, problems };
}
