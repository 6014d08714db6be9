// What the controller records about a Function, decoded without trusting the store: its status (local mode keeps
// it in a Redis hash the gateway reads). The scale request annotation is in protocol/replicas.ts.
import { decodeJson, decoded, isRecord, refused, type Decoded } from './decode.js';
import { functionStatusSchema, type FunctionStatus } from './function-schema.js';
import { validate, withDefaults } from './schema.js';

/** A status as the CRD's schema allows it (every condition typed, no unknown fields), or why not. */
export function decodeFunctionStatus(value: unknown): Decoded<FunctionStatus> {
  if (!isRecord(value)) return refused('status must be an object');
  const status = withDefaults(functionStatusSchema, value);
  const problems = validate(functionStatusSchema, status, 'status');
  if (problems.length > 0) return refused(problems.map((p) => `${p.path} ${p.message}`).join('; '));
  // Checked against the schema the type is derived from, so the cast holds.
  return decoded(status as FunctionStatus);
}

/** A status stored as JSON (local mode's `FUNCTION_STATUS_KEY`). */
export const decodeFunctionStatusJson = (raw: string): Decoded<FunctionStatus> =>
  decodeJson(raw, decodeFunctionStatus);
