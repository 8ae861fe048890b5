import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  COMPARE_DEFAULTS,
  COMPARE_PHASES,
  COMPARE_SCALE_DOWN,
  COMPARE_SCALE_UP,
  compareScenario,
} from './compare-protocol.js';
import { listScenarioIds, loadScenario } from './scenario-load.js';

const scenariosDir = fileURLToPath(new URL('../../../k8s/scenarios', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('compareScenario', () => {
  const { scenario } = loadScenario(scenariosDir, 'grpclb', root);
  const compared = compareScenario(scenario, { ...COMPARE_DEFAULTS, convergeMs: 9000 });

  it('keeps the deployment and replaces the steps with the common protocol', () => {
    expect(compared.clients).toEqual(scenario.clients);
    expect(compared.balancer).toEqual(scenario.balancer);
    expect(compared.server).toEqual(scenario.server);
    expect(compared.steps.map((step) => step.action)).toEqual([
      'say',
      'deploy',
      'measure',
      'scale',
      'measure',
      'measure',
      'scale',
      'measure',
      'rollout-restart',
      'measure',
    ]);
    expect(compared.steps.filter((s) => s.action === 'scale')).toEqual([
      { action: 'scale', replicas: COMPARE_SCALE_UP },
      { action: 'scale', replicas: COMPARE_SCALE_DOWN },
    ]);
    expect(compared.steps).toContainEqual({
      action: 'measure',
      phase: COMPARE_PHASES.converge,
      ms: 9000,
      expect: {},
    });
  });

  it('watches a rolling restart without waiting for it, so its failures land in the phase', () => {
    expect(compared.steps).toContainEqual({ action: 'rollout-restart', wait: false });
  });
});

describe('the scenarios in k8s/scenarios', () => {
  it.each(listScenarioIds(scenariosDir))(
    '%s declares the setup of every client for the compare matrix',
    (id) => {
      const { scenario } = loadScenario(scenariosDir, id, root);
      const undeclared = scenario.clients.filter((client) => client.setup === undefined);
      expect(undeclared.map((client) => client.name)).toEqual([]);
    },
  );
});
