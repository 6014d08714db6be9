import { describe, expect, test } from '@jest/globals';
import { FAULTS_BEGIN, FAULTS_END, parseReports, renderTable, withFaultsTable } from './faults-table.js';

describe('parseReports', () => {
  test.each([
    { text: '{"scenario":"a","sent":2,"lost":0}', scenarios: ['a'] },
    { text: 'PASS faults x.test.ts\n{"scenario":"a"}\n{"scenario":"b","x":true}', scenarios: ['a', 'b'] },
    { text: '{"scenario":3}\n{not json\n[1]\n{"other":1}', scenarios: [] },
  ])('$text → $scenarios', ({ text, scenarios }) => {
    expect(parseReports(text).map((r) => r.scenario)).toEqual(scenarios);
  });

  test('keeps scalar figures only', () => {
    expect(parseReports('{"scenario":"a","sent":1,"nested":{"x":1},"code":null,"ok":true}')).toEqual([
      { scenario: 'a', figures: { sent: 1, code: null, ok: true } },
    ]);
  });
});

describe('renderTable', () => {
  test('the counting columns, recovery in seconds, the rest named', () => {
    const table = renderTable([
      {
        scenario: 'kill',
        figures: { sent: 12, answered: 12, lost: 0, duplicated: 0, recoverMs: 10_234, rerun: 12 },
      },
      { scenario: 'stop', figures: { stopMs: 147, code: 0 } },
    ]);
    expect(table.split('\n')).toEqual([
      '| scenario | sent | answered | lost | duplicated | time to recover | other figures |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      '| kill | 12 | 12 | 0 | 0 | 10.2 s | rerun 12 |',
      '| stop | — | — | — | — | — | stop 0.1 s, code 0 |',
    ]);
  });

  test('a | in a scenario name does not break the row', () => {
    expect(renderTable([{ scenario: 'a|b', figures: {} }]).split('\n')[2]).toBe(
      '| a\\|b | — | — | — | — | — | — |',
    );
  });
});

describe('withFaultsTable', () => {
  test('replaces only the section between the markers', () => {
    const doc = `intro\n${FAULTS_BEGIN}\nold\n${FAULTS_END}\noutro\n`;
    expect(withFaultsTable(doc, 'T')).toBe(`intro\n${FAULTS_BEGIN}\n\nT\n\n${FAULTS_END}\noutro\n`);
  });

  test.each(['no markers', `${FAULTS_END}\n${FAULTS_BEGIN}`])('refuses %j', (doc) => {
    expect(() => withFaultsTable(doc, 'T')).toThrow(/section/);
  });
});
