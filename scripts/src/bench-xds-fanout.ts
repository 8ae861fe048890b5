#!/usr/bin/env node
/**
 * pnpm bench:xds-fanout: how long the lab's xDS control plane takes to bring
 * an EndpointSlice change to every connected client. A real xds-server
 * process reads a Kubernetes-compatible API served in-process; N ADS clients,
 * plain grpc-js streams each with its own node id and connection, subscribe
 * as proxyless gRPC does (LDS → RDS → CDS → EDS) and ACK every response.
 * Each round adds or removes one endpoint and times the store put until the
 * last client has received the new ClusterLoadAssignment and sent its ACK.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { Command, Option } from 'commander';
import pidusage from 'pidusage';
import { duration, intIn, positiveDuration, runCli } from '@lab/cli';
import {
  appMain,
  endpointSlicesFor,
  KubeApiServer,
  type KubeObject,
  KubeStore,
  type Running,
  startNode,
  stopAll,
  waitFor,
} from '@lab/local-cluster';
import { createLatencyHistogram, recordLatencyMs } from '@lab/stats';
import {
  adsClientConstructor,
  CLUSTER_TYPE,
  DEFAULT_DEBOUNCE_MS,
  type DiscoveryRequest,
  type DiscoveryResponse,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
} from '@lab/xds-server';
import { stopChildrenOnSignal, table, workFromRepoRoot } from './script-kit.js';

const API_HOST = '127.0.50.1';
const XDS_HOST = '127.0.50.2';
const NAMESPACE = 'grpc-lb';
const SERVICE = 'addr-server';
const SERVICE_SPEC = `${SERVICE}.${NAMESPACE}:grpc`;
const POD_PORT = 50051;
/** The names a proxyless client of xds:///addr-server.grpc-lb asks for, in order. */
const LISTENER_NAME = `${SERVICE}.${NAMESPACE}`;
const ROUTE_NAME = SERVICE_SPEC;
const CLUSTER_NAME = SERVICE_SPEC;
/** Pods always in the slice; each round adds or removes one more. */
const BASE_PODS = 3;
const GOAL_P95_MS = 1000;
const MIB = 1024 * 1024;

interface Flags {
  clients: number;
  rounds: number;
  debounce: number;
  roundTimeout: number;
  pause: number;
  json?: boolean;
}

interface Round {
  round: number;
  change: string;
  /** From the store put to the first and the last client's ACK of the new assignment. */
  firstMs: number;
  lastMs: number;
}

/** The Service's one EndpointSlice with `pods` ready endpoints (10.50.0.1, .2, …). */
function slice(pods: number): KubeObject {
  const [object] = endpointSlicesFor(
    { name: SERVICE, namespace: NAMESPACE, ports: [{ name: 'grpc', port: POD_PORT }] },
    Array.from({ length: pods }, (_, i) => ({
      ip: `10.50.0.${i + 1}`,
      ready: true,
      serving: true,
      terminating: false,
      podName: `${SERVICE}-${i + 1}`,
      nodeName: 'bench-node',
      zone: 'bench-zone',
    })),
  );
  if (!object) throw new Error('endpointSlicesFor made no slice');
  return object;
}

function service(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: SERVICE, namespace: NAMESPACE },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.50.1',
      selector: { 'app.kubernetes.io/name': SERVICE },
      ports: [{ name: 'grpc', protocol: 'TCP', port: POD_PORT, targetPort: POD_PORT }],
    },
  };
}

/** The endpoint addresses of an EDS response, sorted and joined: what a round waits for. */
function endpointKey(response: DiscoveryResponse): string {
  type Assignment = {
    endpoints?: {
      lb_endpoints?: { endpoint: { address: { socket_address: { address: string } } } }[];
    }[];
  };
  const assignment = response.resources[0] as Assignment | undefined;
  return (assignment?.endpoints ?? [])
    .flatMap((l) => l.lb_endpoints ?? [])
    .map((e) => e.endpoint.address.socket_address.address)
    .sort()
    .join(',');
}

function keyOf(pods: number): string {
  return Array.from({ length: pods }, (_, i) => `10.50.0.${i + 1}`)
    .sort()
    .join(',');
}

/** The next subscription a proxyless client makes once a type has arrived. */
const NEXT: Record<string, [string, string] | undefined> = {
  [LISTENER_TYPE]: [ROUTE_TYPE, ROUTE_NAME],
  [ROUTE_TYPE]: [CLUSTER_TYPE, CLUSTER_NAME],
  [CLUSTER_TYPE]: [ENDPOINT_TYPE, CLUSTER_NAME],
};
const NAMES: Record<string, string> = {
  [LISTENER_TYPE]: LISTENER_NAME,
  [ROUTE_TYPE]: ROUTE_NAME,
  [CLUSTER_TYPE]: CLUSTER_NAME,
  [ENDPOINT_TYPE]: CLUSTER_NAME,
};

/** One ADS client: its own channel, connection and node id; ACKs every response. */
class FanoutClient {
  /** The endpoints of the last assignment ACKed, and when (performance.now()). */
  edsKey = '';
  edsAckedAt = 0;
  ended: grpc.StatusObject | undefined;
  private readonly client;
  private readonly call;
  private readonly subscribed = new Set<string>();

  constructor(Client: ReturnType<typeof adsClientConstructor>, target: string, index: number) {
    // A local subchannel pool gives every client its own TCP connection, as
    // separate proxyless processes would have.
    this.client = new Client(target, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    this.call = this.client.StreamAggregatedResources();
    this.call.on('data', (r: DiscoveryResponse) => this.onResponse(r));
    this.call.on('status', (s: grpc.StatusObject) => {
      this.ended = s;
    });
    this.call.on('error', () => {});
    this.call.write({
      node: {
        id: `bench-fanout-${index}`,
        cluster: 'bench-xds-fanout',
        user_agent_name: 'bench-xds-fanout',
        user_agent_version: '0.1',
      },
      type_url: LISTENER_TYPE,
      resource_names: [LISTENER_NAME],
    } satisfies DiscoveryRequest);
  }

  private onResponse(response: DiscoveryResponse): void {
    const type = response.type_url;
    const names = NAMES[type];
    if (!names) return;
    this.call.write({
      type_url: type,
      version_info: response.version_info,
      response_nonce: response.nonce,
      resource_names: [names],
    } satisfies DiscoveryRequest);
    if (type === ENDPOINT_TYPE) {
      this.edsKey = endpointKey(response);
      this.edsAckedAt = performance.now();
    }
    const next = NEXT[type];
    if (next && !this.subscribed.has(next[0])) {
      this.subscribed.add(next[0]);
      this.call.write({ type_url: next[0], resource_names: [next[1]] } satisfies DiscoveryRequest);
    }
  }

  close(): void {
    this.call.end();
    this.client.close();
  }
}

async function rssMiB(process: Running): Promise<number> {
  const pid = process.child.pid;
  if (pid === undefined) throw new Error('xds-server has no pid');
  return (await pidusage(pid)).memory / MIB;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

const program = new Command('bench-xds-fanout')
  .description(
    "Measures how fast the lab's xDS control plane fans an EndpointSlice change\n" +
      'out to N ADS clients: a real xds-server process over an in-process\n' +
      'Kubernetes-compatible API, and N plain grpc-js ADS streams that subscribe\n' +
      'as proxyless gRPC does (LDS, RDS, CDS, EDS) and ACK every response. Each\n' +
      'round adds or removes one endpoint and times the store put until the last\n' +
      'client has ACKed the new ClusterLoadAssignment; the debounce is part of it.\n' +
      `Goal: p95 < ${GOAL_P95_MS} ms with 200 clients.`,
  )
  .option(
    '--clients <n>',
    'ADS clients, each with its own node id and connection',
    intIn(1, 5000),
    200,
  )
  .option('--rounds <n>', 'EndpointSlice changes measured', intIn(1, 1000), 10)
  .addOption(
    new Option('--debounce <duration>', "passed to xds-server's --debounce (0: push at once)")
      .argParser(duration)
      .default(DEFAULT_DEBOUNCE_MS, `${DEFAULT_DEBOUNCE_MS}ms`),
  )
  .addOption(
    new Option('--round-timeout <duration>', 'longest wait for every client to get a change')
      .argParser(positiveDuration)
      .default(30_000, '30s'),
  )
  .addOption(
    new Option('--pause <duration>', 'quiet time between rounds, so no two changes share a push')
      .argParser(duration)
      .default(500, '500ms'),
  )
  .option('--json', 'print the results as JSON instead of a table')
  .addHelpText(
    'after',
    `\nThe API server listens on ${API_HOST}, xds-server on ${XDS_HOST}; both, and every\n` +
      'client, stop when the run ends or on Ctrl-C.\n',
  )
  .action(async (flags: Flags) => {
    workFromRepoRoot();
    stopChildrenOnSignal('bench-xds-fanout');
    const log = (line: string) => process.stderr.write(`${line}\n`);

    const store = new KubeStore();
    store.put(service());
    store.put(slice(BASE_PODS));
    const api = new KubeApiServer({ store, host: API_HOST });
    const dir = mkdtempSync(join(tmpdir(), 'bench-xds-fanout-'));
    const removeDir = () => rmSync(dir, { recursive: true, force: true });
    process.once('exit', removeDir);
    const kubeconfig = join(dir, 'kubeconfig');
    const clients: FanoutClient[] = [];
    let apiStarted = false;
    try {
      await api.start();
      apiStarted = true;
      await api.writeKubeconfig(kubeconfig, NAMESPACE);
      const xds = startNode(
        appMain.xdsServer,
        [
          '--service',
          SERVICE_SPEC,
          '--kubeconfig',
          kubeconfig,
          '--bind',
          XDS_HOST,
          '--port',
          '0',
          '--http-port',
          '0',
          '--debounce',
          `${flags.debounce}ms`,
        ],
        {
          timeoutMs:
            120_000 + flags.clients * 100 + flags.rounds * (flags.roundTimeout + flags.pause),
        },
      );
      await xds.waitForStdout('xds-server listening', 15_000);
      const port = /grpc [\d.]+:(\d+)/.exec(xds.stdout())?.[1];
      if (!port) throw new Error(`no gRPC port in xds-server's output: ${xds.stdout()}`);
      const idleRss = await rssMiB(xds);

      const Client = adsClientConstructor();
      const target = `ipv4:${XDS_HOST}:${port}`;
      const connectStart = performance.now();
      for (let i = 1; i <= flags.clients; i += 1) clients.push(new FanoutClient(Client, target, i));
      const baseKey = keyOf(BASE_PODS);
      await waitFor(
        () => {
          const gone = clients.filter((c) => c.ended).length;
          if (gone > 0) throw new Error(`${gone} ADS streams ended while connecting`);
          return clients.every((c) => c.edsKey === baseKey);
        },
        `all ${flags.clients} clients to ACK the first ClusterLoadAssignment`,
        30_000 + flags.clients * 50,
      );
      const connectMs = performance.now() - connectStart;
      log(`${flags.clients} clients subscribed (LDS, RDS, CDS, EDS) in ${round1(connectMs)} ms`);
      await sleep(flags.pause);
      const connectedRss = await rssMiB(xds);
      let peakRss = connectedRss;

      const rounds: Round[] = [];
      const last = createLatencyHistogram();
      let pods = BASE_PODS;
      for (let round = 1; round <= flags.rounds; round += 1) {
        const adding = round % 2 === 1;
        pods += adding ? 1 : -1;
        const key = keyOf(pods);
        const change = adding ? `add 10.50.0.${pods}` : `remove 10.50.0.${pods + 1}`;
        const put = performance.now();
        store.put(slice(pods));
        await waitFor(
          () => {
            const gone = clients.filter((c) => c.ended).length;
            if (gone > 0) throw new Error(`${gone} ADS streams ended during round ${round}`);
            return clients.every((c) => c.edsKey === key);
          },
          `round ${round}: every client to ACK the assignment after "${change}"`,
          flags.roundTimeout,
        );
        const times = clients.map((c) => c.edsAckedAt - put);
        const r: Round = {
          round,
          change,
          firstMs: round1(Math.min(...times)),
          lastMs: round1(Math.max(...times)),
        };
        rounds.push(r);
        recordLatencyMs(last, r.lastMs);
        peakRss = Math.max(peakRss, await rssMiB(xds));
        log(
          `round ${round}/${flags.rounds}: ${change}: first client ${r.firstMs} ms, last ${r.lastMs} ms`,
        );
        await sleep(flags.pause);
      }
      const pct = (p: number) => Math.round(last.getValueAtPercentile(p) / 100) / 10;
      const fanout = { p50Ms: pct(50), p95Ms: pct(95), maxMs: pct(100) };
      last.destroy();
      const met = fanout.p95Ms < GOAL_P95_MS;

      for (const c of clients.splice(0)) c.close();
      await xds.stop();

      if (flags.json) {
        console.log(
          JSON.stringify(
            {
              clients: flags.clients,
              debounceMs: flags.debounce,
              connectMs: round1(connectMs),
              fanout,
              rounds,
              rssMiB: {
                idle: round1(idleRss),
                connected: round1(connectedRss),
                peak: round1(peakRss),
              },
              goalP95Ms: GOAL_P95_MS,
              met,
            },
            null,
            2,
          ),
        );
      } else {
        const out = table([
          'clients',
          'rounds',
          'debounce',
          'fan-out p50',
          'p95',
          'max',
          'first client, p50',
          'xds-server RSS, no clients',
          `with ${flags.clients} clients`,
          'peak',
        ]);
        const firsts = rounds.map((r) => r.firstMs).sort((a, b) => a - b);
        out.push([
          flags.clients,
          flags.rounds,
          `${flags.debounce} ms`,
          `${fanout.p50Ms} ms`,
          `${fanout.p95Ms} ms`,
          `${fanout.maxMs} ms`,
          `${firsts[Math.floor((firsts.length - 1) / 2)]} ms`,
          `${idleRss.toFixed(1)} MiB`,
          `${connectedRss.toFixed(1)} MiB`,
          `${peakRss.toFixed(1)} MiB`,
        ]);
        console.log(out.toString());
        console.log(
          `Fan-out: from the EndpointSlice put to the last client's ACK of the new assignment. It includes\n` +
            `the watch event to xds-server, its ${flags.debounce} ms debounce (--debounce), the rebuild, the push to\n` +
            `every stream, and decoding in this one process, which hosts all ${flags.clients} clients.`,
        );
      }
      console.log(
        `bench-xds-fanout: ${flags.clients} clients, p95 ${fanout.p95Ms} ms (goal < ${GOAL_P95_MS} ms: ${met ? 'met' : 'missed'}), xds-server RSS ${connectedRss.toFixed(1)} MiB`,
      );
    } finally {
      for (const c of clients.splice(0)) c.close();
      await stopAll();
      if (apiStarted) await api.stop();
      removeDir();
    }
  });

await runCli(program);
