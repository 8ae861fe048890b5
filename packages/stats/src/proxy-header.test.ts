import { describe, expect, it } from 'vitest';
import { proxyIdentity } from './proxy-header.js';

describe('proxyIdentity', () => {
  it('reads one value, as a string or a list', () => {
    expect(proxyIdentity('kind-worker')).toBe('kind-worker');
    expect(proxyIdentity(['kind-worker'])).toBe('kind-worker');
    expect(proxyIdentity([Buffer.from('kind-worker')])).toBe('kind-worker');
  });

  it('takes the last of several, listed or folded with commas', () => {
    expect(proxyIdentity(['node-a', 'node-b'])).toBe('node-b');
    expect(proxyIdentity('node-a, node-b')).toBe('node-b');
  });

  it('is undefined without a header or with only blanks', () => {
    expect(proxyIdentity(undefined)).toBeUndefined();
    expect(proxyIdentity([])).toBeUndefined();
    expect(proxyIdentity(' , ')).toBeUndefined();
  });
});
