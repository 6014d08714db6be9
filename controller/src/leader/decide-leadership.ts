// Whether this replica should lead, from the Lease it last saw (pure). Expiry is measured from when this
// replica saw the record change, not from the holder's renewTime, so clock skew between nodes cannot
// make two replicas lead at once (client-go's leaderelection does the same).

export interface LeaseRecord {
  readonly holder: string | undefined;
  /** Holder's own renew time, used only to notice that the record changed. */
  readonly renewTime: string | undefined;
  readonly leaseDurationSeconds: number;
}

export interface Observed {
  readonly record: LeaseRecord;
  /** When this replica first saw `record` as it is now. */
  readonly seenAtMs: number;
}

export type LeadershipAction = 'create' | 'renew' | 'acquire' | 'follow';

export const sameRecord = (a: LeaseRecord, b: LeaseRecord): boolean =>
  a.holder === b.holder && a.renewTime === b.renewTime && a.leaseDurationSeconds === b.leaseDurationSeconds;

/** Carries `seenAtMs` over while the record is unchanged. */
export function observe(previous: Observed | undefined, record: LeaseRecord, nowMs: number): Observed {
  return previous && sameRecord(previous.record, record) ? previous : { record, seenAtMs: nowMs };
}

export function decideLeadership(
  observed: Observed | undefined,
  identity: string,
  nowMs: number,
): LeadershipAction {
  if (!observed) return 'create';
  const { record, seenAtMs } = observed;
  if (record.holder === identity) return 'renew';
  if (!record.holder) return 'acquire';
  return nowMs >= seenAtMs + record.leaseDurationSeconds * 1000 ? 'acquire' : 'follow';
}
