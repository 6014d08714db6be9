// Each running cluster's own loopback ranges for pods and Services, so clusters of several checkouts run side by side.
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, readPid } from './processes.js';

export interface ClusterNetwork {
  readonly slot: number;
  /** Pods get `<podPrefix>.x.y`, a /16 of loopback. */
  readonly podPrefix: string;
  /** The apiserver's `--service-cluster-ip-range`: loopback too, so the node's forwarders listen on ClusterIPs. */
  readonly serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP, the first address of serviceCidr. */
  readonly apiserverServiceIp: string;
}

/** Slot 0 is 127.1/16 for pods and 127.3/16 for Services; slot n moves both up by 4n. */
export const networkSlots = 16;

export function networkOf(slot: number): ClusterNetwork {
  if (!Number.isInteger(slot) || slot < 0 || slot >= networkSlots)
    throw new Error(`network slot ${slot} is not in 0…${networkSlots - 1}`);
  const services = 3 + 4 * slot;
  return {
    slot,
    podPrefix: `127.${1 + 4 * slot}`,
    serviceCidr: `127.${services}.0.0/16`,
    apiserverServiceIp: `127.${services}.0.1`,
  };
}

/** Every slot's `kubernetes` Service address: the apiserver's certificate names them all, so any slot works. */
export function allApiserverServiceIps(): readonly string[] {
  return Array.from({ length: networkSlots }, (_, slot) => networkOf(slot).apiserverServiceIp);
}

/** Claims are machine-wide: one file per slot naming the cluster folder that holds it. */
const claimsDir = join(tmpdir(), 'spool-test-cluster-networks');

interface Claim {
  readonly clusterDir: string;
  /** The `up` that made the claim; the slot stays held while it runs, before any daemon has a pid. */
  readonly upPid: number;
}

function claimFile(slot: number): string {
  return join(claimsDir, `slot-${slot}.json`);
}

function readClaim(slot: number): Claim | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(claimFile(slot), 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { clusterDir, upPid } = value as Record<string, unknown>;
    return typeof clusterDir === 'string' && typeof upPid === 'number' ? { clusterDir, upPid } : undefined;
  } catch {
    return undefined;
  }
}

/** A claim is live while its `up` runs or its cluster's apiserver does. */
function isLive(claim: Claim): boolean {
  if (isAlive(claim.upPid)) return true;
  const apiserverPid = readPid(join(claim.clusterDir, 'pids', 'kube-apiserver.pid'));
  return apiserverPid !== undefined && isAlive(apiserverPid);
}

/** Something already serves the slot's `kubernetes` Service: a cluster that made no claim (an older checkout). */
function isServed(network: ClusterNetwork): Promise<boolean> {
  return new Promise((resolveServed) => {
    const socket = connect({ host: network.apiserverServiceIp, port: 443, timeout: 500 });
    const done = (served: boolean): void => {
      socket.destroy();
      resolveServed(served);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function tryClaim(slot: number, claim: Claim): boolean {
  try {
    const fd = openSync(claimFile(slot), 'wx');
    writeFileSync(fd, JSON.stringify(claim) + '\n');
    closeSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** The first slot no other live cluster holds or serves; this cluster's own claim is kept. */
export async function claimNetwork(clusterDir: string): Promise<ClusterNetwork> {
  mkdirSync(claimsDir, { recursive: true });
  const claim: Claim = { clusterDir, upPid: process.pid };
  for (let slot = 0; slot < networkSlots; slot++) {
    const held = readClaim(slot);
    if (held && held.clusterDir !== clusterDir && isLive(held)) continue;
    if (held) rmSync(claimFile(slot), { force: true }); // ours from an earlier run, or stale
    if (await isServed(networkOf(slot))) continue;
    if (tryClaim(slot, claim)) return networkOf(slot);
  }
  throw new Error(`every one of the ${networkSlots} network slots is held by a running test cluster`);
}

/** Gives the slot back, if this cluster holds it. */
export function releaseNetwork(clusterDir: string, slot: number): void {
  const held = readClaim(slot);
  if (held?.clusterDir === clusterDir && existsSync(claimFile(slot)))
    rmSync(claimFile(slot), { force: true });
}
