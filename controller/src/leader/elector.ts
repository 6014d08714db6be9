// Who may act: only the leader reconciles and scales. Kubernetes mode elects one on a Lease (lease-elector.ts);
// local mode has one controller per folder and Redis, and is always the leader.

export interface LeadershipHandlers {
  readonly onStartedLeading: () => void;
  /** A held lead was lost; the safe reaction is to stop acting at once. */
  readonly onStoppedLeading: () => void;
}

export interface Elector {
  start(handlers: LeadershipHandlers): void;
  isLeader(): boolean;
  /** Stops trying and, if leading, hands the lead over at once. */
  close(): Promise<void>;
}

export function alwaysLeader(): Elector {
  let leading = false;
  return {
    start: ({ onStartedLeading }) => {
      leading = true;
      onStartedLeading();
    },
    isLeader: () => leading,
    close: () => {
      leading = false;
      return Promise.resolve();
    },
  };
}
