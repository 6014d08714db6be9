// Where desired Functions come from (style rule 18): a folder watched live in local mode, the Function informer in
// Kubernetes mode. A source only says which keys changed; reconcile reads the current object by key (level-triggered).
import type { FunctionResource } from '@spool/api';

/** A desired Function as its source holds it: not validated yet (reconcile does that). */
export interface DesiredFunction {
  /**
   * The object as written. Only `metadata.name` (and `namespace`, when set) are known to be strings: a user's
   * file may hold anything else, so readers go through `validateFunction`.
   */
  readonly object: FunctionResource;
  /** Where it was read from, named in problem reports: `functions/echo.yaml (document 2)`. */
  readonly origin?: string;
}

export interface FunctionSource {
  /** Lists what exists (then `keys()` answers), and from then on calls `onChange(namespace/name)` on every add, edit and delete. */
  start(onChange: (key: string) => void): Promise<void>;
  /** The desired Function at `namespace/name` now, or undefined when there is none (it was deleted). */
  get(key: string): DesiredFunction | undefined;
  keys(): readonly string[];
  close(): Promise<void>;
}

/** `namespace/name` of an object as written: an unset namespace is `default`, as the API server does. */
export const keyOfObject = (object: { metadata?: { name?: string; namespace?: string } }): string =>
  `${object.metadata?.namespace ?? 'default'}/${object.metadata?.name ?? ''}`;
