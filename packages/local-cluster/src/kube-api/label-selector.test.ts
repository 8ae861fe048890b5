import { describe, expect, it } from 'vitest';
import { formatMatchLabels, parseLabelSelector, SelectorParseError } from './label-selector.js';

const pod = { app: 'web', tier: 'backend', 'pod-template-hash': 'abc12', weight: '5' };

describe('parseLabelSelector', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app = web , tier = backend', true],
    ['app!=web', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['app in (api, web)', true],
    ['app in (api)', false],
    ['app notin (api)', true],
    ['app notin (web,api)', false],
    ['missing notin (x)', true],
    ['missing in (x)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['weight>4', true],
    ['weight<5', false],
    ['app.kubernetes.io/name=web', false],
    ['app=web,!missing,tier in (backend)', true],
  ])('%j matches the pod: %s', (selector, expected) => {
    expect(parseLabelSelector(selector).matches(pod)).toBe(expected);
  });

  it('matches objects without labels only with negative requirements', () => {
    expect(parseLabelSelector('!a,b!=c,d notin (e)').matches(undefined)).toBe(true);
    expect(parseLabelSelector('a').matches(undefined)).toBe(false);
  });

  it('accepts an empty value, as labels.Parse does', () => {
    expect(parseLabelSelector('app=').matches({ app: '' })).toBe(true);
    expect(parseLabelSelector('app=').matches({ app: 'x' })).toBe(false);
  });

  it.each([
    ['app in (web', "found '', expected: ',' or ')'"],
    ['=web', "found '=', expected: !, identifier, or 'end of string'"],
    ['app=web x', "found 'x', expected: ',' or 'end of string'"],
    ['app in ()', "values set can't be empty"],
    ['app=we b', "found 'b'"],
    ['app=-bad-', 'a valid label must be an empty string'],
    ['-app=x', 'Invalid value: "-app"'],
    ['weight>x', 'must be an integer'],
  ])('rejects %j', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorParseError);
    expect(() => parseLabelSelector(selector)).toThrow(message);
  });

  it('formats matchLabels as kubectl shows a selector', () => {
    expect(formatMatchLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
  });
});
