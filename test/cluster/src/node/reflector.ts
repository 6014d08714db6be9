// List-then-watch of one collection into a local map, re-listing when the watch expires (410) or breaks.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, WatchEvent } from './api-client.js';

export interface ObjectWithMeta {
  metadata?: { uid?: string; resourceVersion?: string };
}

interface List<T> {
  items: T[];
  metadata: { resourceVersion: string };
}

export interface ReflectorOptions<T> {
  /** Collection path, e.g. /api/v1/pods. */
  readonly path: string;
  /** Query without the leading `?`, e.g. fieldSelector=spec.nodeName%3Dnode. */
  readonly query?: string;
  /** Called after every change with the whole current set, keyed by uid. */
  readonly onChange: (
    objects: ReadonlyMap<string, T>,
    changed: T,
    type: 'ADDED' | 'MODIFIED' | 'DELETED',
  ) => void;
  readonly onError: (error: unknown) => void;
}

export class Reflector<T extends ObjectWithMeta> {
  readonly objects = new Map<string, T>();
  private readonly abort = new AbortController();

  constructor(
    private readonly api: ApiClient,
    private readonly options: ReflectorOptions<T>,
  ) {}

  /** Resolves after the first list, so callers start from a known state; keeps watching in the background. */
  async start(): Promise<void> {
    const resourceVersion = await this.list();
    void this.watchForever(resourceVersion);
  }

  stop(): void {
    this.abort.abort();
  }

  private async list(): Promise<string> {
    const query = this.options.query ? `?${this.options.query}` : '';
    const list = await this.api.request<List<T>>('GET', `${this.options.path}${query}`);
    const seen = new Set<string>();
    for (const item of list.items) {
      const uid = item.metadata?.uid ?? '';
      seen.add(uid);
      const known = this.objects.has(uid);
      this.objects.set(uid, item);
      this.options.onChange(this.objects, item, known ? 'MODIFIED' : 'ADDED');
    }
    for (const [uid, item] of this.objects) {
      if (seen.has(uid)) continue;
      this.objects.delete(uid);
      this.options.onChange(this.objects, item, 'DELETED');
    }
    return list.metadata.resourceVersion;
  }

  private async watchForever(initialVersion: string): Promise<void> {
    let resourceVersion = initialVersion;
    while (!this.abort.signal.aborted) {
      try {
        const extra = this.options.query ? `&${this.options.query}` : '';
        const path = `${this.options.path}?watch=true&allowWatchBookmarks=true&resourceVersion=${resourceVersion}${extra}`;
        let expired = false;
        await this.api.watch<T>(
          path,
          (event) => {
            if (event.type === 'ERROR') expired = true;
            else resourceVersion = this.apply(event) ?? resourceVersion;
          },
          this.abort.signal,
        );
        if (expired) resourceVersion = await this.list();
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.options.onError(error);
        await sleep(1_000);
        resourceVersion = await this.list().catch(() => resourceVersion);
      }
    }
  }

  private apply(event: WatchEvent<T>): string | undefined {
    const version = event.object.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK' || event.type === 'ERROR') return version;
    const uid = event.object.metadata?.uid ?? '';
    if (event.type === 'DELETED') this.objects.delete(uid);
    else this.objects.set(uid, event.object);
    this.options.onChange(this.objects, event.object, event.type);
    return version;
  }
}
