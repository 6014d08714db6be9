// The callback job: queued on CALLBACK_QUEUE by a watchdog when an async call with a callback URL ends, and
// delivered by a gateway. It arrives as BullMQ's parsed `job.data`.
import { objectOf, type Decoder } from '../decode.js';
import type { CallbackJob } from '../job.js';
import { callIdField, callbackUrlField } from './fields.js';
import { decodeInvocationResult } from './invocation.js';

export const decodeCallbackJob: Decoder<CallbackJob> = objectOf({
  callId: callIdField,
  callbackUrl: callbackUrlField,
  result: decodeInvocationResult,
});
