/**
 * Fairness of a load distribution, over calls per backend. Both functions
 * return null instead of NaN when the answer is undefined (no backends, or no
 * calls at all), so a verdict can tell "no data" apart from "unfair".
 */

function checkValues(values: readonly number[]): void {
  for (const value of values) {
    // A negative or non-finite count is a bug upstream; folding it in would
    // quietly produce an index outside [1/n, 1].
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`fairness values must be finite and >= 0, got ${value}`);
    }
  }
}

/**
 * Jain's fairness index: (Σx)² / (n · Σx²). It is 1 when every backend gets
 * the same load and 1/n when one backend gets everything, so the caller's
 * choice of n (which backends count, including idle ones) is the whole point:
 * one pod of five reached must read 0.2, not 1.
 */
export function jainIndex(values: readonly number[]): number | null {
  checkValues(values);
  let sum = 0;
  let sumOfSquares = 0;
  for (const value of values) {
    sum += value;
    sumOfSquares += value * value;
  }
  if (values.length === 0 || sumOfSquares === 0) return null;
  return (sum * sum) / (values.length * sumOfSquares);
}

/**
 * Coefficient of variation: population standard deviation / mean. 0 is a
 * perfectly even spread; it grows without bound as load concentrates, which
 * makes it a better alarm than Jain's index when n is large.
 */
export function coefficientOfVariation(values: readonly number[]): number | null {
  checkValues(values);
  if (values.length === 0) return null;
  const mean = values.reduce((total, value) => total + value, 0) / values.length;
  if (mean === 0) return null;
  // Two passes (mean, then squared deviations) keep the variance exact for
  // equal values, where Σx²/n − mean² can come out slightly negative.
  const variance = values.reduce((total, value) => total + (value - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
}
