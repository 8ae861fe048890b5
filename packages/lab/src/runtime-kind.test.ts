/**
 * KindRuntime driven by the engine over a runner that records and can be
 * told to fail: what runs, what is torn down after an error, and that the
 * log streams always stop first.
 */
import { describe, expect, it } from 'vitest';
import {
  type CommandResult,
  CommandError,
  PlanRecorder,
  type StreamHandle,
  shellLine,
} from './command-plan.js';
import { type Narrator, runScenario } from './engine.js';
import type { PodRecord } from './engine-types.js';
import { KindCluster } from './kind-cluster.js';
import type { AppImage } from './kind-images.js';
import type { PodObserver } from './kind-pod-watch.js';
import { KindRuntime } from './runtime-kind.js';
import { parseScenario } from './scenario-load.js';

const SCENARIO = `
id: tiny
title: Tiny
claim: A scenario small enough to read in a test.
sources: ["test"]
runtimes: [kind]
server: { replicas: 1 }
service: { kind: clusterip }
clients:
  - { name: grpc, kind: grpc, target: "dns:///addr-server.grpc-lb.svc.cluster.local:50051" }
steps:
  - deploy: {}
  - scale: 3
  - kill-pod: { pod: oldest, grace: 0s }
  - kill-pod: { pod: newest, grace: 1500ms }
  - rollout-restart: {}
`;

const images: AppImage[] = ['addr-server', 'client-grpc'].map((app) => ({
  app: app as AppImage['app'],
  repository: `grpc-lb-lab/${app}`,
  tag: 'abc',
  ref: `grpc-lb-lab/${app}:abc`,
  dockerfile: `apps/${app}/Dockerfile`,
}));

const quiet: Narrator = { say() {}, step() {}, detail() {}, progress() {}, phase() {} };

/** Records like the plan, fails the first command matching `failOn`, and logs stream stops. */
class ScriptedRunner extends PlanRecorder {
  readonly log: string[] = [];

  constructor(private readonly failOn?: RegExp) {
    super();
  }

  override async run(argv: readonly string[]): Promise<CommandResult> {
    const line = shellLine(argv);
    this.log.push(line);
    if (this.failOn?.test(line)) {
      throw new CommandError(argv, { code: 1, stdout: '', stderr: 'scripted failure' });
    }
    return super.run(argv);
  }

  override stream(
    argv: readonly string[],
    _onLine?: (line: string, from: 'stdout' | 'stderr') => void,
  ): StreamHandle {
    this.log.push(`${shellLine(argv)} &`);
    const handle = super.stream(argv);
    return {
      ...handle,
      stop: async () => {
        this.log.push(`stop: ${shellLine(argv)}`);
      },
    };
  }

  override async stopAll(): Promise<void> {
    this.log.push('stop all');
  }
}

/** Two running pods, created one after the other. */
class TwoPods implements PodObserver {
  stopped = false;
  async start(): Promise<void> {}
  pods(): PodRecord[] {
    return [
      { name: 'addr-server-old', ip: '10.244.1.2', node: 'w1', createdAt: 1, readyAt: 2 },
      { name: 'addr-server-new', ip: '10.244.2.2', node: 'w2', createdAt: 5, readyAt: 6 },
    ];
  }
  resolve(pod: string): string {
    return pod === 'oldest' ? 'addr-server-old' : 'addr-server-new';
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

function runtimeWith(runner: ScriptedRunner, keep = false) {
  const observer = new TwoPods();
  const runtime = new KindRuntime({
    scenario: parseScenario(SCENARIO, 'tiny.yaml'),
    scenarioDir: 'k8s/scenarios/tiny',
    cluster: new KindCluster({ name: 'grpc-lb', config: 'k8s/kind/cluster.yaml' }),
    runner,
    observer: () => observer,
    images,
    keep,
  });
  return { runtime, observer };
}

const K = 'kubectl --context kind-grpc-lb -n grpc-lb';
const DELETE_NS =
  'kubectl --context kind-grpc-lb delete namespace grpc-lb --ignore-not-found --wait --timeout=180s';

describe('KindRuntime', () => {
  it('runs each step as kubectl commands, with the cluster context, then tears down', async () => {
    const runner = new ScriptedRunner();
    const { runtime, observer } = runtimeWith(runner);
    const scenario = parseScenario(SCENARIO, 'tiny.yaml');
    const result = await runScenario(scenario, runtime, { speed: 1, narrator: quiet });
    expect(result.runtime).toBe('kind');
    const afterDeploy = runner.log.slice(runner.log.indexOf(`${K} logs -f job/client-grpc &`) + 1);
    expect(afterDeploy).toEqual([
      `${K} scale deployment/addr-server --replicas=3`,
      `${K} rollout status deployment/addr-server --timeout=180s`,
      `${K} delete pod addr-server-old --grace-period=0 --force`,
      `${K} rollout status deployment/addr-server --timeout=180s`,
      `${K} delete pod addr-server-new --grace-period=2`,
      `${K} rollout status deployment/addr-server --timeout=180s`,
      `${K} rollout restart deployment/addr-server`,
      `${K} rollout status deployment/addr-server --timeout=180s`,
      `stop: ${K} logs -f job/client-grpc`,
      'stop all',
      DELETE_NS,
    ]);
    expect(observer.stopped).toBe(true);
    // Every kubectl names its context: the user's current context is never used.
    for (const line of runner.log.filter((l) => l.startsWith('kubectl'))) {
      expect(line).toMatch(/^kubectl --context kind-grpc-lb /);
    }
  });

  it('after a failure mid-deploy, stops the streams and deletes the namespace, then fails', async () => {
    const runner = new ScriptedRunner(/rollout status deployment\/addr-server/);
    const { runtime } = runtimeWith(runner);
    const run = runScenario(parseScenario(SCENARIO, 'tiny.yaml'), runtime, {
      speed: 1,
      narrator: quiet,
    });
    await expect(run).rejects.toThrow(/rollout status deployment\/addr-server .*scripted failure/);
    expect(runner.log.slice(-2)).toEqual(['stop all', DELETE_NS]);
  });

  it('leaves alone a namespace it never touched (a failed image build)', async () => {
    const runner = new ScriptedRunner(/^docker build/);
    const { runtime } = runtimeWith(runner);
    await expect(
      runScenario(parseScenario(SCENARIO, 'tiny.yaml'), runtime, { speed: 1, narrator: quiet }),
    ).rejects.toThrow(/docker build/);
    expect(runner.log.at(-1)).toBe('stop all');
    expect(runner.log).not.toContain(DELETE_NS);
  });

  it('with --keep, teardown stops what this process follows and keeps the namespace; twice is once', async () => {
    const runner = new ScriptedRunner();
    const { runtime } = runtimeWith(runner, true);
    await runtime.deploy({ window() {}, event() {} });
    await Promise.all([runtime.teardown(), runtime.teardown()]);
    await runtime.teardown();
    const teardown = runner.log.slice(runner.log.lastIndexOf(`${K} logs -f job/client-grpc &`) + 1);
    expect(teardown).toEqual([`stop: ${K} logs -f job/client-grpc`, 'stop all']);
  });

  it('describes the cluster, the Service and the clients', () => {
    const { runtime } = runtimeWith(new ScriptedRunner());
    expect(runtime.describe()).toEqual([
      'kind runtime: kind cluster grpc-lb (kubectl context kind-grpc-lb, from k8s/kind/cluster.yaml), namespace grpc-lb',
      'clusterip Service addr-server.grpc-lb.svc.cluster.local: kube-proxy picks a Ready pod per connection',
      'images: grpc-lb-lab/addr-server:abc, grpc-lb-lab/client-grpc:abc',
      'client grpc: Job client-grpc, grpc dns:///addr-server.grpc-lb.svc.cluster.local:50051',
      'look around: kubectl --context kind-grpc-lb -n grpc-lb get pods,endpointslices -o wide',
    ]);
  });
});

const BALANCER_SCENARIO = `
id: tiny-grpclb
title: Tiny grpclb
claim: A balancer small enough to read in a test.
sources: ["test"]
runtimes: [kind]
server: { replicas: 2 }
service: { kind: headless }
balancer: { kind: grpclb }
clients:
  - { name: lb, kind: grpc, lb: grpclb, target: "dns:///addr-server.grpc-lb.svc.cluster.local:50051" }
steps:
  - deploy: {}
  - balancer: stop
  - balancer: start
`;

const XDS_SCENARIO = `
id: tiny-xds
title: Tiny xDS
claim: A control plane small enough to read in a test.
sources: ["test"]
runtimes: [kind]
server: { replicas: 2 }
service: { kind: headless }
balancer: { kind: xds }
clients:
  - { name: xds, kind: grpc, target: "xds:///addr-server.grpc-lb" }
steps:
  - deploy: {}
  - balancer: stop
  - balancer: start
`;

const xdsRuntime = (runner: ScriptedRunner) =>
  new KindRuntime({
    scenario: parseScenario(XDS_SCENARIO, 'tiny-xds.yaml'),
    scenarioDir: 'k8s/scenarios/tiny-xds',
    cluster: new KindCluster({ name: 'grpc-lb', config: 'k8s/kind/cluster.yaml' }),
    runner,
    observer: () => new TwoPods(),
    images: [
      ...images,
      {
        app: 'xds-server',
        repository: 'grpc-lb-lab/xds-server',
        tag: 'abc',
        ref: 'grpc-lb-lab/xds-server:abc',
        dockerfile: 'apps/xds-server/Dockerfile',
      },
    ],
    keep: false,
  });

describe('KindRuntime with a lookaside balancer', () => {
  const balancerRuntime = (runner: ScriptedRunner) =>
    new KindRuntime({
      scenario: parseScenario(BALANCER_SCENARIO, 'tiny-grpclb.yaml'),
      scenarioDir: 'k8s/scenarios/tiny-grpclb',
      cluster: new KindCluster({ name: 'grpc-lb', config: 'k8s/kind/cluster.yaml' }),
      runner,
      observer: () => new TwoPods(),
      images: [
        ...images,
        {
          app: 'grpclb-server',
          repository: 'grpc-lb-lab/grpclb-server',
          tag: 'abc',
          ref: 'grpc-lb-lab/grpclb-server:abc',
          dockerfile: 'apps/grpclb-server/Dockerfile',
        },
      ],
      keep: false,
    });

  it('waits for the balancer before the clients, then stops it (pod gone) and starts it (Ready)', async () => {
    const runner = new ScriptedRunner();
    const scenario = parseScenario(BALANCER_SCENARIO, 'tiny-grpclb.yaml');
    await runScenario(scenario, balancerRuntime(runner), { speed: 1, narrator: quiet });
    const serverApply = runner.log.findIndex((line) => line.includes("component!=client'"));
    expect(runner.log.slice(serverApply + 1, serverApply + 4)).toEqual([
      `${K} rollout status deployment/addr-server --timeout=180s`,
      `${K} rollout status deployment/grpclb-server --timeout=180s`,
      `${K} apply -k .lab/kind/tiny-grpclb -l app.kubernetes.io/component=client`,
    ]);
    const afterDeploy = runner.log.slice(runner.log.indexOf(`${K} logs -f job/client-lb &`) + 1);
    expect(afterDeploy).toEqual([
      `${K} scale deployment/grpclb-server --replicas=0`,
      `${K} wait pod -l app.kubernetes.io/name=grpclb-server --for=delete --timeout=180s`,
      `${K} scale deployment/grpclb-server --replicas=1`,
      `${K} rollout status deployment/grpclb-server --timeout=180s`,
      `stop: ${K} logs -f job/client-lb`,
      'stop all',
      DELETE_NS,
    ]);
  });

  it('describes the balancer', () => {
    expect(balancerRuntime(new ScriptedRunner()).describe()).toContain(
      'grpclb balancer: Deployment grpclb-server behind Service grpclb.grpc-lb.svc.cluster.local:9000, watching EndpointSlices as ServiceAccount endpointslice-reader',
    );
  });

  it('stops and starts the xDS control plane for balancer: { kind: xds }', async () => {
    const runner = new ScriptedRunner();
    const scenario = parseScenario(XDS_SCENARIO, 'tiny-xds.yaml');
    const runtime = xdsRuntime(runner);
    await runScenario(scenario, runtime, { speed: 1, narrator: quiet });
    const serverApply = runner.log.findIndex((line) => line.includes("component!=client'"));
    expect(runner.log.slice(serverApply + 1, serverApply + 4)).toEqual([
      `${K} rollout status deployment/addr-server --timeout=180s`,
      `${K} rollout status deployment/xds-server --timeout=180s`,
      `${K} apply -k .lab/kind/tiny-xds -l app.kubernetes.io/component=client`,
    ]);
    const afterDeploy = runner.log.slice(runner.log.indexOf(`${K} logs -f job/client-xds &`) + 1);
    expect(afterDeploy.slice(0, 4)).toEqual([
      `${K} scale deployment/xds-server --replicas=0`,
      `${K} wait pod -l app.kubernetes.io/name=xds-server --for=delete --timeout=180s`,
      `${K} scale deployment/xds-server --replicas=1`,
      `${K} rollout status deployment/xds-server --timeout=180s`,
    ]);
    expect(runtime.describe()).toContain(
      'xDS control plane: Deployment xds-server behind Service xds-server.grpc-lb.svc.cluster.local:18000, watching EndpointSlices as ServiceAccount endpointslice-reader',
    );
  });

  it('refuses balancer steps in a scenario that runs no balancer', async () => {
    const runner = new ScriptedRunner();
    const { runtime } = runtimeWith(runner);
    await expect(runtime.balancer('stop')).rejects.toThrow('scenario tiny runs no balancer');
    expect(runner.log).toEqual([]);
  });
});
