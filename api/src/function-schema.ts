// The Function resource, defined once: its types, defaults, validation and the CRD schema all derive from here.
import {
  array,
  defaulted,
  integer,
  map,
  object,
  optional,
  required,
  string,
  type Input,
  type Resolved,
} from './schema.js';
import { WATCHDOG_PORT } from './names.js';

const MiB = 1024 * 1024;

/** The env var name rule Kubernetes applies to container env (C identifier, no leading digit). */
const envName = string({
  description: 'Variable name.',
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  maxLength: 253,
});

export const scaleSchema = object({
  description: 'How replicas follow the queue: from `min` (0 scales to zero) up to `max`.',
  properties: {
    min: defaulted(
      integer({
        description: 'Fewest replicas; 0 lets the function scale to zero.',
        minimum: 0,
        maximum: 1000,
      }),
      0,
    ),
    max: defaulted(integer({ description: 'Most replicas.', minimum: 1, maximum: 1000 }), 20),
    targetPerReplica: defaulted(
      integer({
        description: 'Calls (queued plus running) one replica is sized for.',
        minimum: 1,
        maximum: 10000,
      }),
      10,
    ),
    idleSeconds: defaulted(
      integer({
        description: 'Seconds without any call before scaling to `min` (to zero by default).',
        minimum: 1,
        maximum: 86400,
      }),
      300,
    ),
    scaleDownDelaySeconds: defaulted(
      integer({
        description:
          'Window over which the highest recommendation is kept before scaling down (stabilisation).',
        minimum: 0,
        maximum: 3600,
      }),
      30,
    ),
  },
  rules: [
    {
      cel: 'self.min <= self.max',
      message: 'scale.min must not exceed scale.max',
      holds: (s) => (s['min'] as number) <= (s['max'] as number),
    },
  ],
});

export const asyncSchema = object({
  description: 'How calls made through /async-function are retried and kept.',
  properties: {
    maxAttempts: defaulted(
      integer({ description: 'Attempts before an async call is kept as failed.', minimum: 1, maximum: 100 }),
      3,
    ),
    backoffSeconds: defaulted(
      integer({
        description: 'First retry delay; each further retry doubles it.',
        minimum: 0,
        maximum: 3600,
      }),
      1,
    ),
    retainSeconds: defaulted(
      integer({
        description: 'How long a finished call and its result stay readable at /calls/ID.',
        minimum: 0,
        maximum: 604800,
      }),
      3600,
    ),
    retainBytes: defaulted(
      integer({
        description:
          'Most bytes of results kept apart (over 32 KiB) that finished calls retain at once; past it the oldest go first, so /calls/ID answers PAYLOAD_LOST for them. The newest result is always kept.',
        minimum: 0,
        maximum: 17179869184,
      }),
      67108864,
    ),
  },
});

export const functionSpecSchema = object({
  description: 'A function: a container image whose process the watchdog runs for each queued call.',
  properties: {
    image: required(
      string({ description: 'Container image holding the user code.', minLength: 1, maxLength: 1024 }),
    ),
    command: required(
      array({
        description: 'The user process, started by the watchdog (the container entrypoint is the watchdog).',
        items: string({ description: 'An argument.' }),
        minItems: 1,
      }),
    ),
    args: defaulted(
      array({
        description: 'Arguments appended to `command`.',
        items: string({ description: 'An argument.' }),
      }),
      [],
    ),
    workingDir: optional(string({ description: 'Working directory of the user process.', minLength: 1 })),
    env: defaulted(
      array({
        description: 'Environment of the user process.',
        items: object({
          description: 'One variable.',
          properties: { name: required(envName), value: defaulted(string({ description: 'Value.' }), '') },
        }),
      }),
      [],
    ),
    mode: defaulted(
      string<'http' | 'fork'>({
        description:
          '`http`: a warm server started once and sent each call; `fork`: one process per call, body on stdin, response on stdout.',
        enum: ['http', 'fork'],
      }),
      'http',
    ),
    port: defaulted(
      integer({
        description: 'Port the user server listens on in `http` mode (given to it as PORT).',
        minimum: 1,
        maximum: 65535,
      }),
      8080,
    ),
    timeoutSeconds: defaulted(
      integer({
        description: 'Hard limit on one call; past it the process group is killed and the call answers 504.',
        minimum: 1,
        maximum: 3600,
      }),
      30,
    ),
    concurrency: defaulted(
      integer({ description: 'Calls in flight at once in one replica.', minimum: 1, maximum: 1000 }),
      10,
    ),
    maxBodyBytes: defaulted(
      integer({
        description: 'Largest request body accepted; larger ones answer 413.',
        minimum: 1,
        maximum: 64 * MiB,
      }),
      4 * MiB,
    ),
    maxResponseBytes: defaulted(
      integer({
        description:
          'Largest response body passed on; the watchdog stops reading past it and the call answers 502 RESPONSE_TOO_LARGE.',
        minimum: 1,
        maximum: 64 * MiB,
      }),
      8 * MiB,
    ),
    scale: defaulted(scaleSchema, {}),
    replicas: optional(
      integer({
        description:
          'A one-shot scale request, as written by `kubectl scale` or the gateway through the `/scale` subresource: the controller holds at least this many replicas for `scale.idleSeconds` (0 drops to `scale.min` at once), then removes the field. Leave it out of manifests.',
        minimum: 0,
        maximum: 1000,
      }),
    ),
    async: defaulted(asyncSchema, {}),
    resources: optional(
      object({
        description: 'Compute resources of the function container, as in a Kubernetes container.',
        properties: {
          requests: optional(
            map({
              description: 'Requested quantities, e.g. cpu: 100m.',
              values: string({ description: 'Quantity.' }),
            }),
          ),
          limits: optional(
            map({ description: 'Limits, e.g. memory: 256Mi.', values: string({ description: 'Quantity.' }) }),
          ),
        },
      }),
    ),
  },
  rules: [
    {
      cel: `self.port != ${WATCHDOG_PORT}`,
      message: `port must not be ${WATCHDOG_PORT}, the watchdog's own port`,
      holds: (s) => s['port'] !== WATCHDOG_PORT,
    },
  ],
});

export const conditionSchema = object({
  description: 'A condition, as in Kubernetes (type, status, reason, message).',
  properties: {
    type: required(string({ description: 'Ready or Valid.' })),
    status: required(
      string<'True' | 'False' | 'Unknown'>({
        description: 'True, False or Unknown.',
        enum: ['True', 'False', 'Unknown'],
      }),
    ),
    reason: required(string({ description: 'One CamelCase word a program can match.' })),
    message: defaulted(string({ description: 'For people.' }), ''),
    lastTransitionTime: required(string({ description: 'RFC 3339 time the status last changed.' })),
    observedGeneration: optional(
      integer({ description: 'Generation the condition was computed from.', minimum: 0 }),
    ),
  },
});

export const functionStatusSchema = object({
  description: 'What the controller last observed.',
  properties: {
    observedGeneration: optional(
      integer({ description: 'Generation of the spec last reconciled.', minimum: 0 }),
    ),
    replicas: optional(integer({ description: 'Replicas wanted by the autoscaler.', minimum: 0 })),
    readyReplicas: optional(integer({ description: 'Replicas ready to take calls.', minimum: 0 })),
    queued: optional(integer({ description: 'Calls waiting in the queue.', minimum: 0 })),
    state: optional(
      string({
        description:
          'One short word for people and the STATUS column: Ready, Idle, Starting, CrashLoop, ImagePull, Invalid, ...',
      }),
    ),
    conditions: optional(array({ description: 'Ready and Valid.', items: conditionSchema })),
  },
});

/** A Function's spec as written by a user: defaulted fields may be left out. */
export type FunctionSpecInput = Input<typeof functionSpecSchema>;
/** A Function's spec with every default filled in. */
export type FunctionSpec = Resolved<typeof functionSpecSchema>;
export type ScaleSpec = Resolved<typeof scaleSchema>;
export type AsyncSpec = Resolved<typeof asyncSchema>;
export type FunctionStatus = Resolved<typeof functionStatusSchema>;
export type Condition = Resolved<typeof conditionSchema>;
