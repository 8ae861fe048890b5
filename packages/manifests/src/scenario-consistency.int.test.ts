import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { duration } from '@lab/cli';
import type { IService } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from './kube-object.js';
import { containers, podTemplates } from './pod-templates.js';
import { renderScenario, scenarioFolders } from './scenario-manifests.js';

/**
 * The kustomization repeats what scenario.yaml says about the server, the
 * Service and the clients (the kind runtime applies the manifests as they
 * are), so here the two are compared: a change to one without the other
 * fails. The scenario is read as plain YAML: its schema lives in @lab/lab,
 * which will depend on this package, not the other way round.
 */

interface ScenarioClient {
  name: string;
  kind: 'grpc' | 'http';
  target: string;
  rps?: number;
  lb?: string;
  keepalive?: string;
  dnsMinResolution?: string;
  mode?: string;
  resolveInterval?: string;
  args?: string[];
}

interface Scenario {
  namespace?: string;
  server: {
    name?: string;
    replicas: number;
    maxConnectionAge?: string;
    maxConnectionAgeGrace?: string;
    args?: string[];
  };
  service: { name?: string; kind: 'clusterip' | 'headless' | 'nodeport' };
  balancer?: { kind: BalancerKind; args?: string[] };
  rollouts?: string[];
  clients: ScenarioClient[];
}

type BalancerKind = 'grpclb' | 'xds';

/**
 * Each balancer's objects, as k8s/components/grpclb-balancer and
 * xds-control-plane name them: the kind runtime scales that Deployment for
 * `balancer:` steps, and the clients dial that Service's port (`lb: grpclb`
 * clients by flag, xds: clients through their bootstrap).
 */
const BALANCERS = {
  grpclb: { deployment: 'grpclb-server', service: 'grpclb', port: 'grpclb' },
  xds: { deployment: 'xds-server', service: 'xds-server', port: 'grpc' },
} as const satisfies Record<BalancerKind, unknown>;

/** The parts of a client's xDS bootstrap checked here (xdsBootstrap() in apps/xds-server). */
interface XdsBootstrap {
  xds_servers?: {
    server_uri?: string;
    channel_creds?: { type?: string }[];
    server_features?: string[];
  }[];
  node?: { id?: string; locality?: unknown };
}

/** The scenario schema's default (docs/writing-a-scenario.md). */
const DEFAULT_RPS = 20;

/** `--key=value` flags as a map; the manifests write every flag that way. */
function flags(args: readonly string[]): Map<string, string> {
  return new Map(
    args.map((arg) => {
      const at = arg.indexOf('=');
      expect(at, `${arg}: write flags as --key=value`).toBeGreaterThan(2);
      return [arg.slice(0, at), arg.slice(at + 1)];
    }),
  );
}

const sameDuration = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && duration(a) === duration(b);

const folders = scenarioFolders().filter((folder) => folder.kustomization);

describe.each(folders.map((folder) => [folder.id, folder.dir]))(
  '%s: kustomization and scenario.yaml agree',
  (id, dir) => {
    const scenario = parse(readFileSync(join(dir, 'scenario.yaml'), 'utf8')) as Scenario;
    const namespace = scenario.namespace ?? 'grpc-lb';
    const serverName = scenario.server.name ?? 'addr-server';
    let objects: KubeObject[] | undefined;
    const render = async () => {
      objects ??= await renderScenario(id);
      return objects;
    };
    const find = async (kind: string, name: string) => {
      const found = (await render()).find(
        (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace,
      );
      expect(found, `${kind}/${namespace}/${name}`).toBeDefined();
      return found!;
    };
    /** The balancer Service's DNS name and the port its clients dial. */
    const balancerAddress = async (kind: BalancerKind) => {
      const names = BALANCERS[kind];
      const service = (await find('Service', names.service)) as unknown as IService;
      const port = service.spec?.ports?.find((p) => p.name === names.port)?.port;
      expect(port, `Service ${names.service}: a port named ${names.port}`).toBeDefined();
      return `${names.service}.${namespace}.svc.cluster.local:${port}`;
    };
    /** The server's Service and its grpc port, in the scenario's namespace. */
    const servedName = `${scenario.service.name ?? serverName}.${namespace}:grpc`;
    /**
     * What an `lb: grpclb` client is told, as the local runtime tells it: the
     * balancer Service's grpclb port by DNS name, and the name to ask for.
     */
    const grpclbFlags = async () => ({
      balancer: `dns:///${await balancerAddress('grpclb')}`,
      service: servedName,
    });
    /**
     * An xds: client's bootstrap: GRPC_XDS_BOOTSTRAP names a file in a
     * ConfigMap volume of the Job, which the manifests must hold.
     */
    const xdsBootstrap = async (job: KubeObject, client: string): Promise<XdsBootstrap> => {
      const [pod] = podTemplates([job]);
      const program = containers([job]).find((c) => c.container.name === 'client')?.container;
      const file = program?.env?.find((e) => e.name === 'GRPC_XDS_BOOTSTRAP')?.value;
      expect(file, `${client}: GRPC_XDS_BOOTSTRAP`).toBeDefined();
      const mount = program?.volumeMounts?.find((m) => file!.startsWith(`${m.mountPath}/`));
      expect(mount, `${client}: a volume mounted above ${file}`).toBeDefined();
      const volume = pod?.spec.volumes?.find((v) => v.name === mount!.name);
      const configMap = volume?.configMap?.name;
      expect(configMap, `${client}: volume ${mount!.name} from a ConfigMap`).toBeDefined();
      const data = (await find('ConfigMap', configMap!)).data as Record<string, string> | undefined;
      const key = file!.slice(mount!.mountPath.length + 1);
      expect(data?.[key], `ConfigMap ${configMap}: ${key}`).toBeDefined();
      return JSON.parse(data![key]!) as XdsBootstrap;
    };

    it('on the server: replicas and flags', async () => {
      const deployment = await find('Deployment', serverName);
      expect((deployment.spec as { replicas?: number }).replicas).toBe(scenario.server.replicas);
      const [server] = containers([deployment]);
      const args = server?.container.args ?? [];
      const given = flags(args);
      const { maxConnectionAge, maxConnectionAgeGrace } = scenario.server;
      expect(given.get('--max-connection-age-ms')).toBe(
        maxConnectionAge && `${duration(maxConnectionAge)}`,
      );
      expect(given.get('--max-connection-age-grace-ms')).toBe(
        maxConnectionAgeGrace && `${duration(maxConnectionAgeGrace)}`,
      );
      expect(args).toEqual(expect.arrayContaining(scenario.server.args ?? []));
    });

    it('on the balancer: the one of its kind, with its flags behind its port, only if asked for', async () => {
      const deployments = (await render())
        .filter((o) => o.kind === 'Deployment')
        .map((o) => o.metadata.name);
      for (const [kind, names] of Object.entries(BALANCERS)) {
        if (kind === scenario.balancer?.kind) continue;
        expect(deployments, `a ${kind} balancer that scenario.yaml does not have`).not.toContain(
          names.deployment,
        );
      }
      if (!scenario.balancer) return;
      const names = BALANCERS[scenario.balancer.kind];
      const deployment = await find('Deployment', names.deployment);
      // The local runtime runs one; `balancer: start` scales back to 1.
      expect((deployment.spec as { replicas?: number }).replicas).toBe(1);
      const balancer = containers([deployment]).find((c) => c.container.name === names.deployment);
      expect(balancer, `a container named ${names.deployment}`).toBeDefined();
      const args = balancer?.container.args ?? [];
      expect(args).toEqual(expect.arrayContaining(scenario.balancer.args ?? []));
      await balancerAddress(scenario.balancer.kind);
      if (scenario.balancer.kind === 'xds') {
        // Every xds: client's listener is a Service the control plane serves.
        const served = args
          .filter((arg) => arg.startsWith('--service='))
          .map((arg) => arg.slice('--service='.length));
        for (const client of scenario.clients.filter((c) => c.target.startsWith('xds:'))) {
          const listener = client.target.replace(/^xds:\/\/[^/]*\//, '');
          const service = listener.replace(/(\.svc\.cluster\.local)?(:[^:]+)?$/, '');
          expect(
            served.map((s) => s.replace(/:[^:]+$/, '')),
            `${client.name}: --service for ${client.target}`,
          ).toContain(service);
        }
        expect(served, 'the server Service and its grpc port').toContain(servedName);
      }
    });

    it('on the DaemonSets the deploy step waits for (rollouts)', async () => {
      const daemonSets = (await render())
        .filter((object) => object.kind === 'DaemonSet')
        .map((object) => `daemonset/${object.metadata.name}`);
      expect((scenario.rollouts ?? []).filter((w) => w.startsWith('daemonset/')).sort()).toEqual(
        daemonSets.sort(),
      );
    });

    it('on the Service kind', async () => {
      const service = (await find(
        'Service',
        scenario.service.name ?? serverName,
      )) as unknown as IService;
      const spec = service.spec ?? {};
      const kind =
        spec.clusterIP === 'None'
          ? 'headless'
          : spec.type === 'NodePort'
            ? 'nodeport'
            : 'clusterip';
      expect(kind).toBe(scenario.service.kind);
    });

    it('on the clients: one Job each, with the same program and flags', async () => {
      const jobs = (await render()).filter((o) => o.kind === 'Job');
      expect(jobs.map((job) => job.metadata.labels?.['grpc-lb-lab/client']).sort()).toEqual(
        scenario.clients.map((client) => client.name).sort(),
      );
      for (const client of scenario.clients) {
        const job = await find('Job', `client-${client.name}`);
        expect(job.metadata.labels?.['app.kubernetes.io/name']).toBe(`client-${client.kind}`);
        // The client container by name: a sidecar (Envoy) may come first, as an init container.
        const program = containers([job]).find((c) => c.container.name === 'client');
        expect(program, `${job.metadata.name}: a container named client`).toBeDefined();
        const args = program?.container.args ?? [];
        const given = flags(args);
        const grpclb = client.lb === 'grpclb' ? await grpclbFlags() : undefined;
        if (client.target.startsWith('xds:')) {
          // The bootstrap names the control plane's Service, as
          // xdsBootstrap() in apps/xds-server writes it.
          const bootstrap = await xdsBootstrap(job, client.name);
          expect(bootstrap.xds_servers?.map((s) => s.server_uri)).toEqual([
            await balancerAddress('xds'),
          ]);
          expect(bootstrap.xds_servers?.[0]?.channel_creds).toEqual([{ type: 'insecure' }]);
          expect(bootstrap.xds_servers?.[0]?.server_features).toEqual(['xds_v3']);
          expect(bootstrap.node?.id, `${client.name}: node.id`).toBeTruthy();
          // grpc-js-xds refuses a bootstrap without node.locality.
          expect(bootstrap.node?.locality, `${client.name}: node.locality`).toBeTypeOf('object');
        } else {
          const env = program?.container.env ?? [];
          expect(env.map((e) => e.name)).not.toContain('GRPC_XDS_BOOTSTRAP');
        }
        const expected = new Map<string, string | undefined>([
          ['--name', client.name],
          ['--target', client.target],
          ['--rps', `${client.rps ?? DEFAULT_RPS}`],
          ['--lb', client.lb],
          ['--grpclb-balancer', grpclb?.balancer],
          ['--grpclb-service', grpclb?.service],
          ['--keepalive', client.keepalive],
          ['--mode', client.mode],
          [
            '--dns-min-resolution-ms',
            client.dnsMinResolution && `${duration(client.dnsMinResolution)}`,
          ],
        ]);
        for (const [flag, value] of expected) {
          expect(given.get(flag), `${client.name} ${flag}`).toBe(value);
        }
        expect(
          client.resolveInterval === given.get('--resolve-interval') ||
            sameDuration(client.resolveInterval, given.get('--resolve-interval')),
          `${client.name} --resolve-interval`,
        ).toBe(true);
        const known = new Set([...expected.keys(), '--resolve-interval', '--window']);
        const extra = args.filter((arg) => !known.has(arg.slice(0, arg.indexOf('='))));
        expect(extra, `${client.name}: flags that scenario.yaml does not state`).toEqual(
          client.args ?? [],
        );
      }
    });
  },
);
