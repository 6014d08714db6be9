// What `spool images` prints: one row per image with its size and build time.

export interface ImageRow {
  readonly tag: string;
  readonly sizeBytes: number;
  readonly buildMs: number;
}

/** Decimal megabytes, as `docker images` shows them: 187_654_321 → "187.7 MB". */
export const formatMegabytes = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

export function formatImageTable(rows: readonly ImageRow[]): string {
  const cells = rows.map((row) => [
    row.tag,
    formatMegabytes(row.sizeBytes),
    `${(row.buildMs / 1000).toFixed(1)} s`,
  ]);
  const all = [['IMAGE', 'SIZE', 'BUILD'], ...cells];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((line) => (line[i] ?? '').length)));
  return all
    .map((line) =>
      line
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  '),
    )
    .join('\n');
}
