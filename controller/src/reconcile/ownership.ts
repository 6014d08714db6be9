// Whether an existing `fn-NAME` Deployment is this Function's to manage (issue 11 item 9): the controller never
// takes over a Deployment that someone else made, even when it has the name Spool would give it. Pure.
import { FUNCTION_API_VERSION, FUNCTION_KIND, functionLabels, type FunctionRef } from '@spool/api';

/** The parts of a Deployment's metadata ownership is decided from. */
export interface ExistingObject {
  readonly name: string;
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly ownerReferences?:
    | readonly { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[]
    | undefined;
}

const MANAGED_BY = 'app.kubernetes.io/managed-by';

/**
 * Why `existing` is not this Function's Deployment, or undefined when it is: it must carry Spool's managed-by
 * label and a controller ownerReference to this Function (by uid, when the Function's uid is known; a Deployment
 * of an earlier Function of the same name is garbage collected, and until then it is not ours either).
 */
type OwnerReference = NonNullable<ExistingObject['ownerReferences']>[number];

/** A controller reference to this Function: same API group, kind and name, and uid when the Function's is known. */
function isThisFunction(owner: OwnerReference, ref: FunctionRef, uid: string | undefined): boolean {
  const sameGroup = owner.apiVersion.split('/')[0] === FUNCTION_API_VERSION.split('/')[0];
  const sameUid = uid === undefined || uid === '' || owner.uid === uid;
  return sameGroup && owner.kind === FUNCTION_KIND && owner.name === ref.name && sameUid;
}

export function deploymentConflict(
  ref: FunctionRef,
  uid: string | undefined,
  existing: ExistingObject,
): string | undefined {
  const owner = existing.ownerReferences?.find((o) => o.controller === true);
  const ownedByThis = owner !== undefined && isThisFunction(owner, ref, uid);
  const managed = existing.labels?.[MANAGED_BY] === functionLabels(ref)[MANAGED_BY];
  if (ownedByThis && managed) return undefined;
  const controlledBy = owner === undefined ? 'no controller' : `controller ${owner.kind}/${owner.name}`;
  const label = managed ? '' : `, no ${MANAGED_BY}=spool label`;
  return (
    `Deployment ${existing.namespace}/${existing.name} already exists and is not managed by this Function ` +
    `(${controlledBy}${label}); Spool leaves it alone: delete or rename it, or rename the Function`
  );
}
