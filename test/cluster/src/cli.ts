// `npm run cluster -- up|down|status|env`: the test control plane by hand and for CI.
import { down, isClusterUp, up } from './control-plane.js';
import { paths } from './paths.js';
import { readState } from './state.js';

const usage = 'usage: npm run cluster -- up | down | status | env';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up':
      await up();
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status': {
      const running = await isClusterUp();
      process.stdout.write(running ? `up: ${JSON.stringify(readState())}\n` : 'down\n');
      return running ? 0 : 1;
    }
    case 'env':
      // For `eval "$(npm run -s cluster -- env)"`.
      process.stdout.write(`export KUBECONFIG=${paths.kubeconfig}\n`);
      return 0;
    default:
      process.stderr.write(`${usage}\n`);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[cluster] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    const cause: unknown = error instanceof Error ? error.cause : undefined;
    if (cause instanceof Error) process.stderr.write(`[cluster] cause: ${cause.message}\n`);
    process.exit(1);
  },
);
