import { describe, expect, it } from 'vitest';
import { parseFieldSelector } from './field-selector.js';
import { SelectorParseError } from './label-selector.js';

const fields = {
  'metadata.name': 'web-1',
  'metadata.namespace': 'grpc-lb',
  'status.phase': 'Running',
};

describe('parseFieldSelector', () => {
  it.each([
    ['', true],
    ['metadata.name=web-1', true],
    ['metadata.name==web-1', true],
    ['metadata.name!=web-1', false],
    ['metadata.namespace=grpc-lb,status.phase!=Pending', true],
    ['metadata.namespace=default', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(parseFieldSelector(selector).matches(fields)).toBe(expected);
  });

  it('reads escaped separators in values', () => {
    const selector = parseFieldSelector('metadata.name=a\\,b\\=c');
    expect(selector.requirements).toEqual([
      { field: 'metadata.name', operator: '=', value: 'a,b=c' },
    ]);
  });

  it('rejects a term without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(SelectorParseError);
    expect(() => parseFieldSelector('metadata.name')).toThrow(
      "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    );
  });
});
