import { describe, expect, it } from 'vitest';
import { humanDuration, wantsTable } from './kube-table.js';

describe('humanDuration', () => {
  it.each([
    [-5000, '<invalid>'],
    [-500, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [125_000, '2m5s'],
    [600_000, '10m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [30 * 3600_000, '30h'],
    [3 * 86400_000 + 2 * 3600_000, '3d2h'],
    [40 * 86400_000, '40d'],
    [3 * 365 * 86400_000 + 10 * 86400_000, '3y10d'],
  ])('%d ms is %s, as the AGE column shows it', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('wantsTable', () => {
  it('sees the Table kubectl asks for, and not a plain JSON request', () => {
    expect(
      wantsTable(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    ).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    expect(wantsTable(undefined)).toBe(false);
  });
});
