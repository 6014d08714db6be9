// What one image build sends and asks for: the shared shape of every plan, and which context paths stay out.

/** Everything a build needs, decided before any I/O; `sendBuild` (docker.ts) carries it out. */
export interface BuildPlan {
  /** Absolute folder the context's files are read from. */
  readonly contextDir: string;
  /** Paths under `contextDir` sent to the daemon: files, or folders taken whole minus `exclude`. */
  readonly include: readonly string[];
  /** Path segments (`node_modules`) or suffixes (`*.test.ts`) left out of included folders. */
  readonly exclude: readonly string[];
  /** Folder the included paths are placed under in the context (`function/server.mjs`); '' keeps them. */
  readonly contextPrefix: string;
  /** A Dockerfile among the context's files, or one written by the plan and added to the context. */
  readonly dockerfile: { readonly path: string } | { readonly inline: string };
  /** `name:tag`; the Engine API takes one per build. */
  readonly tag: string;
  readonly buildArgs: Readonly<Record<string, string>>;
}

/** The Dockerfile's name in the context when the plan writes it. */
export const INLINE_DOCKERFILE = 'Dockerfile';

/** Whether `relPath` (slash-separated, relative to the context folder) is left out by `patterns`. */
export function isExcluded(relPath: string, patterns: readonly string[]): boolean {
  const segments = relPath.split('/');
  return patterns.some((pattern) =>
    pattern.startsWith('*') ? relPath.endsWith(pattern.slice(1)) : segments.includes(pattern),
  );
}
