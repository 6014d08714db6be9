// The table of every Helm value for docs/install.md, from the chart's values.schema.json (types, descriptions)
// and values.yaml (defaults). A value without a description or a default fails the generation.
export interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly anyOf?: readonly SchemaNode[];
}

export interface ValueRow {
  readonly path: string;
  readonly type: string;
  readonly defaultValue: unknown;
  readonly description: string;
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((value) => JSON.stringify(value)).join(' \\| ');
  if (node.anyOf) return node.anyOf.map(typeOf).join(' or ');
  const range =
    node.minimum !== undefined || node.maximum !== undefined
      ? ` (${node.minimum ?? ''}–${node.maximum ?? ''})`
      : '';
  return `${node.type ?? 'any'}${range}`;
}

function lookup(values: unknown, path: readonly string[]): unknown {
  let here: unknown = values;
  for (const key of path) {
    if (typeof here !== 'object' || here === null || !(key in here)) return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

/** Leaves in document order: objects with `properties` are walked, maps and lists are values themselves. */
export function valueRows(schema: SchemaNode, values: unknown, path: readonly string[] = []): ValueRow[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, node]) => {
    const here = [...path, key];
    if (node.properties) return valueRows(node, values, here);
    const name = here.join('.');
    const defaultValue = lookup(values, here);
    if (!node.description) throw new Error(`values.schema.json: ${name} has no description`);
    if (defaultValue === undefined) throw new Error(`values.yaml: ${name} has no default`);
    return [{ path: name, type: typeOf(node), defaultValue, description: node.description }];
  });
}

export function valuesTable(rows: readonly ValueRow[]): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| value | type | default | description |',
    '|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| \`${row.path}\` | ${row.type} | \`${cell(JSON.stringify(row.defaultValue))}\` | ${cell(row.description)} |`,
    ),
  ].join('\n');
}

const BEGIN = '<!-- values:begin (generated from charts/spool/values.schema.json by `npm run generate`) -->';
const END = '<!-- values:end -->';

/** Replaces the generated section of a hand-written document. */
export function withValuesTable(document: string, table: string): string {
  const begin = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`the document lacks the markers ${BEGIN} … ${END}`);
  return `${document.slice(0, begin)}${BEGIN}\n${table}\n${document.slice(end)}`;
}
