/**
 * Interop: a C-core client (Debian's python3-grpcio) finds the lab's
 * balancer the way C-core and Go do, through a DNS SRV record
 * `_grpclb._tcp.<name>` served on loopback, and uses its server list, drop
 * entries and load reports. Skipped when no python3 with the grpc module is
 * installed (`apt-get install python3-grpcio`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  appMain,
  endpointSlicesFor,
  KubeApiServer,
  KubeStore,
  type Running,
  startNode,
  stopAll,
} from '@lab/local-cluster';
import { Packet, TCPServer, UDPServer } from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const grpclbMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A python that can import grpc, or undefined. */
function findPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(python, ['-c', 'import grpc'], { stdio: 'ignore' });
      return python;
    } catch {}
  }
  return undefined;
}
const python = findPython();

const API_HOST = '127.0.24.1';
const BALANCER_HOST = '127.0.24.2';
const DNS_HOST = '127.0.24.53';
const PODS = ['127.0.25.1', '127.0.25.2'];
const FALLBACK = '127.0.25.9';
const NAME = 'addr-server.grpc-lb.svc.cluster.local';

/** GetAddr with raw bytes (no generated code): prints {"pods": {...}, "failed": [...]}. */
const CLIENT = `
import json, os, sys, time, grpc
target, n, config = sys.argv[1], int(sys.argv[2]), sys.argv[3]
options = [("grpc.dns_enable_srv_queries", 1)]
if config:
    options.append(("grpc.service_config", config))
channel = grpc.insecure_channel(target, options=options)
get_addr = channel.unary_unary("/lab.addr.v1.AddrService/GetAddr")
pods, failed = {}, []
for _ in range(n):
    try:
        answer = get_addr(b"", timeout=15)
        # GetAddrResponse field 1 (pod_name): tag 0x0a, length, bytes
        pod = answer[2:2 + answer[1]].decode()
        pods[pod] = pods.get(pod, 0) + 1
    except grpc.RpcError as e:
        failed.append(e.details())
# Long enough for a load report (the balancer asks for one a second).
time.sleep(2.5)
print(json.dumps({"pods": pods, "failed": failed}))
`;

const records: Record<
  string,
  { type: 'A'; address: string }[] | { type: 'SRV'; port: number; target: string }[]
> = {
  [`_grpclb._tcp.${NAME}`]: [
    { type: 'SRV', port: 9000, target: 'grpclb.grpc-lb.svc.cluster.local' },
  ],
  'grpclb.grpc-lb.svc.cluster.local': [{ type: 'A', address: BALANCER_HOST }],
  [NAME]: [{ type: 'A', address: FALLBACK }],
};

function answer(request: Packet): Packet {
  const response = Packet.createResponseFromRequest(request);
  const question = request.questions[0]!;
  response.header.aa = 1;
  const found = records[question.name.toLowerCase().replace(/\.$/, '')];
  if (!found) {
    response.header.rcode = Packet.RCODE.NXDOMAIN;
    return response;
  }
  for (const r of found) {
    const base = { class: Packet.CLASS.IN, ttl: 5 };
    if (r.type === 'A' && question.type === Packet.TYPE.A) {
      response.answers.push(
        Packet.createResourceFromQuestion(question, {
          ...base,
          type: Packet.TYPE.A,
          address: r.address,
        }),
      );
    }
    if (r.type === 'SRV' && question.type === Packet.TYPE.SRV) {
      response.answers.push(
        Packet.createResourceFromQuestion(question, {
          ...base,
          type: Packet.TYPE.SRV,
          priority: 0,
          weight: 0,
          port: r.port,
          target: r.target,
        }),
      );
    }
  }
  return response;
}

let store: KubeStore;
let api: KubeApiServer;
let dir: string;
let udp: UDPServer;
let tcp: TCPServer;
let dnsPort: number;

beforeAll(async () => {
  if (!python) return;
  store = new KubeStore();
  api = new KubeApiServer({ store, host: API_HOST });
  await api.start();
  dir = await mkdtemp(join(tmpdir(), 'grpclb-interop-'));
  await api.writeKubeconfig(join(dir, 'kubeconfig'), 'grpc-lb');
  await writeFile(join(dir, 'client.py'), CLIENT);
  const service = {
    name: 'addr-server',
    namespace: 'grpc-lb',
    ports: [
      { name: 'grpc', port: 50051 },
      { name: 'http', port: 8080 },
    ],
  };
  const endpoints = PODS.map((ip, i) => ({
    ip,
    ready: true,
    serving: true,
    terminating: false,
    podName: `pod-${i + 1}`,
  }));
  for (const slice of endpointSlicesFor(service, endpoints)) store.put(slice);
  const pods = [...PODS, FALLBACK].map((ip, i) =>
    startNode(appMain.addrServer, ['--bind', ip, '--grpc-port', '50051', '--http-port', '8080'], {
      env: { POD_NAME: ip === FALLBACK ? 'fallback' : `pod-${i + 1}` },
      timeoutMs: 5 * 60_000,
    }),
  );
  await Promise.all(pods.map((p) => p.waitForStdout('listening', 15_000)));
  udp = new UDPServer();
  udp.on('request', (request, send) => void send(answer(request)));
  await new Promise<void>((resolve) => udp.bind(0, DNS_HOST, () => resolve()));
  dnsPort = udp.address().port;
  tcp = new TCPServer();
  tcp.on('request', (request, send) => void send(answer(request)));
  await new Promise<void>((resolve) => tcp.listen(dnsPort, DNS_HOST, () => resolve()));
}, 30_000);

afterAll(async () => {
  if (!python) return;
  await stopAll();
  await new Promise<void>((resolve) => udp.close(() => resolve()));
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

async function balancer(extra: string[]): Promise<Running> {
  const process = startNode(
    grpclbMain,
    [
      '--bind',
      BALANCER_HOST,
      '--port',
      '9000',
      '--http-port',
      '9090',
      '--namespace',
      'grpc-lb',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--stats-interval',
      '1s',
      ...extra,
    ],
    { timeoutMs: 2 * 60_000 },
  );
  await process.waitForStdout('listening', 15_000);
  return process;
}

async function pythonClient(n: number, serviceConfig: string) {
  const target = `dns://${DNS_HOST}:${dnsPort}/${NAME}:50051`;
  const { stdout } = await run(
    python!,
    [join(dir, 'client.py'), target, String(n), serviceConfig],
    {
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout) as { pods: Record<string, number>; failed: string[] };
}

const GRPCLB = '{"loadBalancingConfig":[{"grpclb":{}}]}';

describe.skipIf(!python)('a C-core client (python3-grpcio) with the lab balancer', () => {
  it('finds the balancer through _grpclb._tcp SRV, spreads over its list, drops and reports', async () => {
    const lb = await balancer(['--drop', 'addr-server=25:shed']);
    try {
      const result = await pythonClient(40, GRPCLB);
      expect(result.failed).toEqual(Array(10).fill('drop directed by grpclb balancer'));
      expect(Object.keys(result.pods).sort()).toEqual(['pod-1', 'pod-2']);
      expect(result.pods['pod-1']! + result.pods['pod-2']!).toBe(30);
      const metrics = await (await fetch(`http://${BALANCER_HOST}:9090/metrics`)).text();
      const value = (name: string) =>
        Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
      expect(value('grpclb_client_calls_started_total')).toBe(40);
      expect(value('grpclb_client_calls_finished_total')).toBe(40);
      expect(value('grpclb_client_calls_known_received_total')).toBe(30);
      expect(value('grpclb_client_calls_dropped_total')).toBe(10);
      expect(lb.stdout()).toContain(`asks for '${NAME}:50051': grpc-lb/addr-server:50051`);
    } finally {
      await lb.stop();
    }
  });

  it('uses its resolver addresses, not the balancer, without a service config naming grpclb', async () => {
    const lb = await balancer([]);
    try {
      const result = await pythonClient(5, '');
      expect(result).toEqual({ pods: { fallback: 5 }, failed: [] });
      expect(lb.stdout()).not.toContain('asks for');
    } finally {
      await lb.stop();
    }
  });
});
