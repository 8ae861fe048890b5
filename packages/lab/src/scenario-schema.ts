import parseMs from 'ms';
import { z } from 'zod';
import { MESHES, type MeshName } from './kind-mesh.js';

const DURATION = /^\d+(\.\d+)?(ms|s|m)$/;

/** `500ms`, `3s`, `2m`, as milliseconds. */
export const durationSchema = z
  .string()
  .regex(DURATION, 'must be a duration such as 500ms, 3s or 2m')
  .transform((text) => parseMs(text as parseMs.StringValue));

const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase DNS label (a-z, 0-9, -)');

function rangeOf(value: z.ZodNumber) {
  return z.union([
    value,
    z
      .strictObject({ min: value.optional(), max: value.optional() })
      .refine((r) => r.min !== undefined || r.max !== undefined, 'needs min, max or both')
      .refine(
        (r) => r.min === undefined || r.max === undefined || r.min <= r.max,
        'min is above max',
      ),
  ]);
}

const count = z.number().int().nonnegative();
const fraction = z.number().min(0).max(1);

export const clientExpectSchema = z.strictObject({
  backends: rangeOf(count).optional(),
  maxShare: rangeOf(fraction).optional(),
  jain: rangeOf(fraction).optional(),
  failed: rangeOf(count).optional(),
  newPodsReachedWithin: durationSchema.optional(),
  /**
   * Share of successful calls whose response named, in `x-lab-proxy`, the
   * node the client runs on: the calls that stayed on the node-local proxy.
   */
  viaLocalProxy: rangeOf(fraction).optional(),
});

const ACTIONS = [
  'say',
  'balancer',
  'deploy',
  'scale',
  'rollout-restart',
  'kill-pod',
  'wait',
  'measure',
] as const;

const rawStepSchema = z
  .strictObject({
    say: z.string().min(1).optional(),
    /** Stops or starts the scenario's lookaside balancer (SIGTERM, then a new process). */
    balancer: z.enum(['stop', 'start']).optional(),
    deploy: z.strictObject({}).optional(),
    scale: count.optional(),
    'rollout-restart': z
      .strictObject({
        /** false: go on at once, as `kubectl rollout restart` does, so a measure can watch it. */
        wait: z.boolean().default(true),
      })
      .optional(),
    'kill-pod': z
      .strictObject({ pod: z.string().min(1), grace: durationSchema.optional() })
      .optional(),
    wait: durationSchema.optional(),
    measure: name.optional(),
    for: durationSchema.optional(),
    expect: z.record(name, clientExpectSchema).optional(),
  })
  .superRefine((step, ctx) => {
    const actions = ACTIONS.filter((action) => step[action] !== undefined);
    if (actions.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          actions.length === 0
            ? `a step needs one of ${ACTIONS.join(', ')}`
            : `a step has exactly one action, found ${actions.join(' and ')}`,
      });
      return;
    }
    if (step.measure !== undefined && step.for === undefined) {
      ctx.addIssue({ code: 'custom', path: ['for'], message: 'measure needs for: <duration>' });
    }
    for (const key of ['for', 'expect'] as const) {
      if (step.measure === undefined && step[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} goes with measure only` });
      }
    }
  });

export type ClientExpect = z.infer<typeof clientExpectSchema>;
export type Range = number | { min?: number | undefined; max?: number | undefined };

export type Step =
  | { action: 'say'; text: string }
  | { action: 'balancer'; to: 'stop' | 'start' }
  | { action: 'deploy' }
  | { action: 'scale'; replicas: number }
  | { action: 'rollout-restart'; wait: boolean }
  | { action: 'kill-pod'; pod: string; graceMs: number | undefined }
  | { action: 'wait'; ms: number }
  | { action: 'measure'; phase: string; ms: number; expect: Record<string, ClientExpect> };

function toStep(raw: z.infer<typeof rawStepSchema>): Step {
  if (raw.say !== undefined) return { action: 'say', text: raw.say };
  if (raw.balancer !== undefined) return { action: 'balancer', to: raw.balancer };
  if (raw.deploy !== undefined) return { action: 'deploy' };
  if (raw.scale !== undefined) return { action: 'scale', replicas: raw.scale };
  if (raw['rollout-restart'] !== undefined) {
    return { action: 'rollout-restart', wait: raw['rollout-restart'].wait };
  }
  if (raw['kill-pod'] !== undefined) {
    return { action: 'kill-pod', pod: raw['kill-pod'].pod, graceMs: raw['kill-pod'].grace };
  }
  if (raw.wait !== undefined) return { action: 'wait', ms: raw.wait };
  return {
    action: 'measure',
    phase: raw.measure ?? '',
    ms: raw.for ?? 0,
    expect: raw.expect ?? {},
  };
}

const clientSchema = z.strictObject({
  name,
  kind: z.enum(['grpc', 'http']),
  target: z.string().min(1),
  /** grpclb: ask the scenario's lookaside balancer for the server list (needs `balancer`). */
  lb: z.enum(['pick_first', 'round_robin', 'grpclb']).optional(),
  rps: z.number().positive().default(20),
  keepalive: z.enum(['on', 'off']).optional(),
  dnsMinResolution: durationSchema.optional(),
  /** client-grpc --mode: one channel, or a pool of channels re-resolved on a timer. */
  mode: z.enum(['channel', 'pool']).optional(),
  resolveInterval: durationSchema.optional(),
  args: z.array(z.string()).default([]),
  /**
   * What this client stands for in `pnpm lab compare`: the facts of its setup
   * that traffic cannot measure.
   */
  setup: z
    .strictObject({
      /** The matrix row, e.g. "headless DNS + round_robin". */
      label: z.string().min(1),
      /** L7 proxies a call crosses on its way to the server; kube-proxy's L4 NAT is not one. */
      hops: z.number().int().nonnegative(),
      /** What the client needs beyond a plain channel to the Service: code, config, or nothing. */
      clientChange: z.string().min(1),
    })
    .optional(),
});

/** The tools a scenario may add to a kind run's prerequisites: the mesh CLIs. */
const SCENARIO_TOOLS = ['istioctl', 'linkerd'] as const;

export const scenarioSchema = z
  .strictObject({
    id: name,
    title: z.string().min(1),
    claim: z.string().min(1),
    sources: z.array(z.string().min(1)).min(1),
    runtimes: z.array(z.enum(['local', 'kind'])).min(1),
    /**
     * Command-line tools a kind run needs beyond docker, kind and kubectl,
     * checked (with an install hint each) before anything runs.
     */
    tools: z.array(z.enum(SCENARIO_TOOLS)).default([]),
    /** A service mesh the kind runtime installs before it deploys (needs its CLI in tools). */
    mesh: z.enum(Object.keys(MESHES) as [MeshName, ...MeshName[]]).optional(),
    namespace: name.default('grpc-lb'),
    server: z.strictObject({
      name: name.default('addr-server'),
      replicas: count,
      terminationGracePeriod: durationSchema.default(30_000),
      maxConnectionAge: durationSchema.optional(),
      maxConnectionAgeGrace: durationSchema.optional(),
      args: z.array(z.string()).default([]),
    }),
    service: z.strictObject({
      name: name.optional(),
      kind: z.enum(['clusterip', 'headless', 'nodeport']),
    }),
    dns: z.strictObject({ ttl: durationSchema.default(30_000) }).default({ ttl: 30_000 }),
    /**
     * A lookaside balancer beside the server: grpclb (grpc.lb.v1) for `lb: grpclb`
     * clients, or the lab's xDS control plane for `xds:` targets.
     */
    balancer: z
      .strictObject({
        kind: z.enum(['grpclb', 'xds']),
        /** Extra grpclb-server or xds-server flags, as on its command line (e.g. a --drop rule). */
        args: z.array(z.string()).default([]),
      })
      .optional(),
    /**
     * Other workloads of the manifests that must be rolled out before the
     * clients start, as `kubectl rollout status` names them (`daemonset/node-proxy`):
     * the kind and cluster runtimes wait for each. The local runtime has none.
     */
    rollouts: z
      .array(
        z.string().regex(/^(daemonset|deployment|statefulset)\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
      )
      .default([]),
    clients: z.array(clientSchema).min(1),
    steps: z.array(rawStepSchema).min(1),
  })
  .superRefine((scenario, ctx) => {
    if (scenario.mesh !== undefined) {
      const { tool } = MESHES[scenario.mesh];
      if (!scenario.tools.includes(tool)) {
        ctx.addIssue({
          code: 'custom',
          path: ['mesh'],
          message: `mesh: ${scenario.mesh} is installed with ${tool}: add it to tools`,
        });
      }
      if (scenario.runtimes.includes('local')) {
        ctx.addIssue({
          code: 'custom',
          path: ['runtimes'],
          message: `a mesh runs on kind only; the local runtime has no ${scenario.mesh}`,
        });
      }
    }
    const clientNames = new Set<string>();
    scenario.clients.forEach((client, i) => {
      if (clientNames.has(client.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i, 'name'],
          message: `duplicate client ${client.name}`,
        });
      }
      clientNames.add(client.name);
      const wrong = (
        key: 'lb' | 'keepalive' | 'dnsMinResolution' | 'mode' | 'resolveInterval',
        kind: string,
      ) =>
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i, key],
          message: `${key} is for ${kind} clients only`,
        });
      if (client.kind === 'http' && client.lb !== undefined) wrong('lb', 'grpc');
      if (client.kind === 'http' && client.dnsMinResolution !== undefined)
        wrong('dnsMinResolution', 'grpc');
      if (client.kind === 'grpc' && client.keepalive !== undefined) wrong('keepalive', 'http');
      if (client.kind === 'http' && client.mode !== undefined) wrong('mode', 'grpc');
      for (const key of ['lb', 'dnsMinResolution'] as const) {
        if (client.mode === 'pool' && client[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['clients', i, key],
            message: `${key} goes with mode: channel; a pool resolves and balances by itself`,
          });
        }
      }
      if (client.resolveInterval !== undefined && client.mode !== 'pool') {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i, 'resolveInterval'],
          message: 'resolveInterval goes with mode: pool',
        });
      }
    });
    scenario.clients.forEach((client, i) => {
      if (client.lb === 'grpclb' && scenario.balancer?.kind !== 'grpclb') {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i, 'lb'],
          message: 'lb: grpclb needs a balancer: { kind: grpclb } in the scenario',
        });
      }
      if (client.target.startsWith('xds:')) {
        if (scenario.balancer?.kind !== 'xds') {
          ctx.addIssue({
            code: 'custom',
            path: ['clients', i, 'target'],
            message: 'an xds: target needs a balancer: { kind: xds } in the scenario',
          });
        }
        if (client.lb !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['clients', i, 'lb'],
            message: 'an xds: client takes its policy from the control plane, not lb',
          });
        }
      }
    });
    scenario.steps.forEach((step, i) => {
      if (step.balancer !== undefined && scenario.balancer === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'balancer'],
          message: 'the scenario has no balancer to stop or start',
        });
      }
    });
    const phases = new Set<string>();
    let deployed = false;
    scenario.steps.forEach((step, i) => {
      if (step.deploy !== undefined) deployed = true;
      const needsDeploy = step.measure ?? step.scale ?? step['rollout-restart'] ?? step['kill-pod'];
      if (needsDeploy !== undefined && !deployed) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i],
          message: 'comes before the deploy step',
        });
      }
      if (step.measure === undefined) return;
      if (phases.has(step.measure)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'measure'],
          message: `duplicate phase ${step.measure}`,
        });
      }
      phases.add(step.measure);
      for (const client of Object.keys(step.expect ?? {})) {
        if (!clientNames.has(client)) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'expect', client],
            message: `no client named ${client}`,
          });
        }
      }
    });
  })
  .transform(({ steps, service, ...rest }) => ({
    ...rest,
    service: { name: service.name ?? rest.server.name, kind: service.kind },
    steps: steps.map(toStep),
  }));

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioClient = Scenario['clients'][number];
export type RuntimeName = Scenario['runtimes'][number];
