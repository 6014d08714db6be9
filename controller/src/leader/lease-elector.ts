// Leader election on a coordination.k8s.io Lease: only the holder runs the reconciler and autoscaler;
// another replica takes over within one lease duration of the holder going silent.
import type { CoordinationV1Api, V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import type { Clock, Timer } from '../clock.js';
import type { Log } from '../log.js';
import type { Elector, LeadershipHandlers } from './elector.js';
import { decideLeadership, observe, type LeaseRecord, type Observed } from './decide-leadership.js';

export interface LeaseElectorOptions {
  readonly api: CoordinationV1Api;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly retryPeriodMs: number;
  readonly clock: Pick<Clock, 'now' | 'setTimer'>;
  readonly log: Log;
}

/** `onStoppedLeading` is called when a held lease could not be renewed in time; close() releases the lease. */
export type LeaseElector = Elector;

/**
 * Lease times are MicroTime (RFC 3339 with six fractional digits); client-node would send a Date with three,
 * which the API server refuses, so the string is passed through in the form it expects.
 */
const microTime = (ms: number): Date => new Date(ms).toISOString().replace(/Z$/, '000Z') as unknown as Date;

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

const recordOf = (lease: V1Lease): LeaseRecord => ({
  holder: lease.spec?.holderIdentity || undefined,
  renewTime: lease.spec?.renewTime ? new Date(lease.spec.renewTime).toISOString() : undefined,
  leaseDurationSeconds: lease.spec?.leaseDurationSeconds ?? 15,
});

/** Holder fields for `identity` taking or renewing `lease` at `now`. */
function heldBy(lease: V1Lease | undefined, identity: string, now: Date): V1LeaseSpec {
  const spec = lease?.spec ?? {};
  if (lease && spec.holderIdentity === identity) return { ...spec, renewTime: now };
  const transitions = (spec.leaseTransitions ?? 0) + (lease ? 1 : 0);
  return { holderIdentity: identity, acquireTime: now, renewTime: now, leaseTransitions: transitions };
}

export function createLeaseElector(o: LeaseElectorOptions): LeaseElector {
  let observed: Observed | undefined;
  let current: V1Lease | undefined;
  let leading = false;
  let lastRenewMs = 0;
  let timer: Timer | undefined;
  let closed = false;
  let handlers: LeadershipHandlers | undefined;

  const claim = (lease: V1Lease | undefined): V1Lease => {
    const now = microTime(o.clock.now());
    const resourceVersion = lease?.metadata?.resourceVersion;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      // resourceVersion makes the write conditional: of two replicas racing, one gets 409.
      metadata: { name: o.name, namespace: o.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: { ...heldBy(lease, o.identity, now), leaseDurationSeconds: o.leaseDurationSeconds },
    };
  };

  const read = async (): Promise<V1Lease | undefined> => {
    try {
      return await o.api.readNamespacedLease({ name: o.name, namespace: o.namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };

  const write = async (lease: V1Lease | undefined): Promise<V1Lease> => {
    const body = claim(lease);
    return lease
      ? o.api.replaceNamespacedLease({ name: o.name, namespace: o.namespace, body })
      : o.api.createNamespacedLease({ namespace: o.namespace, body });
  };

  const setLeading = (next: boolean): void => {
    if (next === leading) return;
    leading = next;
    o.log.info(next ? 'started-leading' : 'stopped-leading', {
      lease: `${o.namespace}/${o.name}`,
      identity: o.identity,
    });
    if (handlers) (next ? handlers.onStartedLeading : handlers.onStoppedLeading)();
  };

  const attempt = async (): Promise<void> => {
    current = await read();
    const now = o.clock.now();
    observed = current ? observe(observed, recordOf(current), now) : undefined;
    const action = decideLeadership(observed, o.identity, now);
    if (action === 'follow') return setLeading(false);
    try {
      current = await write(current);
      lastRenewMs = now;
      setLeading(true);
    } catch (error) {
      // 409: another replica wrote first; it leads, and we read again next period.
      if (statusOf(error) !== 409) throw error;
      setLeading(false);
    }
  };

  const loop = (): void => {
    if (closed) return;
    attempt()
      .catch((error: unknown) => {
        o.log.warn('lease-attempt-failed', { error: String(error) });
        // A leader that cannot renew within the lease duration must assume someone else now leads.
        if (leading && o.clock.now() - lastRenewMs > o.leaseDurationSeconds * 1000) setLeading(false);
      })
      .finally(() => {
        if (!closed) timer = o.clock.setTimer(o.retryPeriodMs, loop);
      });
  };

  return {
    isLeader: () => leading,
    start: (h) => {
      handlers = h;
      loop();
    },
    async close() {
      closed = true;
      timer?.cancel();
      if (!leading || !current) return;
      leading = false;
      const spec = { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1 };
      await o.api
        .replaceNamespacedLease({ name: o.name, namespace: o.namespace, body: { ...current, spec } })
        .catch((error: unknown) => o.log.error('lease-release-failed', { error: String(error) }));
    },
  };
}
