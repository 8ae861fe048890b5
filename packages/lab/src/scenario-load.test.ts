import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listScenarioIds,
  loadScenario,
  loadScenarioFile,
  parseScenario,
  ScenarioError,
} from './scenario-load.js';

const FILE = 'k8s/scenarios/demo/scenario.yaml';

const HEADER = `id: demo
title: Demo
claim: Something worth showing.
sources: ["X: a write-up"]
runtimes: [local]
server: { replicas: 1 }
service: { kind: clusterip }`;

const CLIENTS = `clients:
  - name: http
    kind: http
    target: http://addr-server.grpc-lb.svc.cluster.local:8080
  - name: grpc
    kind: grpc
    target: dns:///addr-server.grpc-lb.svc.cluster.local:50051
    lb: pick_first`;

const STEPS = `steps:
  - deploy: {}
  - measure: before
    for: 3s
    expect:
      grpc: { backends: 1, failed: 0 }`;

function yaml(parts: { header?: string; clients?: string; steps?: string } = {}): string {
  return `${[parts.header ?? HEADER, parts.clients ?? CLIENTS, parts.steps ?? STEPS].join('\n')}\n`;
}

/** The 1-based line of the `nth` line of `text` that contains `needle`. */
function lineOf(text: string, needle: string, nth = 1): number {
  let seen = 0;
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.includes(needle) && ++seen === nth) return i + 1;
  }
  throw new Error(`test bug: no line ${nth} with ${needle}`);
}

/** The ScenarioError message parseScenario throws for `text`. */
function errorOf(text: string, folderId?: string): string {
  try {
    parseScenario(text, FILE, folderId);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as Error).message;
  }
  throw new Error('expected parseScenario to throw');
}

describe('parseScenario: a valid file', () => {
  it('parses the minimal scenario and fills in the defaults', () => {
    const scenario = parseScenario(yaml(), FILE, 'demo');
    expect(scenario.id).toBe('demo');
    expect(scenario.namespace).toBe('grpc-lb');
    expect(scenario.server).toEqual({
      name: 'addr-server',
      replicas: 1,
      terminationGracePeriod: 30_000,
      args: [],
    });
    expect(scenario.service).toEqual({ name: 'addr-server', kind: 'clusterip' });
    expect(scenario.dns).toEqual({ ttl: 30_000 });
    expect(scenario.clients).toEqual([
      {
        name: 'http',
        kind: 'http',
        target: 'http://addr-server.grpc-lb.svc.cluster.local:8080',
        rps: 20,
        args: [],
      },
      {
        name: 'grpc',
        kind: 'grpc',
        target: 'dns:///addr-server.grpc-lb.svc.cluster.local:50051',
        lb: 'pick_first',
        rps: 20,
        args: [],
      },
    ]);
    expect(scenario.steps).toEqual([
      { action: 'deploy' },
      {
        action: 'measure',
        phase: 'before',
        ms: 3000,
        expect: { grpc: { backends: 1, failed: 0 } },
      },
    ]);
  });

  it('names the Service after the server when it has no name of its own', () => {
    const header = HEADER.replace('server: { replicas: 1 }', 'server: { name: echo, replicas: 2 }');
    expect(parseScenario(yaml({ header }), FILE).service).toEqual({
      name: 'echo',
      kind: 'clusterip',
    });
    const named = header.replace(
      'service: { kind: clusterip }',
      'service: { name: front, kind: headless }',
    );
    expect(parseScenario(yaml({ header: named }), FILE).service).toEqual({
      name: 'front',
      kind: 'headless',
    });
  });

  it('reads stated values and durations instead of the defaults', () => {
    const header = `${HEADER.replace(
      'server: { replicas: 1 }',
      'server: { replicas: 3, terminationGracePeriod: 2s, maxConnectionAge: 500ms }',
    )}
namespace: demo-ns
dns: { ttl: 5s }`;
    const clients = `clients:
  - { name: grpc, kind: grpc, target: "dns:///x:1", rps: 50, dnsMinResolution: 1.5s }`;
    const scenario = parseScenario(yaml({ header, clients }), FILE);
    expect(scenario.namespace).toBe('demo-ns');
    expect(scenario.dns.ttl).toBe(5000);
    expect(scenario.server.terminationGracePeriod).toBe(2000);
    expect(scenario.server.maxConnectionAge).toBe(500);
    expect(scenario.clients[0]?.rps).toBe(50);
    expect(scenario.clients[0]?.dnsMinResolution).toBe(1500);
  });

  it('turns every kind of step into the Step union', () => {
    const steps = `steps:
  - say: Hello.
  - deploy: {}
  - scale: 5
  - rollout-restart: {}
  - rollout-restart: { wait: false }
  - kill-pod: { pod: oldest }
  - kill-pod: { pod: "pinned-by:grpc", grace: 0s }
  - wait: 1.5s
  - measure: after
    for: 2m
    expect:
      http: { backends: { min: 4 }, maxShare: { max: 0.4 }, jain: { min: 0.9, max: 1 } }
      grpc: { newPodsReachedWithin: 5s, failed: { max: 50 } }
  - measure: quiet
    for: 500ms`;
    expect(parseScenario(yaml({ steps }), FILE).steps).toEqual([
      { action: 'say', text: 'Hello.' },
      { action: 'deploy' },
      { action: 'scale', replicas: 5 },
      { action: 'rollout-restart', wait: true },
      { action: 'rollout-restart', wait: false },
      { action: 'kill-pod', pod: 'oldest', graceMs: undefined },
      { action: 'kill-pod', pod: 'pinned-by:grpc', graceMs: 0 },
      { action: 'wait', ms: 1500 },
      {
        action: 'measure',
        phase: 'after',
        ms: 120_000,
        expect: {
          http: { backends: { min: 4 }, maxShare: { max: 0.4 }, jain: { min: 0.9, max: 1 } },
          grpc: { newPodsReachedWithin: 5000, failed: { max: 50 } },
        },
      },
      { action: 'measure', phase: 'quiet', ms: 500, expect: {} },
    ]);
  });
});

describe('parseScenario: errors name the file, the line and the key path', () => {
  it('an unknown top-level key, at the line of that key', () => {
    const text = yaml({ header: `${HEADER}\ncolour: blue` });
    expect(errorOf(text)).toBe(`${FILE}:${lineOf(text, 'colour:')}: colour: unknown key`);
  });

  it('an unknown key inside clients[1], at the line of the key', () => {
    const text = yaml({ clients: `${CLIENTS}\n    colour: blue` });
    expect(lineOf(text, 'colour:')).toBeGreaterThan(lineOf(text, '- name: grpc'));
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'colour:')}: clients[1].colour: unknown key`,
    );
  });

  it('an unknown key inside a step, at the line of the key', () => {
    const text = yaml({ steps: `${STEPS}\n  - wait: 1s\n    colour: blue` });
    expect(errorOf(text)).toBe(`${FILE}:${lineOf(text, 'colour:')}: steps[2].colour: unknown key`);
  });

  it('a value outside an enum (clients[0].lb), with its line and the allowed values', () => {
    const clients = `clients:
  - name: grpc
    kind: grpc
    target: dns:///addr-server.grpc-lb.svc.cluster.local:50051
    lb: least_request`;
    const text = yaml({ clients, steps: 'steps:\n  - deploy: {}' });
    const message = errorOf(text);
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(
      new RegExp(`^${FILE}:${lineOf(text, 'lb: least_request')}: clients\\[0\\]\\.lb: `),
    );
    expect(message).toContain('pick_first');
    expect(message).toContain('round_robin');
  });

  it('a duration that is not one', () => {
    const text = yaml({ steps: `${STEPS}\n  - wait: 3 seconds` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'wait: 3 seconds')}: steps[2].wait: must be a duration such as 500ms, 3s or 2m`,
    );
  });

  it('a step with two actions', () => {
    const text = yaml({ steps: `${STEPS}\n  - say: Now wait.\n    wait: 1s` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'say: Now wait.')}: steps[2]: a step has exactly one action, found say and wait`,
    );
  });

  it('a step with no action', () => {
    const text = yaml({ steps: `${STEPS}\n  - for: 1s` });
    expect(errorOf(text)).toMatch(
      new RegExp(`^${FILE}:${lineOf(text, '- for: 1s')}: steps\\[2\\]: a step needs one of say, `),
    );
  });

  it('for without measure', () => {
    const text = yaml({ steps: `${STEPS}\n  - wait: 1s\n    for: 2s` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'for: 2s')}: steps[2].for: for goes with measure only`,
    );
  });

  it('measure without for', () => {
    const text = yaml({ steps: `${STEPS}\n  - measure: after` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'measure: after')}: steps[2].for: measure needs for: <duration>`,
    );
  });

  it('a measure before the deploy step', () => {
    const steps = `steps:
  - say: Too early.
  - measure: early
    for: 1s
  - deploy: {}`;
    const text = yaml({ steps });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'measure: early')}: steps[1]: comes before the deploy step`,
    );
  });

  it('a scale or kill-pod before the deploy step', () => {
    const steps = `steps:
  - scale: 0
  - kill-pod: { pod: oldest }
  - deploy: {}`;
    const text = yaml({ steps });
    expect(errorOf(text).split('\n')).toEqual([
      `${FILE}:${lineOf(text, 'scale: 0')}: steps[0]: comes before the deploy step`,
      `${FILE}:${lineOf(text, 'kill-pod:')}: steps[1]: comes before the deploy step`,
    ]);
  });

  it('a duplicate phase', () => {
    const text = yaml({ steps: `${STEPS}\n  - wait: 1s\n  - measure: before\n    for: 1s` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'measure: before', 2)}: steps[3].measure: duplicate phase before`,
    );
  });

  it('an expectation for a client the scenario does not have', () => {
    const text = yaml({
      steps: `${STEPS}\n  - measure: after\n    for: 1s\n    expect:\n      nobody: { failed: 0 }`,
    });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'nobody:')}: steps[2].expect.nobody: no client named nobody`,
    );
  });

  it('duplicate client names', () => {
    const text = yaml({
      clients: `${CLIENTS}\n  - name: grpc\n    kind: grpc\n    target: dns:///elsewhere:50051`,
    });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, '- name: grpc', 2)}: clients[2].name: duplicate client grpc`,
    );
  });

  it('lb on an http client', () => {
    const text = yaml({
      clients: CLIENTS.replace(
        'target: http://addr-server.grpc-lb.svc.cluster.local:8080',
        'target: http://addr-server.grpc-lb.svc.cluster.local:8080\n    lb: round_robin',
      ),
    });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'lb: round_robin')}: clients[0].lb: lb is for grpc clients only`,
    );
  });

  it('keepalive on a grpc client', () => {
    const text = yaml({ clients: `${CLIENTS}\n    keepalive: "off"` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'keepalive:')}: clients[1].keepalive: keepalive is for http clients only`,
    );
  });

  it('lb: grpclb without a balancer', () => {
    const text = yaml({ clients: CLIENTS.replace('lb: pick_first', 'lb: grpclb') });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'lb: grpclb')}: clients[1].lb: lb: grpclb needs a balancer: { kind: grpclb } in the scenario`,
    );
  });

  it('an xds: target without an xds balancer', () => {
    const text = yaml({
      clients: CLIENTS.replace(
        'target: dns:///addr-server.grpc-lb.svc.cluster.local:50051\n    lb: pick_first',
        'target: xds:///addr-server.grpc-lb',
      ),
    });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'target: xds:')}: clients[1].target: an xds: target needs a balancer: { kind: xds } in the scenario`,
    );
  });

  it('a balancer step without a balancer', () => {
    const text = yaml({ steps: `${STEPS}\n  - balancer: stop` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'balancer: stop')}: steps[2].balancer: the scenario has no balancer to stop or start`,
    );
  });

  it('a grpclb scenario parses, balancer steps included', () => {
    const text = yaml({
      header: `${HEADER}\nbalancer: { kind: grpclb, args: ["--drop", "addr-server.grpc-lb=25:shed"] }`,
      clients: CLIENTS.replace('lb: pick_first', 'lb: grpclb'),
      steps: `${STEPS}\n  - balancer: stop\n  - balancer: start`,
    });
    const scenario = parseScenario(text, FILE);
    expect(scenario.balancer).toEqual({
      kind: 'grpclb',
      args: ['--drop', 'addr-server.grpc-lb=25:shed'],
    });
    expect(scenario.steps.slice(-2)).toEqual([
      { action: 'balancer', to: 'stop' },
      { action: 'balancer', to: 'start' },
    ]);
  });

  it('resolveInterval without mode: pool', () => {
    const text = yaml({ clients: `${CLIENTS}\n    resolveInterval: 2s` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'resolveInterval:')}: clients[1].resolveInterval: resolveInterval goes with mode: pool`,
    );
  });

  it('lb on a pool client', () => {
    const text = yaml({ clients: `${CLIENTS}\n    mode: pool` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'lb: pick_first')}: clients[1].lb: lb goes with mode: channel; a pool resolves and balances by itself`,
    );
  });

  it('a pool client parses, its interval in ms', () => {
    const text = yaml({
      clients: `${CLIENTS.replace('\n    lb: pick_first', '')}\n    mode: pool\n    resolveInterval: 2s`,
    });
    expect(parseScenario(text, FILE).clients[1]).toMatchObject({
      mode: 'pool',
      resolveInterval: 2000,
    });
  });

  it('every problem, one line each', () => {
    const text = yaml({ header: `${HEADER}\ncolour: blue`, steps: `${STEPS}\n  - wait: soon` });
    expect(errorOf(text).split('\n').sort()).toEqual(
      [
        `${FILE}:${lineOf(text, 'colour:')}: colour: unknown key`,
        `${FILE}:${lineOf(text, 'wait: soon')}: steps[2].wait: must be a duration such as 500ms, 3s or 2m`,
      ].sort(),
    );
  });

  it('invalid YAML, at the line of the error', () => {
    const text = yaml({ header: HEADER.replace('claim: Something worth showing.', 'claim: a: b') });
    expect(lineOf(text, 'claim: a: b')).toBe(3);
    expect(errorOf(text)).toMatch(new RegExp(`^${FILE}:3: not valid YAML: `));
  });

  it('a key given twice, at the line of the second one', () => {
    const text = yaml({ steps: `${STEPS}\ntitle: Again` });
    const line = lineOf(text, 'title: Again');
    expect(line).toBeGreaterThan(1);
    expect(errorOf(text)).toBe(`${FILE}:${line}: not valid YAML: Map keys must be unique`);
  });

  it('an id that is not the folder name', () => {
    const text = yaml({ header: `title: Demo\n${HEADER.replace('title: Demo\n', '')}` });
    expect(lineOf(text, 'id: demo')).toBe(2);
    expect(errorOf(text, 'other')).toBe(`${FILE}:2: id: must equal its folder name, other`);
    expect(parseScenario(text, FILE, 'demo').id).toBe('demo');
  });
});

describe('loadScenario', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-scenarios-'));
    for (const id of ['beta', 'alpha']) {
      mkdirSync(join(dir, id));
      writeFileSync(join(dir, id, 'scenario.yaml'), yaml({ header: HEADER.replace('demo', id) }));
    }
    // A folder without a scenario.yaml and a loose file are not scenarios.
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', 'README.md'), '# notes\n');
    writeFileSync(join(dir, 'README.md'), '# scenarios\n');
    mkdirSync(join(dir, 'wrong-id'));
    writeFileSync(join(dir, 'wrong-id', 'scenario.yaml'), yaml());
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the folders that hold a scenario.yaml, sorted', () => {
    expect(listScenarioIds(dir)).toEqual(['alpha', 'beta', 'wrong-id']);
  });

  it('loads a scenario by id', () => {
    const loaded = loadScenario(dir, 'alpha', dir);
    expect(loaded.scenario.id).toBe('alpha');
    expect(loaded.dir).toBe(join(dir, 'alpha'));
    expect(loaded.file).toBe(join(dir, 'alpha', 'scenario.yaml'));
  });

  it('an unknown id lists the known ones', () => {
    expect(() => loadScenario(dir, 'gamma', dir)).toThrow(ScenarioError);
    expect(() => loadScenario(dir, 'gamma', dir)).toThrow(
      "unknown scenario 'gamma'; known: alpha, beta, wrong-id",
    );
  });

  it('names the file relative to the root and checks the id against its folder', () => {
    expect(() => loadScenarioFile(join(dir, 'wrong-id', 'scenario.yaml'), dir)).toThrow(
      'wrong-id/scenario.yaml:1: id: must equal its folder name, wrong-id',
    );
  });
});

describe('the scenarios in k8s/scenarios', () => {
  const scenariosDir = fileURLToPath(new URL('../../../k8s/scenarios', import.meta.url));
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const ids = listScenarioIds(scenariosDir);

  it('there are some', () => {
    expect(ids.length).toBeGreaterThan(0);
  });

  it.each(ids)('%s loads', (id) => {
    const { scenario } = loadScenario(scenariosDir, id, root);
    expect(scenario.id).toBe(id);
    expect(scenario.steps.some((step) => step.action === 'deploy')).toBe(true);
  });
});

describe('parseScenario: tools and mesh (kind scenarios)', () => {
  const kindHeader = (extra: string) =>
    `${HEADER.replace('runtimes: [local]', 'runtimes: [kind]')}\n${extra}`;

  it('no tools by default, and no mesh', () => {
    const scenario = parseScenario(yaml(), FILE);
    expect(scenario.tools).toEqual([]);
    expect(scenario.mesh).toBeUndefined();
  });

  it('a mesh with its CLI in tools parses', () => {
    const scenario = parseScenario(
      yaml({ header: kindHeader('tools: [istioctl]\nmesh: istio') }),
      FILE,
    );
    expect(scenario.tools).toEqual(['istioctl']);
    expect(scenario.mesh).toBe('istio');
  });

  it('a tool the kind runtime cannot check, with the allowed ones', () => {
    const text = yaml({ header: kindHeader('tools: [helm]') });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'tools:')}: tools[0]: Invalid option: expected one of "istioctl"|"linkerd"`,
    );
  });

  it('a mesh without its CLI in tools', () => {
    const text = yaml({ header: kindHeader('tools: [istioctl]\nmesh: linkerd') });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'mesh:')}: mesh: mesh: linkerd is installed with linkerd: add it to tools`,
    );
  });

  it('a mesh on the local runtime', () => {
    const text = yaml({ header: `${HEADER}\ntools: [linkerd]\nmesh: linkerd` });
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'runtimes:')}: runtimes: a mesh runs on kind only; the local runtime has no linkerd`,
    );
  });
});
