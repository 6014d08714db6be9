// Pure: the SVG plot `npm run bench` writes to docs/benchmarks-throughput.svg, calls/s and p99 against concurrency
// for the user process called directly and through Spool, each on its own panel and log scale (they differ 10x+).

export interface PlotPoint {
  readonly concurrency: number;
  readonly perSecond: number;
  readonly p99Ms: number;
}

export interface PlotSeries {
  readonly label: string;
  readonly color: string;
  readonly points: readonly PlotPoint[];
}

const WIDTH = 360;
const HEIGHT = 240;
const MARGIN = { left: 56, right: 12, top: 28, bottom: 36 };

const log10 = (n: number): number => Math.log10(Math.max(n, 1e-3));
const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** Powers of ten covering [min, max], the panel's gridlines. */
function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(log10(min)); e <= Math.ceil(log10(max)); e++) out.push(10 ** e);
  return out;
}

function panel(
  title: string,
  series: readonly PlotSeries[],
  value: (p: PlotPoint) => number,
  offsetX: number,
): string {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.concurrency)))].sort((a, b) => a - b);
  const values = series.flatMap((s) => s.points.map(value));
  const grid = decades(Math.min(...values), Math.max(...values));
  const [low, high] = [log10(grid[0]!), log10(grid[grid.length - 1]!)];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (c: number): number =>
    offsetX + MARGIN.left + (xs.length === 1 ? plotW / 2 : (xs.indexOf(c) / (xs.length - 1)) * plotW);
  const y = (v: number): number =>
    MARGIN.top + plotH - ((log10(v) - low) / Math.max(high - low, 1e-9)) * plotH;
  const lines = grid.map(
    (g) =>
      `<line x1="${offsetX + MARGIN.left}" x2="${offsetX + WIDTH - MARGIN.right}" y1="${y(g)}" y2="${y(g)}" stroke="#ddd"/>` +
      `<text x="${offsetX + MARGIN.left - 4}" y="${y(g) + 4}" text-anchor="end">${fmt(g)}</text>`,
  );
  const ticks = xs.map(
    (c) => `<text x="${x(c)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${c}</text>`,
  );
  const curves = series.map(
    (s) =>
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points
        .map((p) => `${x(p.concurrency).toFixed(1)},${y(value(p)).toFixed(1)}`)
        .join(' ')}"/>` +
      s.points
        .map(
          (p) =>
            `<circle cx="${x(p.concurrency).toFixed(1)}" cy="${y(value(p)).toFixed(1)}" r="3" fill="${s.color}"/>`,
        )
        .join(''),
  );
  return [
    `<text x="${offsetX + WIDTH / 2}" y="16" text-anchor="middle" font-weight="bold">${title}</text>`,
    ...lines,
    ...ticks,
    `<text x="${offsetX + WIDTH / 2}" y="${HEIGHT - 4}" text-anchor="middle">concurrency</text>`,
    ...curves,
  ].join('\n');
}

export function throughputPlot(series: readonly PlotSeries[]): string {
  const legend = series.map(
    (s, i) =>
      `<rect x="${WIDTH * 2 - 150}" y="${MARGIN.top + i * 16}" width="10" height="10" fill="${s.color}"/>` +
      `<text x="${WIDTH * 2 - 136}" y="${MARGIN.top + 9 + i * 16}">${s.label}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH * 2}" height="${HEIGHT}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    panel('calls/s (log)', series, (p) => p.perSecond, 0),
    panel('p99 ms (log)', series, (p) => p.p99Ms, WIDTH),
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
