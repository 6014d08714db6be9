// The Function a folder's function.yaml declares: the one document of kind Function, validated and defaulted.

import { parseAllDocuments } from 'yaml';
import { FUNCTION_KIND, resolveFunction, type ResolvedFunction } from '@spool/api';

export const FUNCTION_FILE = 'function.yaml';

const isFunctionDocument = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as Record<string, unknown>)['kind'] === FUNCTION_KIND;

/** `path` only names the file in errors. One image holds one function, so several Functions are an error. */
export function parseFunctionYaml(text: string, path: string): ResolvedFunction {
  const documents = parseAllDocuments(text);
  const broken = documents.find((doc) => doc.errors.length > 0);
  if (broken) throw new Error(`${path}: ${broken.errors.map((e) => e.message).join('; ')}`);
  const functions = documents.map((doc) => doc.toJS() as unknown).filter(isFunctionDocument);
  if (functions.length !== 1)
    throw new Error(`${path}: expected one document of kind ${FUNCTION_KIND}, found ${functions.length}`);
  try {
    return resolveFunction(functions[0]);
  } catch (cause) {
    throw new Error(`${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
