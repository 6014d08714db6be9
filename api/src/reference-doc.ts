// Renders docs/function-reference.md and docs/errors.md from the definitions, so the docs cannot drift.
import { errorCodes } from './errors.js';
import { functionSpecSchema } from './function-schema.js';
import type { Field, Schema } from './schema.js';
import { statusReasons } from './status-reasons.js';

function typeOf(schema: Schema): string {
  switch (schema.kind) {
    case 'string':
      return schema.enum ? schema.enum.map((e) => `\`${e}\``).join(' \\| ') : 'string';
    case 'array':
      return `list of ${typeOf(schema.items)}`;
    case 'map':
      return `map of ${typeOf(schema.values)}`;
    default:
      return schema.kind;
  }
}

function limits(schema: Schema): string {
  if (schema.kind === 'integer')
    return [schema.minimum, schema.maximum].every((n) => n !== undefined)
      ? `${schema.minimum}–${schema.maximum}`
      : '';
  if (schema.kind === 'string' && schema.pattern) return `\`${schema.pattern}\``;
  if (schema.kind === 'array' && schema.minItems) return `at least ${schema.minItems}`;
  return '';
}

function rows(fields: Readonly<Record<string, Field>>, prefix: string): string[] {
  return Object.entries(fields).flatMap(([key, field]) => {
    const path = `${prefix}${key}`;
    const def =
      field.presence === 'required'
        ? 'required'
        : field.default === undefined
          ? ''
          : `\`${JSON.stringify(field.default)}\``;
    const row = `| \`${path}\` | ${typeOf(field.schema)} | ${def} | ${limits(field.schema)} | ${field.schema.description} |`;
    const item = field.schema.kind === 'array' ? field.schema.items : field.schema;
    const nested =
      item.kind === 'object'
        ? rows(item.properties, field.schema.kind === 'array' ? `${path}[].` : `${path}.`)
        : [];
    const rules =
      field.schema.kind === 'object'
        ? (field.schema.rules ?? []).map((r) => `| \`${path}\` | rule | | \`${r.cel}\` | ${r.message} |`)
        : [];
    return [row, ...rules, ...nested];
  });
}

export function functionReferenceMarkdown(): string {
  return [
    '# Function reference',
    '',
    '`apiVersion: spool.dev/v1alpha1`, `kind: Function`. Generated from `api/src/function-schema.ts`, the one',
    'definition the TypeScript types, defaults, validation and the CRD schema all come from',
    '(`npm run docs` regenerates this file; a test fails when it is stale).',
    '',
    '`metadata.name` is a DNS label of at most 60 characters. Every field of `spec`:',
    '',
    '| field | type | default | limits | meaning |',
    '|---|---|---|---|---|',
    ...rows(functionSpecSchema.properties, 'spec.'),
    '',
    '## Status',
    '',
    'The controller writes `status` in both modes (the status subresource; local mode: `/system/function/NAME`).',
    '`status.state` is one short word for the `kubectl get fn` STATUS column; `kubectl get fn -o wide` adds the',
    "Ready condition's REASON and MESSAGE. When Valid is False, Ready repeats its reason and message. A reason",
    'marked *fails fast* means no replica can serve until something changes: a sync call is answered',
    '503 `FUNCTION_UNAVAILABLE` at once with the reason, an async call is accepted and retried with backoff.',
    '',
    '| condition | reason | STATUS | fails fast | meaning |',
    '|---|---|---|---|---|',
    ...Object.entries(statusReasons).map(
      ([reason, r]) =>
        `| ${r.condition} | \`${reason}\` | ${r.state} | ${r.broken ? 'yes' : ''} | ${r.meaning} |`,
    ),
    '',
  ].join('\n');
}

export function errorsMarkdown(): string {
  return [
    '# Error codes',
    '',
    'Every error Spool itself returns is JSON `{"code": "…", "message": "…"}` with the header',
    '`X-Spool-Error: <code>`. A response without that header came from the function. Codes are stable: programs',
    'may match on them. Generated from `api/src/errors.ts` (`npm run docs`; a test fails when it is stale).',
    '',
    '| code | HTTP status | meaning |',
    '|---|---|---|',
    ...Object.entries(errorCodes).map(
      ([code, { status, summary }]) => `| \`${code}\` | ${status} | ${summary} |`,
    ),
    '',
  ].join('\n');
}
