import { describe, expect, test } from '@jest/globals';
import { throughputPlot } from './throughput-plot.js';

const series = [
  {
    label: 'direct',
    color: '#1f77b4',
    points: [
      { concurrency: 1, perSecond: 40000, p99Ms: 0.5 },
      { concurrency: 64, perSecond: 100000, p99Ms: 1.5 },
    ],
  },
  {
    label: 'spool',
    color: '#d62728',
    points: [
      { concurrency: 1, perSecond: 1000, p99Ms: 5 },
      { concurrency: 64, perSecond: 4000, p99Ms: 40 },
    ],
  },
];

describe('throughputPlot', () => {
  const svg = throughputPlot(series);

  test('one curve per series and panel, one dot per point', () => {
    expect({
      polylines: svg.match(/<polyline/g)?.length,
      dots: svg.match(/<circle/g)?.length,
      legend: ['direct', 'spool'].every((l) => svg.includes(`>${l}</text>`)),
    }).toEqual({ polylines: 4, dots: 8, legend: true });
  });

  test('log gridlines span every value of a panel: 1,000 to 100,000 calls/s and 0.1 to 100 ms', () => {
    const labels = [...svg.matchAll(/text-anchor="end">([\d.]+)</g)].map((m) => m[1]);
    expect(labels).toEqual(['1000', '10000', '100000', '0.10', '1.00', '10.0', '100']);
  });

  test('a higher value is drawn higher (smaller y) on the same panel', () => {
    const points = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) =>
      m[1]!.split(' ').map((xy) => Number(xy.split(',')[1])),
    );
    // Panel 1, series "direct": 40,000 then 100,000 calls/s.
    expect(points[0]![1]!).toBeLessThan(points[0]![0]!);
  });
});
