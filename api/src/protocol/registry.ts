// The local registry: LOCAL_FUNCTIONS_KEY maps `namespace/name` to the JSON of a resolved Function, written by
// the controller and read by every gateway. An entry is checked with the same schema a Function file is.
import { MAX_MESSAGE_BYTES, decoded, parseJson, refused, type Decoded } from '../decode.js';
import {
  formatProblems,
  functionRef,
  resolveFunction,
  validateFunction,
  type ResolvedFunction,
} from '../function.js';
import { functionKey } from '../names.js';

export const encodeStoredFunction = (fn: ResolvedFunction): string => JSON.stringify(fn);

/** One field of LOCAL_FUNCTIONS_KEY: a valid Function whose own key is the field's. */
export function decodeStoredFunction(field: string, raw: string): Decoded<ResolvedFunction> {
  const parsed = parseJson(raw, MAX_MESSAGE_BYTES);
  if (!parsed.ok) return parsed;
  const problems = validateFunction(parsed.value);
  if (problems.length > 0) return refused(`not a valid Function: ${formatProblems(problems).slice(0, 500)}`);
  let fn: ResolvedFunction;
  try {
    fn = resolveFunction(parsed.value);
  } catch (error) {
    // Unreachable after validateFunction; kept so that a decoder never throws whatever resolveFunction becomes.
    return refused(error instanceof Error ? error.message : String(error));
  }
  const key = functionKey(functionRef(fn));
  return key === field ? decoded(fn) : refused(`a Function ${key} stored under ${field.slice(0, 130)}`);
}
