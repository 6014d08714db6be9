// Bundles a service's compiled entry (dist/main.js) with @kubernetes/client-node into dist/bundle.js, the file
// every launcher runs. client-node's index imports every generated API group and model; loaded as modules they
// hold about 40 MiB of source and code in each process that imports it, though a service uses a handful. The
// bundler keeps only what the service reaches. Every other package stays an import resolved from node_modules
// at run time, so nothing that reads files beside its own module is moved away from them.
//
// Run after `tsc -b` (`npm run build` does both); it bundles each of those services that has been compiled, so
// an image's build stage, which compiles one, bundles that one.
import { build, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INLINED = '@kubernetes/client-node';
const BUNDLED_SERVICES = ['controller', 'gateway'] as const;

/** Bare imports other than client-node's stay external; relative ones (the service's own, client-node's) are inlined. */
const onlyClientNodeInlined: Plugin = {
  name: 'only-client-node-inlined',
  setup(bundler) {
    bundler.onResolve({ filter: /^[^./]/ }, ({ path }) =>
      path === INLINED || path.startsWith(`${INLINED}/`) ? undefined : { path, external: true },
    );
  },
};

async function bundleService(repoRoot: string, service: string): Promise<void> {
  await build({
    entryPoints: [join(repoRoot, service, 'dist/main.js')],
    outfile: join(repoRoot, service, 'dist/bundle.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [onlyClientNodeInlined],
    logLevel: 'warning',
  });
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
for (const service of BUNDLED_SERVICES)
  if (existsSync(join(repoRoot, service, 'dist/main.js'))) await bundleService(repoRoot, service);
