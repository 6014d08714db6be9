// The system API (OpenFaaS paths): list and inspect functions, request a replica count, describe the provider.
// Guarded by the admin token when one is configured: Bearer, or HTTP Basic USER:TOKEN as OpenFaaS clients send it.
import { Router, json, type NextFunction, type Request, type Response } from 'express';
import {
  SpoolError,
  creationTimestampOf,
  deleteTarget,
  functionFromDeployment,
  functionKey,
  goArch,
  logLine,
  logRequestOf,
  openfaasRef,
  openfaasStatus,
  parseAuthorization,
  servedNamespace,
  statusState,
  type Condition,
  type Decoded,
  type FunctionRef,
  type FunctionStatus,
  type GatewayConfig,
  type ResolvedFunction,
} from '@spool/api';
import { sameSecret } from '../credentials.js';
import type { AppDeps } from '../deps.js';
import { isDeployedThroughApi } from '../function-writer.js';
import { scaleQueryNamespace, scaleReplicas } from '../scale-request.js';

export const SPOOL_VERSION = '0.1.0';

/** Both the user (Basic only) and the token are compared in constant time, each whatever the other's result. */
export function isAdmin(header: string | undefined, token: string, user: string): boolean {
  const given = parseAuthorization(header);
  if (given.scheme === 'none') return false;
  const tokenOk = sameSecret(given.token, token);
  const userOk = given.scheme === 'bearer' || sameSecret(given.user, user);
  return tokenOk && userOk;
}

export function requireAdmin(token: string | undefined, user = 'admin') {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (token === undefined) return next();
    if (!isAdmin(req.get('authorization'), token, user)) {
      // faas-cli reads the challenge to tell a login problem from another failure.
      res.set('www-authenticate', 'Basic realm="spool"');
      throw new SpoolError(
        'UNAUTHORIZED',
        'the system API needs Authorization: Bearer <admin token> or Basic <user>:<admin token>',
      );
    }
    next();
  };
}

/** `?namespace=` when given once as a string, with the OpenFaaS alias applied. */
function queryNamespace(config: GatewayConfig, req: Request): string | undefined {
  const raw = req.query['namespace'];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string')
    throw new SpoolError('INVALID_REQUEST', 'query parameter "namespace" is repeated');
  return servedNamespace(raw, config);
}

/** The controller's Ready and Valid conditions, as it last recorded them. */
const conditionsOf = (deps: AppDeps, ref: FunctionRef): readonly Condition[] =>
  deps.statuses.read(ref)?.conditions ?? [];

const conditionsIn = (status: FunctionStatus | undefined): readonly Condition[] => status?.conditions ?? [];

/** Where a Function is defined: through /system/functions, else the folder's (local) or kubectl's (Kubernetes). */
const sourceOf = (deps: AppDeps, fn: ResolvedFunction): string => {
  if (isDeployedThroughApi(fn)) return 'system-api';
  return deps.config.registry === 'kubernetes' ? 'kubernetes' : 'folder';
};

async function describe(deps: AppDeps, fn: ResolvedFunction): Promise<Record<string, unknown>> {
  const ref = { namespace: fn.metadata.namespace, name: fn.metadata.name };
  const [counts, invocationCount] = await Promise.all([
    deps.invoker.queueFor(ref).getJobCounts('waiting', 'prioritized', 'active', 'delayed'),
    deps.invocationCount(ref),
  ]);
  const recorded = deps.statuses.read(ref);
  const conditions = conditionsIn(recorded);
  const status = deps.invoker.replicasOf(ref);
  // OpenFaaS's FunctionStatus fields first, Spool's own beside them.
  return {
    ...openfaasStatus(fn, {
      replicas: status?.replicas ?? 0,
      availableReplicas: status?.readyReplicas ?? 0,
      invocationCount,
      createdAt: creationTimestampOf(fn),
    }),
    // Where the Function is defined: deployed through /system/functions, or the folder's / kubectl's.
    source: sourceOf(deps, fn),
    mode: fn.spec.mode,
    queued: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
    inFlight: counts['active'] ?? 0,
    retrying: counts['delayed'] ?? 0,
    scale: fn.spec.scale,
    timeoutSeconds: fn.spec.timeoutSeconds,
    lastScaleReason: status?.reason,
    // The STATUS word and, when no replica can serve, why (issue 12); the reasons are in function-reference.md.
    state: statusState({ conditions }),
    conditions,
  };
}

/** Not served: a Function whose spec was refused says why (its Valid condition), others are simply unknown. */
function notDeployed(deps: AppDeps, ref: FunctionRef): SpoolError {
  const valid = conditionsOf(deps, ref).find((c) => c.type === 'Valid');
  const why = valid?.status === 'False' ? `: its spec is invalid: ${valid.message}` : '';
  return new SpoolError('FUNCTION_NOT_FOUND', `function ${functionKey(ref)} is not deployed${why}`);
}

/** `NAME.NAMESPACE` in the path or `NAME?namespace=NAMESPACE` (OpenFaaS); both at once must agree. */
function scaleTarget(deps: AppDeps, req: Request): ResolvedFunction {
  const rawQuery = scaleQueryNamespace(req.query);
  const fromQuery = rawQuery === undefined ? undefined : servedNamespace(rawQuery, deps.config);
  const raw = String(req.params['name']);
  const ref = openfaasRef(raw, deps.config, fromQuery);
  if (fromQuery !== undefined && ref.namespace !== fromQuery)
    throw new SpoolError(
      'INVALID_REQUEST',
      `?namespace=${fromQuery} contradicts the path's ${ref.namespace}`,
    );
  const fn = deps.registry.get(ref);
  if (!fn) throw new SpoolError('FUNCTION_NOT_FOUND', `function ${functionKey(ref)} is not deployed`);
  return fn;
}

/**
 * `GET /system/namespaces`: the namespaces configured to be served (Kubernetes mode with SPOOL_NAMESPACES), else the
 * default namespace and every namespace a served function lives in. The OpenFaaS alias is not listed: it is a name
 * for the default namespace, not one more.
 */
function servedNamespaces(deps: AppDeps): string[] {
  if (deps.config.namespaces.length > 0) return [...deps.config.namespaces].sort();
  const found = new Set([
    deps.config.defaultNamespace,
    ...deps.registry.list().map((fn) => fn.metadata.namespace),
  ]);
  return [...found].sort();
}

/** A decoded request body, or 400 naming what is wrong with it. */
function accepted<T>(result: Decoded<T>): T {
  if (!result.ok) throw new SpoolError('INVALID_REQUEST', result.error);
  return result.value;
}

/** FunctionDeployments are small; 1 MiB leaves room for large env maps and annotations. */
const DEPLOYMENT_BODY_LIMIT = '1mb';

/** POST, PUT and DELETE /system/functions: create, update (202, as OpenFaaS) and remove a Function. */
function deployRoutes(deps: AppDeps, router: Router): void {
  // Any Content-Type: a client that leaves it out still sends JSON (faas-provider's handlers never look).
  const body = json({ limit: DEPLOYMENT_BODY_LIMIT, type: () => true });
  const deployment = (req: Request) => {
    const fn = accepted(functionFromDeployment(req.body, deps.config, queryNamespace(deps.config, req)));
    return {
      ref: { namespace: fn.metadata.namespace ?? deps.config.defaultNamespace, name: fn.metadata.name },
      fn,
    };
  };
  router.post('/system/functions', body, async (req, res) => {
    const { ref, fn } = deployment(req);
    await deps.functions.create(ref, fn);
    res.status(202).end();
  });
  router.put('/system/functions', body, async (req, res) => {
    const { ref, fn } = deployment(req);
    await deps.functions.update(ref, fn);
    res.status(202).end();
  });
  router.delete('/system/functions', body, async (req, res) => {
    await deps.functions.remove(
      accepted(deleteTarget(req.body, deps.config, queryNamespace(deps.config, req))),
    );
    res.status(202).end();
  });
}

/**
 * `GET /system/logs`: NDJSON, one faas-provider logs.Message per line. The response starts with the first line
 * or once the history is out, so a refusal before then is still a JSON error; `follow` streams until the client
 * leaves (its connection closing aborts the reader).
 */
async function streamLogs(deps: AppDeps, req: Request, res: Response): Promise<void> {
  const request = accepted(logRequestOf(req.query, deps.config));
  if (!deps.registry.get(request.ref)) throw notDeployed(deps, request.ref);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const start = (): void => {
    if (res.headersSent) return;
    res.status(200).set('content-type', 'application/x-ndjson');
    res.flushHeaders();
  };
  await deps.logs.stream(
    request,
    {
      emit: (message) => {
        start();
        res.write(logLine(message));
      },
      ready: start,
    },
    abort.signal,
  );
  start();
  res.end();
}

export function systemRoutes(deps: AppDeps): Router {
  const router = Router();
  router.use('/system', requireAdmin(deps.config.adminToken, deps.config.adminUser));
  router.get('/system/functions', async (req, res) => {
    const namespace = queryNamespace(deps.config, req);
    const fns = deps.registry
      .list()
      .filter((fn) => namespace === undefined || fn.metadata.namespace === namespace);
    res.json(await Promise.all(fns.map((fn) => describe(deps, fn))));
  });
  deployRoutes(deps, router);
  router.get('/system/function/:name', async (req, res) => {
    const ref = openfaasRef(String(req.params['name']), deps.config, queryNamespace(deps.config, req));
    const fn = deps.registry.get(ref);
    if (!fn) throw notDeployed(deps, ref);
    res.json(await describe(deps, fn));
  });
  router.post('/system/scale-function/:name', json({ limit: '4kb' }), async (req, res) => {
    const fn = scaleTarget(deps, req);
    const { defaultNamespace, openfaasNamespace } = deps.config;
    const replicas = scaleReplicas(req.body, {
      ...fn.metadata,
      scale: fn.spec.scale,
      namespaceAliases:
        fn.metadata.namespace === defaultNamespace && openfaasNamespace !== '' ? [openfaasNamespace] : [],
    });
    await deps.scaler.requestReplicas({ namespace: fn.metadata.namespace, name: fn.metadata.name }, replicas);
    res.status(202).json({ name: fn.metadata.name, namespace: fn.metadata.namespace, replicas });
  });
  router.get('/system/logs', (req, res) => streamLogs(deps, req, res));
  router.get('/system/namespaces', (_req, res) => {
    res.json(servedNamespaces(deps));
  });
  router.get('/system/info', (_req, res) => {
    // faas-provider VersionInfo and the gateway's GatewayInfo; `commit_message` is omitempty there, so left out.
    const version = { release: SPOOL_VERSION, sha: deps.config.buildSha };
    res.json({
      provider: {
        provider: 'spool',
        orchestration: deps.config.registry === 'kubernetes' ? 'kubernetes' : 'local',
        version,
      },
      version,
      arch: goArch(process.arch),
    });
  });
  return router;
}
