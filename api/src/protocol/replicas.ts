// The autoscaler's messages: replica status (stored in REPLICA_STATUS_KEY and broadcast on `channels.scaled`),
// wake events, scale requests on `channels.scaleRequest`.
import { decodeJson, objectOf, refused, stringOf, type Decoded, type Decoder } from '../decode.js';
import type { ReplicaStatus, ScaleRequest } from '../job.js';
import { MAX_CONTROL_MESSAGE_BYTES, epochMs, functionKeyField, replicaCount } from './fields.js';

const replicaStatus: Decoder<ReplicaStatus> = objectOf({
  key: functionKeyField,
  replicas: replicaCount,
  readyReplicas: replicaCount,
  reason: stringOf({ maxLength: 256 }),
  atMs: epochMs,
});

/** A field of REPLICA_STATUS_KEY or a message on `channels.scaled`. */
export const decodeReplicaStatus = (raw: string): Decoded<ReplicaStatus> =>
  decodeJson(raw, replicaStatus, MAX_CONTROL_MESSAGE_BYTES);

export const encodeReplicaStatus = (status: ReplicaStatus): string => JSON.stringify(status);

/**
 * A hash field of REPLICA_STATUS_KEY: the status must be the one of the function its field names, or a writer
 * could make one function's status read as another's.
 */
export function decodeStoredReplicaStatus(field: string, raw: string): Decoded<ReplicaStatus> {
  const status = decodeReplicaStatus(raw);
  if (status.ok && status.value.key !== field)
    return refused(`key: must be the field's own ${JSON.stringify(field.slice(0, 130))}`);
  return status;
}

/** A function key as a message: a wake event's payload, or a local registry change notice's. */
export const decodeFunctionKey = (raw: string): Decoded<string> => functionKeyField(raw);

/** A wake event's payload is the key of the function to tick: `namespace/name`. */
export const decodeWakeKey = decodeFunctionKey;

export const encodeWakeKey = (key: string): string => key;

const scaleRequest: Decoder<ScaleRequest> = objectOf({ key: functionKeyField, replicas: replicaCount });

/** A message on `channels.scaleRequest`: an operator's replica count for one function. */
export const decodeScaleRequest = (raw: string): Decoded<ScaleRequest> =>
  decodeJson(raw, scaleRequest, MAX_CONTROL_MESSAGE_BYTES);

export const encodeScaleRequest = (request: ScaleRequest): string => JSON.stringify(request);
