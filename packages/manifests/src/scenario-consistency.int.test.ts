import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { duration } from '@lab/cli';
import type { IService } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from './kube-object.js';
import { containers } from './pod-templates.js';
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
  balancer?: { kind: 'grpclb'; args?: string[] };
  clients: ScenarioClient[];
}

/**
 * The lookaside balancer's objects, as k8s/components/grpclb-balancer names
 * them: the kind runtime scales that Deployment for `balancer:` steps, and
 * `lb: grpclb` clients dial that Service's port.
 */
const BALANCER = { deployment: 'grpclb-server', service: 'grpclb', port: 'grpclb' } as const;

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
    /**
     * What an `lb: grpclb` client is told, as the local runtime tells it: the
     * balancer Service's grpclb port by DNS name, and the name to ask for
     * (the server's Service and its grpc port, in the scenario's namespace).
     */
    const grpclbFlags = async () => {
      const service = (await find('Service', BALANCER.service)) as unknown as IService;
      const port = service.spec?.ports?.find((p) => p.name === BALANCER.port)?.port;
      expect(port, `Service ${BALANCER.service}: a port named ${BALANCER.port}`).toBeDefined();
      return {
        balancer: `dns:///${BALANCER.service}.${namespace}.svc.cluster.local:${port}`,
        service: `${scenario.service.name ?? serverName}.${namespace}:grpc`,
      };
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

    it('on the balancer: one grpclb-server with its flags behind a grpclb port, only if asked for', async () => {
      const deployments = (await render()).filter(
        (o) => o.kind === 'Deployment' && o.metadata.name === BALANCER.deployment,
      );
      if (!scenario.balancer) {
        expect(deployments, 'a balancer that scenario.yaml does not have').toEqual([]);
        return;
      }
      const deployment = await find('Deployment', BALANCER.deployment);
      // The local runtime runs one; `balancer: start` scales back to 1.
      expect((deployment.spec as { replicas?: number }).replicas).toBe(1);
      const balancer = containers([deployment]).find(
        (c) => c.container.name === BALANCER.deployment,
      );
      expect(balancer, `a container named ${BALANCER.deployment}`).toBeDefined();
      expect(balancer?.container.args ?? []).toEqual(
        expect.arrayContaining(scenario.balancer.args ?? []),
      );
      await grpclbFlags();
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
