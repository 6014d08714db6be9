// Malformed messages from Redis are dropped, never thrown: logged once per source and then at most every 10 s.
import { dropLog } from '@spool/api';
import { silentLogger, type Logger } from '@spool/node';

/** Drops one message from `source` (a channel or key, never message text) refused for `error`. */
export type DropMessage = (source: string, error: string) => void;

export function droppedMessages(log: Logger = silentLogger, now: () => number = Date.now): DropMessage {
  const limiter = dropLog();
  return (source, error) => {
    const dropped = limiter.drop(source, now());
    if (dropped !== undefined)
      log.warn('dropped a malformed message', { source, error: error.slice(0, 300), dropped });
  };
}
