// Stable error codes: each has one HTTP status and one entry in docs/errors.md (a test keeps them equal).

export const errorCodes = {
  FUNCTION_NOT_FOUND: { status: 404, summary: 'No function of that name is deployed in that namespace.' },
  CALL_NOT_FOUND: { status: 404, summary: 'No call with that id exists, or it is past its retention.' },
  ROUTE_NOT_FOUND: { status: 404, summary: 'No route of the HTTP API matches the path.' },
  INVALID_REQUEST: {
    status: 400,
    summary: 'The request is malformed (bad JSON body, bad header, bad parameter).',
  },
  CALLBACK_NOT_ALLOWED: {
    status: 400,
    summary:
      'The X-Callback-Url destination is refused: SPOOL_CALLBACK_ALLOW does not allow its address, or it is the gateway itself.',
  },
  REPLICAS_OUT_OF_RANGE: {
    status: 400,
    summary: "A scale request asked for more replicas than the function's scale.max.",
  },
  UNAUTHORIZED: {
    status: 401,
    summary:
      "The /system API needs the admin bearer token; /calls/ID needs the call's read token or the admin token.",
  },
  RBAC_FORBIDDEN: {
    status: 403,
    summary:
      "The gateway's Kubernetes RBAC does not allow this /system route: POST, PUT and DELETE /system/functions need the chart's gateway.deployFunctions, /system/logs needs gateway.functionLogs.",
  },
  METHOD_NOT_ALLOWED: { status: 405, summary: 'That path does not take that HTTP method.' },
  FUNCTION_CONFLICT: {
    status: 409,
    summary:
      'POST /system/functions named a function that exists (PUT updates it), or, in local mode, one defined in the functions folder, which only its file changes.',
  },
  BODY_TOO_LARGE: { status: 413, summary: "The body is larger than the function's maxBodyBytes." },
  INVALID_FUNCTION: {
    status: 422,
    summary: 'The Function resource does not validate; the message lists each problem.',
  },
  FUNCTION_CRASHED: {
    status: 502,
    summary: 'The user process exited during the call; it is being restarted.',
  },
  FUNCTION_UNAVAILABLE: {
    status: 503,
    summary:
      'The function cannot serve: its status names why (CrashLoopBackOff, ImagePullBackOff, Rejected, ...) and a sync call is answered at once, or the user process could not be reached or did not become ready.',
  },
  CALL_FAILED: {
    status: 502,
    summary: 'A fork-mode process exited non-zero; the message carries its stderr tail.',
  },
  RESPONSE_TOO_LARGE: {
    status: 502,
    summary: 'The function answered a body larger than its spec.maxResponseBytes (default 8 MiB).',
  },
  INVALID_RESPONSE: {
    status: 502,
    summary: 'The function answered something HTTP cannot pass on (a status outside 100–599).',
  },
  SHUTTING_DOWN: {
    status: 503,
    summary: 'The gateway is draining before it stops; retry on another replica.',
  },
  QUEUE_UNAVAILABLE: {
    status: 503,
    summary:
      'Redis did not accept the call within the enqueue deadline (it is refused and never runs later), or dropped while a sync call waited for its reply.',
  },
  PAYLOAD_LOST: {
    status: 503,
    summary:
      "A call's body or result, kept in Redis apart from its job, was gone (expired, deleted, or an async result evicted past its function's spec.async.retainBytes) or not the length its job recorded; the call is failed, never run with a partial body.",
  },
  CALL_TIMEOUT: {
    status: 504,
    summary: "The call ran past the function's timeoutSeconds; its process group was killed.",
  },
  QUEUE_TIMEOUT: {
    status: 504,
    summary: 'No replica took the call within the gateway queue wait; it was withdrawn.',
  },
  INTERNAL: { status: 500, summary: 'A bug in Spool; the message says where.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && Object.hasOwn(errorCodes, value);

/** An error with a stable code; the gateway's http-errors.ts turns it into `{ code, message }`. */
export class SpoolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SpoolError';
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}

/** A bad value in an env map; names the key and the value it was given. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
