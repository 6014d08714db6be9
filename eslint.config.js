// Lint budgets from the house style: complexity and size limits, api/ kept pure, honest jest tests.
import js from '@eslint/js';
import jest from 'eslint-plugin-jest';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ioModules = ['ioredis', 'bullmq', '@kubernetes/client-node', 'express', 'prom-client', 'yaml'];
const services = ['@spool/controller', '@spool/gateway', '@spool/watchdog', '@spool/images'];
const nodeIo = [
  'fs',
  'net',
  'http',
  'https',
  'child_process',
  'dgram',
  'dns',
  'os',
  'worker_threads',
].flatMap((m) => [m, `node:${m}`, `${m}/promises`, `node:${m}/promises`]);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.cluster/**', '.spool/**', 'coverage/**', 'charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.check.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      complexity: ['error', 10],
      'max-depth': ['error', 3],
      'max-params': ['error', 4],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...ioModules, ...nodeIo, '@spool/node', ...services].map((name) => ({
            name,
            message: 'api/ is pure: no I/O, and it imports no other workspace',
          })),
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'api/ is pure: parse an env map passed in' },
      ],
    },
  },
  {
    // Shared Node.js adapters (docs/adr/0005): services import it, it imports only api, so dependencies point one way.
    files: ['node/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // ioredis is the one client it wires: every service reaches the same Redis the same way (ADR 0005).
          paths: [...ioModules.filter((m) => m !== 'ioredis'), ...services].map((name) => ({
            name,
            message: '@spool/node imports only @spool/api, Node itself and ioredis',
          })),
        },
      ],
    },
  },
  {
    // The test cluster is a workspace of its own: it knows Kubernetes, not Spool, and stays inside its folder.
    files: ['test/cluster/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../*', '@spool/*'],
              message: 'test/cluster is its own workspace: import only its own modules and its dependencies',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'eventually', 'expect*'] }],
      'jest/valid-expect': 'error',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
);
