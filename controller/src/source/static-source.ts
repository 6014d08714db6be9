// A fixed set of Functions: for embedding the controller and for tests that bring their own functions.
import { functionKey, functionRef, type ResolvedFunction } from '@spool/api';
import type { DesiredFunction, FunctionSource } from './source.js';

export function staticSource(functions: readonly ResolvedFunction[]): FunctionSource {
  const byKey = new Map<string, DesiredFunction>(
    functions.map((fn) => [functionKey(functionRef(fn)), { object: fn }]),
  );
  return {
    start: () => Promise.resolve(),
    get: (key) => byKey.get(key),
    keys: () => [...byKey.keys()],
    close: () => Promise.resolve(),
  };
}
