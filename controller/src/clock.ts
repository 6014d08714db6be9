// Injected time: the one Clock (api) and its system adapter (@spool/node), under the path controller modules import.
export type { Clock, Timer } from '@spool/api';
export { systemClock } from '@spool/node';
