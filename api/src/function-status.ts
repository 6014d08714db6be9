// What the controller records about a Function, decoded without trusting the store: its status (local mode keeps
// it in a Redis hash the gateway reads) and the scale request the gateway writes on a Function in Kubernetes mode.
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

/** `/system/scale-function` in Kubernetes mode: the count asked for, and when (ms since the epoch). */
export interface ScaleRequestAnnotation {
  readonly replicas: number;
  readonly atMs: number;
}

/** The value of `SCALE_REQUEST_ANNOTATION`: `{"replicas": N, "at": <ms>}`. */
export const scaleRequestAnnotation = (replicas: number, atMs: number): string =>
  JSON.stringify({ replicas, at: atMs });

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function decodeScaleRequestAnnotation(raw: string): Decoded<ScaleRequestAnnotation> {
  return decodeJson(raw, (value) => {
    if (!isRecord(value)) return refused('scale request must be an object');
    const { replicas, at } = value;
    if (!isCount(replicas)) return refused('scale request replicas must be an integer ≥ 0');
    if (!isCount(at)) return refused('scale request at must be a time in ms');
    return decoded({ replicas, atMs: at });
  });
}
