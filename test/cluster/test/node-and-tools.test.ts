// The process node as kubectl sees it, and helm from the cached build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { helm, kubectl } from '../src/testing.js';

const helmHome = mkdtempSync(join(tmpdir(), 'spool-helm-'));

afterAll(() => {
  rmSync(helmHome, { recursive: true, force: true });
});

test('kubectl get nodes shows the process node Ready', async () => {
  const out = await kubectl(['get', 'nodes', '--no-headers']);
  expect(out).toMatch(/^spool-process-node\s+Ready\s/m);
}, 30_000);

test('helm version and helm lint run from the cached build', async () => {
  expect(await helm(['version', '--short'], helmHome)).toMatch(/^v3\.\d+\.\d+/);
  await helm(['create', join(helmHome, 'throwaway')], helmHome);
  const lint = await helm(['lint', join(helmHome, 'throwaway')], helmHome);
  expect(lint).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
}, 60_000);
