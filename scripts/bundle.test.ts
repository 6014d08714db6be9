// The bundles `npm run build` writes: client-node is inlined, and every import left is one an image of that
// service can resolve (a Node.js builtin, the service's own dependency, or one of client-node's, which npm
// installs with it). An import of anything else would start locally, where every workspace's modules are
// installed, and fail in the image.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const readJson = (path: string): { dependencies?: Record<string, string> } =>
  JSON.parse(readFileSync(`${repoRoot}/${path}`, 'utf8')) as { dependencies?: Record<string, string> };

/** The packages a module's static and dynamic imports name (`@scope/pkg/sub` → `@scope/pkg`). */
function importedPackages(source: string): Set<string> {
  const forms = /\bimport\b[^;"]*?\bfrom\s*"([^"]+)"|\bimport\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g;
  const specifiers = [...source.matchAll(forms)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  return new Set(
    specifiers
      .filter((s) => !s.startsWith('.') && !s.startsWith('/'))
      .map((s) =>
        s
          .split('/')
          .slice(0, s.startsWith('@') ? 2 : 1)
          .join('/'),
      ),
  );
}

describe('importedPackages', () => {
  test('reads named, namespace, bare and dynamic imports, and drops relative ones', () => {
    const source = [
      'import { a } from "pkg";',
      'import * as b from "@scope/pkg/sub/path.js";',
      'import c, { d } from "node:fs";',
      'const e = await import("lazy");',
      'import "side-effect";',
      'import { f } from "./own.js";',
    ].join('\n');
    expect([...importedPackages(source)].sort()).toEqual([
      '@scope/pkg',
      'lazy',
      'node:fs',
      'pkg',
      'side-effect',
    ]);
  });
});

describe.each(['controller', 'gateway'])('%s/dist/bundle.js', (service) => {
  const bundle = `${repoRoot}/${service}/dist/bundle.js`;
  const clientNodeDeps = Object.keys(
    readJson('node_modules/@kubernetes/client-node/package.json').dependencies ?? {},
  );
  const serviceDeps = Object.keys(readJson(`${service}/package.json`).dependencies ?? {});
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

  test('exists (`npm run build` writes it)', () => {
    expect(existsSync(bundle)).toBe(true);
  });

  test('inlines client-node and imports only what its image installs', () => {
    const imported = importedPackages(readFileSync(bundle, 'utf8'));
    expect(imported.has('@kubernetes/client-node')).toBe(false);
    const unresolvable = [...imported].filter(
      (p) => !builtins.has(p) && !serviceDeps.includes(p) && !clientNodeDeps.includes(p),
    );
    expect(unresolvable).toEqual([]);
    // The service's own dependencies are imported, not inlined: the check above saw them.
    expect(imported.has('bullmq')).toBe(true);
  });
});
