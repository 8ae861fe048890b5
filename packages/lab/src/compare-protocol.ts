import type { Scenario, Step } from './scenario-schema.js';

/** Phase names of the comparison protocol; the matrix reads these. */
export const COMPARE_PHASES = {
  before: 'before',
  converge: 'converge',
  spread: 'spread',
  scaleDown: 'scale-down',
  rollout: 'rollout',
} as const;

export interface CompareTimings {
  /** How long the new pods get to receive their first call after the scale-up. */
  convergeMs: number;
  /** The steady phase where spread and latency are measured. */
  spreadMs: number;
  /** Scale-down and rolling restart are each watched this long. */
  disruptMs: number;
}

export const COMPARE_DEFAULTS: CompareTimings = {
  convergeMs: 15_000,
  spreadMs: 6_000,
  disruptMs: 12_000,
};

const BEFORE_MS = 4_000;
export const COMPARE_SCALE_UP = 5;
export const COMPARE_SCALE_DOWN = 2;

/**
 * The scenario's deployment (Service, clients, balancer, DNS) with the same
 * steps for every setup, so the rows of one matrix are measured alike. Its
 * own steps stay behind: they tell each setup's story, not a common one.
 * No phase has expectations: the matrix reports, it does not judge.
 */
export function compareScenario(scenario: Scenario, timings: CompareTimings): Scenario {
  const measure = (phase: string, ms: number): Step => ({
    action: 'measure',
    phase,
    ms,
    expect: {},
  });
  const steps: Step[] = [
    {
      action: 'say',
      text: `compare: ${scenario.id} under the common protocol: scale to ${COMPARE_SCALE_UP}, to ${COMPARE_SCALE_DOWN}, then a rolling restart.`,
    },
    { action: 'deploy' },
    measure(COMPARE_PHASES.before, BEFORE_MS),
    { action: 'scale', replicas: COMPARE_SCALE_UP },
    measure(COMPARE_PHASES.converge, timings.convergeMs),
    measure(COMPARE_PHASES.spread, timings.spreadMs),
    { action: 'scale', replicas: COMPARE_SCALE_DOWN },
    measure(COMPARE_PHASES.scaleDown, timings.disruptMs),
    { action: 'rollout-restart', wait: false },
    measure(COMPARE_PHASES.rollout, timings.disruptMs),
  ];
  return { ...scenario, steps };
}
