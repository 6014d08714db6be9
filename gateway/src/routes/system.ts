// The system API (OpenFaaS paths): list and inspect functions, request a replica count, describe the provider.
// Guarded by the admin bearer token when one is configured.
import { Router, json, type NextFunction, type Request, type Response } from 'express';
import {
  SpoolError,
  functionKey,
  parseInvocationName,
  type Condition,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';
import { bearerToken, sameSecret } from '../credentials.js';
import type { AppDeps } from '../deps.js';
import { scaleQueryNamespace, scaleReplicas } from '../scale-request.js';

export const SPOOL_VERSION = '0.1.0';

export function requireAdmin(token: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (token === undefined) return next();
    if (!sameSecret(bearerToken(req.get('authorization')) ?? '', token))
      throw new SpoolError('UNAUTHORIZED', 'the system API needs Authorization: Bearer <admin token>');
    next();
  };
}

/** The controller's Ready and Valid conditions, as it last recorded them. */
const conditionsOf = async (deps: AppDeps, ref: FunctionRef): Promise<readonly Condition[]> =>
  (await deps.statuses.read(ref))?.conditions ?? [];

async function describe(deps: AppDeps, fn: ResolvedFunction): Promise<Record<string, unknown>> {
  const ref = { namespace: fn.metadata.namespace, name: fn.metadata.name };
  const [counts, conditions] = await Promise.all([
    deps.invoker.queueFor(ref).getJobCounts('waiting', 'prioritized', 'active', 'delayed'),
    conditionsOf(deps, ref),
  ]);
  const status = deps.invoker.replicasOf(ref);
  return {
    name: fn.metadata.name,
    namespace: fn.metadata.namespace,
    image: fn.spec.image,
    mode: fn.spec.mode,
    replicas: status?.replicas ?? 0,
    availableReplicas: status?.readyReplicas ?? 0,
    queued: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
    inFlight: counts['active'] ?? 0,
    retrying: counts['delayed'] ?? 0,
    scale: fn.spec.scale,
    timeoutSeconds: fn.spec.timeoutSeconds,
    lastScaleReason: status?.reason,
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
  const fromQuery = scaleQueryNamespace(req.query);
  const raw = String(req.params['name']);
  const ref = parseInvocationName(raw, fromQuery ?? deps.config.defaultNamespace);
  if (fromQuery !== undefined && ref.namespace !== fromQuery)
    throw new SpoolError(
      'INVALID_REQUEST',
      `?namespace=${fromQuery} contradicts the path's ${ref.namespace}`,
    );
  const fn = deps.registry.get(ref);
  if (!fn) throw new SpoolError('FUNCTION_NOT_FOUND', `function ${functionKey(ref)} is not deployed`);
  return fn;
}

export function systemRoutes(deps: AppDeps): Router {
  const router = Router();
  router.use('/system', requireAdmin(deps.config.adminToken));
  router.get('/system/functions', async (req, res) => {
    const namespace = typeof req.query['namespace'] === 'string' ? req.query['namespace'] : undefined;
    const fns = deps.registry
      .list()
      .filter((fn) => namespace === undefined || fn.metadata.namespace === namespace);
    res.json(await Promise.all(fns.map((fn) => describe(deps, fn))));
  });
  router.get('/system/function/:name', async (req, res) => {
    const ref = parseInvocationName(String(req.params['name']), deps.config.defaultNamespace);
    const fn = deps.registry.get(ref);
    if (!fn) throw await notDeployed(deps, ref);
    res.json(await describe(deps, fn));
  });
  router.post('/system/scale-function/:name', json({ limit: '4kb' }), async (req, res) => {
    const fn = scaleTarget(deps, req);
    const replicas = scaleReplicas(req.body, { ...fn.metadata, scale: fn.spec.scale });
    await deps.scaler.requestReplicas({ namespace: fn.metadata.namespace, name: fn.metadata.name }, replicas);
    res.status(202).json({ name: fn.metadata.name, namespace: fn.metadata.namespace, replicas });
  });
  router.get('/system/info', (_req, res) => {
    res.json({
      provider: {
        provider: 'spool',
        orchestration: deps.config.registry === 'kubernetes' ? 'kubernetes' : 'local',
        version: { release: SPOOL_VERSION },
      },
      version: { release: SPOOL_VERSION },
    });
  });
  return router;
}
