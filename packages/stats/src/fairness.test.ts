import { describe, expect, it } from 'vitest';
import { coefficientOfVariation, jainIndex } from './fairness.js';

describe('jainIndex', () => {
  it('is 1 for equal loads', () => {
    expect(jainIndex([10, 10, 10, 10])).toBeCloseTo(1, 12);
  });

  it('is 1/n when one backend of n takes everything', () => {
    expect(jainIndex([100, 0, 0, 0, 0])).toBeCloseTo(0.2, 12);
  });

  it('matches a hand-computed uneven case', () => {
    // (1+2+3)^2 / (3 * (1+4+9)) = 36 / 42
    expect(jainIndex([1, 2, 3])).toBeCloseTo(36 / 42, 12);
  });

  it('is null, never NaN, without backends or without load', () => {
    expect(jainIndex([])).toBeNull();
    expect(jainIndex([0, 0, 0])).toBeNull();
  });

  it('rejects counts that cannot be loads', () => {
    expect(() => jainIndex([1, -1])).toThrow(RangeError);
    expect(() => jainIndex([1, Number.NaN])).toThrow(RangeError);
  });
});

describe('coefficientOfVariation', () => {
  it('is 0 for equal loads', () => {
    expect(coefficientOfVariation([7, 7, 7])).toBe(0);
  });

  it('uses the population standard deviation', () => {
    // mean 5, population variance (9+1+1+9)/4 = 5 (sample variance would be 20/3)
    expect(coefficientOfVariation([2, 4, 6, 8])).toBeCloseTo(Math.sqrt(5) / 5, 12);
    // mean 5, population sd 2 (the textbook example)
    expect(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(0.4, 12);
  });

  it('is 2 when one backend of five takes everything', () => {
    // mean 20, deviations 80 and four times -20: variance 1600, sd 40
    expect(coefficientOfVariation([100, 0, 0, 0, 0])).toBeCloseTo(2, 12);
  });

  it('is null, never NaN, without backends or without load', () => {
    expect(coefficientOfVariation([])).toBeNull();
    expect(coefficientOfVariation([0, 0])).toBeNull();
  });
});
