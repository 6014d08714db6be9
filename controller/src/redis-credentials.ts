// Where each Function's Redis password is kept, so that only its replicas get it (issue 11, item 1): a file only
// the controller's user may read (process runtime), or a Secret in the function's namespace owned by the Function
// (Kubernetes runtime). The password is made here once per Function and replaced when the Function is re-created.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import {
  REDIS_SECRET_KEY,
  functionKey,
  functionLabels,
  functionRef,
  redisSecretName,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';
import { functionOwnerReference } from './reconcile/desired.js';
import { newRedisPassword } from './redis-users.js';

export interface StoredPassword {
  readonly password: string;
  /** Made just now: none was stored, or the stored one belonged to an earlier Function of the same name. */
  readonly created: boolean;
}

export interface CredentialStore {
  /** The password of `fn`'s Redis user, made and stored when there is none for this Function. */
  read(fn: ResolvedFunction): Promise<StoredPassword>;
  /** Forgets the password of a deleted Function; nothing stored is not an error. */
  remove(ref: FunctionRef): Promise<void>;
  /**
   * The Functions this install holds a password for: the only users a resync may delete (never another install's
   * on a shared Redis).
   */
  list(): Promise<FunctionRef[]>;
}

/** `<namespace>.<name>` file names back to refs; namespaces are DNS labels (no dot), anything else is skipped. */
export function storedRefs(fileNames: readonly string[]): FunctionRef[] {
  const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  return fileNames.flatMap((file) => {
    const dot = file.indexOf('.');
    const namespace = file.slice(0, dot);
    const name = file.slice(dot + 1);
    return dot > 0 && label.test(namespace) && label.test(name) ? [{ namespace, name }] : [];
  });
}

/** 16 hex digits of the password's SHA-256: tells replicas apart by credential without revealing it. */
export const passwordDigest = (password: string): string =>
  createHash('sha256').update(password).digest('hex').slice(0, 16);

const isMissing = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';

/**
 * Process runtime: `<dir>/<namespace>.<name>`, mode 0600 in a 0700 folder. A local Function re-created after its
 * deletion gets a new password, because deletion removes the file.
 */
export function fileCredentialStore(dir: string): CredentialStore {
  const path = (ref: FunctionRef): string => join(dir, `${ref.namespace}.${ref.name}`);
  return {
    async read(fn) {
      const file = path(functionRef(fn));
      try {
        const password = (await readFile(file, 'utf8')).trim();
        if (password.length >= 16) return { password, created: false };
      } catch (error) {
        if (!isMissing(error))
          throw new Error(`reading the Redis password of ${functionKey(fn.metadata)}`, { cause: error });
      }
      const password = newRedisPassword();
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(file, password, { mode: 0o600 });
      return { password, created: true };
    },
    async remove(ref) {
      await rm(path(ref), { force: true });
    },
    async list() {
      try {
        return storedRefs(await readdir(dir));
      } catch (error) {
        if (isMissing(error)) return [];
        throw new Error('listing the stored Redis passwords', { cause: error });
      }
    },
  };
}

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null ? (error as { code?: number }).code : undefined;

/** The Secret of `fn`: owned by the Function (its uid), so the garbage collector deletes it with the Function. */
export function desiredRedisSecret(fn: ResolvedFunction, password: string): V1Secret {
  const ref = functionRef(fn);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: redisSecretName(ref),
      namespace: ref.namespace,
      labels: functionLabels(ref),
      ownerReferences: [functionOwnerReference(fn)],
    },
    stringData: { [REDIS_SECRET_KEY]: password },
  };
}

const ownedBy = (secret: V1Secret, uid: string | undefined): boolean =>
  uid !== undefined && (secret.metadata?.ownerReferences ?? []).some((o) => o.uid === uid && o.controller);

const secretPassword = (secret: V1Secret): string | undefined => {
  const encoded = secret.data?.[REDIS_SECRET_KEY];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
};

/**
 * Kubernetes runtime: the Secret `redisSecretName(fn)` in the function's namespace. A Secret owned by an earlier
 * Function of the same name (re-created before the garbage collector ran) is replaced with a new password. Read
 * once per Function uid and then kept in memory: status resyncs reconcile every function every 10 s. A Function
 * with no status yet (never reconciled) has its Secret created first, and read only if one is there.
 */
export function secretCredentialStore(kc: KubeConfig): CredentialStore {
  const core = kc.makeApiClient(CoreV1Api);
  const known = new Map<string, { uid: string; password: string }>();

  const write = async (fn: ResolvedFunction, existing: V1Secret | undefined): Promise<string> => {
    const password = newRedisPassword();
    const body = desiredRedisSecret(fn, password);
    const { namespace } = fn.metadata;
    const name = redisSecretName(functionRef(fn));
    try {
      if (existing === undefined) await core.createNamespacedSecret({ namespace, body });
      else {
        // The resourceVersion read: a concurrent writer makes this a conflict, not a lost update.
        const resourceVersion = existing.metadata?.resourceVersion;
        const metadata = { ...body.metadata, ...(resourceVersion ? { resourceVersion } : {}) };
        await core.replaceNamespacedSecret({ name, namespace, body: { ...body, metadata } });
      }
    } catch (cause) {
      throw new Error(`writing Secret ${namespace}/${name}`, { cause });
    }
    return password;
  };

  /**
   * A Function the controller never wrote a status for has no Secret of its own yet: create it straight away, one
   * request instead of a read that answers 404 and then a create. Undefined when one is there already (409).
   */
  const createFresh = async (fn: ResolvedFunction): Promise<string | undefined> => {
    const password = newRedisPassword();
    const { namespace } = fn.metadata;
    try {
      await core.createNamespacedSecret({ namespace, body: desiredRedisSecret(fn, password) });
      return password;
    } catch (error) {
      if (statusOf(error) === 409) return undefined;
      throw new Error(`writing Secret ${namespace}/${redisSecretName(functionRef(fn))}`, { cause: error });
    }
  };

  /** The Secret's password when it is this Function's own; else a new one written over whatever is there. */
  const readOrReplace = async (fn: ResolvedFunction): Promise<StoredPassword> => {
    const { namespace } = fn.metadata;
    const name = redisSecretName(functionRef(fn));
    let existing: V1Secret | undefined;
    try {
      existing = await core.readNamespacedSecret({ name, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw new Error(`reading Secret ${namespace}/${name}`, { cause: error });
    }
    const stored =
      existing !== undefined && ownedBy(existing, fn.metadata.uid) ? secretPassword(existing) : undefined;
    if (stored !== undefined && stored.length >= 16) return { password: stored, created: false };
    // Conflicts (two writers at once) throw: the work queue retries, and the next read sees the winner's.
    return { password: await write(fn, existing), created: true };
  };

  return {
    async read(fn) {
      const key = functionKey(fn.metadata);
      const uid = fn.metadata.uid;
      const cached = known.get(key);
      if (cached !== undefined && cached.uid === uid) return { password: cached.password, created: false };
      const fresh = fn.status?.conditions === undefined ? await createFresh(fn) : undefined;
      const stored = fresh === undefined ? await readOrReplace(fn) : { password: fresh, created: true };
      known.set(key, { uid: uid ?? '', password: stored.password });
      return stored;
    },
    async remove(ref) {
      known.delete(functionKey(ref));
      try {
        await core.deleteNamespacedSecret({ name: redisSecretName(ref), namespace: ref.namespace });
      } catch (error) {
        if (statusOf(error) !== 404)
          throw new Error(`deleting Secret ${ref.namespace}/${redisSecretName(ref)}`, { cause: error });
      }
    },
    // The garbage collector deletes a Function's Secret with it, so no record of a Function deleted while no
    // controller ran survives here: its user is left alone (nobody holds its password any more) and replaced
    // when a Function of that name is created again (a new password rotates the user).
    list: () => Promise.resolve([]),
  };
}
