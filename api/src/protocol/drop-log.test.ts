import { describe, expect, test } from '@jest/globals';
import { dropLog } from './drop-log.js';

describe('dropLog', () => {
  test.each([
    { name: 'the first drop is logged', drops: [['a', 0]], want: [1] },
    {
      name: 'drops within the interval are counted, not logged',
      drops: [
        ['a', 0],
        ['a', 5],
        ['a', 9],
      ],
      want: [1, undefined, undefined],
    },
    {
      name: 'the next logged drop carries the count',
      drops: [
        ['a', 0],
        ['a', 5],
        ['a', 9],
        ['a', 10],
      ],
      want: [1, undefined, undefined, 3],
    },
    {
      name: 'sources are apart',
      drops: [
        ['a', 0],
        ['b', 1],
        ['a', 2],
      ],
      want: [1, 1, undefined],
    },
  ] as const)('$name', ({ drops, want }) => {
    const log = dropLog(10);
    expect(drops.map(([source, at]) => log.drop(source, at))).toEqual(want);
  });
});
