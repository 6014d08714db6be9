// The system API (OpenFaaS paths): list and inspect functions, request a replica count, describe the provider.
// Guarded by the admin token when one is configured: Bearer, or HTTP Basic USER:TOKEN as OpenFaaS clients send it.
import { Router, json, type NextFunction, type Request, type Response } from 'express';
import {
  SpoolError,
  creationTimestampOf,
  functionKey,
  goArch,
  openfaasRef,
  openfaasStatus,
  parseAuthorization,
  servedNamespace,
  statusState,
  type Condition,
  type FunctionRef,
  type FunctionStatus,
  type GatewayConfig,
  type ResolvedFunction,
} from '@spool/api';
import { sameSecret } from '../credentials.js';
import type { AppDeps } from '../deps.js';
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
const conditionsOf = async (deps: AppDeps, ref: FunctionRef): Promise<readonly Condition[]> =>
  (await deps.statuses.read(ref))?.conditions ?? [];

const conditionsIn = (status: FunctionStatus | undefined): readonly Condition[] => status?.conditions ?? [];

async function describe(deps: AppDeps, fn: ResolvedFunction): Promise<Record<string, unknown>> {
  const ref = { namespace: fn.metadata.namespace, name: fn.metadata.name };
  const [counts, recorded, invocationCount] = await Promise.all([
    deps.invoker.queueFor(ref).getJobCounts('waiting', 'prioritized', 'active', 'delayed'),
    deps.statuses.read(ref),
    deps.invocationCount(ref),
  ]);
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
async function notDeployed(deps: AppDeps, ref: FunctionRef): Promise<SpoolError> {
  const valid = (await conditionsOf(deps, ref)).find((c) => c.type === 'Valid');
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
  router.get('/system/function/:name', async (req, res) => {
    const ref = openfaasRef(String(req.params['name']), deps.config, queryNamespace(deps.config, req));
    const fn = deps.registry.get(ref);
    if (!fn) throw await notDeployed(deps, ref);
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
