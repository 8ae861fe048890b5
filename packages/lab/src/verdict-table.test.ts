import { describe, expect, it } from 'vitest';
import type { VerdictRow } from './engine-types.js';
import { renderVerdictMarkdown, renderVerdictTable, summarizeVerdicts } from './verdict-table.js';

const rows: VerdictRow[] = [
  {
    phase: 'before',
    client: 'grpc',
    check: 'backends',
    expected: '1',
    observed: '1',
    pass: true,
  },
  {
    phase: 'after-scale-up',
    client: 'grpc',
    check: 'backends',
    expected: '≥ 4',
    observed: '1',
    pass: false,
  },
  {
    phase: 'after-scale-up',
    client: 'http',
    check: 'failed',
    expected: '0',
    observed: '2 (UNAVAILABLE 2)',
    pass: false,
  },
];

describe('renderVerdictTable', () => {
  it('prints one plain line per check, with the verdict as a word', () => {
    const text = renderVerdictTable(rows, { color: false });
    expect(text).not.toContain('\u001b');
    const lines = text.split('\n');
    const header = lines.find((line) => line.includes('phase'))!;
    for (const column of ['phase', 'client', 'check', 'expected', 'observed', 'result']) {
      expect(header).toContain(column);
    }
    const cells = (line: string) =>
      line
        .split('│')
        .map((cell) => cell.trim())
        .filter(Boolean);
    const body = lines.filter((line) => /PASS|FAIL/.test(line)).map(cells);
    expect(body).toEqual([
      ['before', 'grpc', 'backends', '1', '1', 'PASS'],
      ['after-scale-up', 'grpc', 'backends', '≥ 4', '1', 'FAIL'],
      ['after-scale-up', 'http', 'failed', '0', '2 (UNAVAILABLE 2)', 'FAIL'],
    ]);
  });

  it('colours the verdict words only when asked, keeping the words', () => {
    const text = renderVerdictTable(rows, { color: true });
    expect(text).toContain('\u001b[32mPASS');
    expect(text).toContain('\u001b[1;31mFAIL');
  });
});

describe('renderVerdictMarkdown', () => {
  it('renders a Markdown table, escaping pipes', () => {
    const text = renderVerdictMarkdown([{ ...rows[0]!, observed: 'a | b' }]);
    expect(text.split('\n')).toEqual([
      '| phase | client | check | expected | observed | result |',
      '| --- | --- | --- | --- | --- | --- |',
      '| before | grpc | backends | 1 | a \\| b | PASS |',
    ]);
  });
});

describe('summarizeVerdicts', () => {
  it('says PASS with the count when every check passed', () => {
    expect(summarizeVerdicts('l4-lb', [rows[0]!])).toBe('l4-lb: PASS (1 of 1 check)');
    expect(summarizeVerdicts('l4-lb', [rows[0]!, rows[0]!])).toBe('l4-lb: PASS (2 of 2 checks)');
  });

  it('says FAIL and names every failed check', () => {
    expect(summarizeVerdicts('l4-lb', rows)).toBe(
      'l4-lb: FAIL (1 of 3 checks; failed: after-scale-up/grpc/backends, after-scale-up/http/failed)',
    );
  });
});
