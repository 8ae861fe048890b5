import type { PhaseResult, Scenario } from '@lab/lab';
import type { PhaseInfo, ScenarioInfo } from './messages.js';

/** What the page needs of a scenario: its clients and what stands between them and the pods. */
export function scenarioInfo(scenario: Scenario, runtime: string, speed: number): ScenarioInfo {
  return {
    id: scenario.id,
    title: scenario.title,
    claim: scenario.claim,
    runtime,
    speed,
    serverName: scenario.server.name,
    service: { name: scenario.service.name ?? scenario.server.name, kind: scenario.service.kind },
    balancer: scenario.balancer?.kind,
    mesh: scenario.mesh,
    clients: scenario.clients.map((client) => ({
      name: client.name,
      kind: client.kind,
      target: client.target,
      lb: client.lb,
      mode: client.mode,
    })),
  };
}

/** A judged phase, with its stats per client and its verdict rows. */
export function phaseInfo(result: PhaseResult): PhaseInfo {
  return {
    phase: result.record.phase,
    start: result.record.start,
    end: result.record.end,
    readyPods: [...result.record.readyPods],
    clients: Object.fromEntries(
      Object.entries(result.stats).map(([client, stats]) => [
        client,
        {
          ok: stats.ok,
          failed: stats.failed,
          backends: Object.fromEntries(
            Object.entries(stats.backends).map(([pod, b]) => [
              pod,
              { calls: b.calls, share: b.share },
            ]),
          ),
          latency: stats.latencyMs ? { p50: stats.latencyMs.p50, p99: stats.latencyMs.p99 } : null,
          jain: stats.jainIndex,
        },
      ]),
    ),
    verdicts: result.verdicts.map((row) => ({ ...row })),
  };
}
