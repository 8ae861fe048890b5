import type { RunResult } from '@lab/lab';
import type { DashMessage } from './messages.js';
import { phaseInfo, scenarioInfo } from './run-info.js';
import { WindowPoints } from './window-point.js';

/** Event kinds that are the engine's own steps: they read as narration. */
const STEP_KINDS = new Set([
  'balancer',
  'deploy',
  'scale',
  'rollout-restart',
  'kill-pod',
  'wait',
  'measure-start',
]);

/**
 * A saved run (report.json) as the message list a live page would have
 * received, in time order, so the report draws with the live page's code.
 */
export function messagesFromResult(result: RunResult): DashMessage[] {
  const timed: { at: number; order: number; message: DashMessage }[] = [];
  const add = (at: number, message: DashMessage) =>
    timed.push({ at, order: timed.length, message });
  for (const event of result.events) {
    if (event.kind === 'say') {
      add(event.at, { type: 'say', at: event.at, text: event.detail });
      continue;
    }
    if (STEP_KINDS.has(event.kind))
      add(event.at, { type: 'step', at: event.at, text: event.detail });
    add(event.at, { type: 'event', event: { ...event } });
  }
  const points = new WindowPoints();
  for (const line of result.windows ?? []) {
    add(line.end, { type: 'window', window: points.point(line) });
  }
  for (const phase of result.phases)
    add(phase.record.end, { type: 'phase', phase: phaseInfo(phase) });
  timed.sort((a, b) => a.at - b.at || a.order - b.order);
  return [
    {
      type: 'hello',
      run: `report-${result.startedAt}`,
      at: result.startedAt,
      scenario: scenarioInfo(result.scenario, result.runtime, result.speed),
    },
    ...timed.map((item) => item.message),
    { type: 'end', at: result.endedAt, pass: result.pass },
  ];
}
