#!/usr/bin/env node
/**
 * pnpm bench:server: GetAddr throughput and latency of one addr-server on
 * loopback, at saturation and at a fixed rate, beside a bare grpc-js server
 * with an empty handler as the ceiling. The load comes from the lab's own
 * client-grpc, so the numbers are measured exactly as the experiments are.
 */
import { Command, Option } from 'commander';
import pidusage from 'pidusage';
import { intIn, numberAtLeast, positiveDuration, runCli } from '@lab/cli';
import {
  appMain,
  type Running,
  startAddrServer,
  startNode,
  stopAll,
  waitFor,
} from '@lab/local-cluster';
import { aggregatePhase, type PhaseStats } from '@lab/stats';
import {
  fixed,
  stopChildrenOnSignal,
  table,
  windowCollector,
  workFromRepoRoot,
} from './script-kit.js';

interface Flags {
  duration: number;
  warmup: number;
  concurrency: number;
  fixedRps: number;
  json?: boolean;
}

interface Server {
  name: string;
  process: Running;
  target: string;
}

interface Result {
  server: string;
  load: string;
  callsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  failed: number;
  /** Share of one core the process used while measured. */
  serverCpu: number;
  clientCpu: number;
  /** Server CPU time per successful call, in microseconds. */
  serverCpuPerCallUs: number | null;
}

const GOAL = 0.9;
const bareServerMain = new URL('./bench/bare-server.js', import.meta.url).pathname;

async function startBare(ip: string): Promise<Server> {
  const process = startNode(bareServerMain, [ip, '0'], { timeoutMs: Number.POSITIVE_INFINITY });
  await waitFor(() => process.stdout().includes('listening'), 'the bare server to listen');
  const port = /grpc [\d.]+:(\d+)/.exec(process.stdout())?.[1];
  return { name: 'bare grpc-js', process, target: `ipv4:${ip}:${port}` };
}

async function startAddr(ip: string): Promise<Server> {
  const pod = await startAddrServer('bench-pod', ip);
  return { name: 'addr-server', process: pod, target: `ipv4:${pod.grpcAddress}` };
}

async function cpuTimeMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) throw new Error('process has no pid');
  return (await pidusage(pid)).ctime;
}

/** One client run; only the windows after the warm-up count. */
async function measure(
  server: Server,
  load: string,
  args: string[],
  flags: Flags,
): Promise<Result> {
  const collector = windowCollector();
  const client = startNode(
    appMain.clientGrpc,
    [
      '--target',
      server.target,
      '--window',
      '500ms',
      '--duration',
      `${flags.warmup + flags.duration}`,
      ...args,
    ],
    { onStdoutLine: collector.onLine, timeoutMs: flags.warmup + flags.duration + 30_000 },
  );
  await new Promise((resolve) => setTimeout(resolve, flags.warmup));
  const measuredFrom = Date.now();
  const before = await Promise.all([
    cpuTimeMs(server.process.child.pid),
    cpuTimeMs(client.child.pid),
  ]);
  await new Promise((resolve) => setTimeout(resolve, flags.duration - 100));
  const after = await Promise.all([
    cpuTimeMs(server.process.child.pid),
    cpuTimeMs(client.child.pid),
  ]);
  const cpuWindowMs = Date.now() - measuredFrom;
  const done = await client.finished;
  if (done.code !== 0) throw new Error(`client-grpc exited ${done.code}: ${done.stderr.trim()}`);
  const measured = collector.windows.filter((w) => w.start >= measuredFrom - 50 && !w.final);
  if (measured.length === 0) throw new Error('no full window after the warm-up: raise --duration');
  const stats: PhaseStats = aggregatePhase(measured);
  const serverCpuMs = (after[0] ?? 0) - (before[0] ?? 0);
  return {
    server: server.name,
    load,
    callsPerSecond: Math.round(stats.callsPerSecond),
    p50Ms: stats.latencyMs?.p50 ?? null,
    p99Ms: stats.latencyMs?.p99 ?? null,
    failed: stats.failed,
    serverCpu: serverCpuMs / cpuWindowMs,
    clientCpu: ((after[1] ?? 0) - (before[1] ?? 0)) / cpuWindowMs,
    serverCpuPerCallUs:
      stats.callsPerSecond > 0
        ? (serverCpuMs * 1000) / ((stats.callsPerSecond * cpuWindowMs) / 1000)
        : null,
  };
}

const program = new Command('bench-server')
  .description(
    'Measures GetAddr throughput and p50/p99 latency of one addr-server on loopback, at saturation\n' +
      '(closed loop) and at a fixed rate (open loop), beside a bare grpc-js server with an empty\n' +
      'handler as the ceiling. Goal: addr-server at ≥ 90% of the bare throughput.',
  )
  .addOption(
    new Option('--duration <d>', 'measured time per run')
      .argParser(positiveDuration)
      .default(10_000, '10s'),
  )
  .addOption(
    new Option('--warmup <d>', 'unmeasured time before each run')
      .argParser(positiveDuration)
      .default(2000, '2s'),
  )
  .option('--concurrency <n>', 'callers in the saturation runs', intIn(1), 50)
  .option('--fixed-rps <n>', 'rate of the fixed-rate runs', numberAtLeast(1), 1000)
  .option('--json', 'print the results as JSON instead of a table')
  .addHelpText(
    'after',
    '\nEvery server and client runs on 127.0.4.x and stops when the run ends or on Ctrl-C.',
  )
  .action(async (flags: Flags) => {
    workFromRepoRoot();
    stopChildrenOnSignal('bench-server');
    const started = Date.now();
    const results: Result[] = [];
    try {
      for (const [start, ip] of [
        [startBare, '127.0.4.1'],
        [startAddr, '127.0.4.2'],
      ] as const) {
        const server = await start(ip);
        const loads: [string, string[]][] = [
          [
            `saturation, ${flags.concurrency} callers`,
            ['--rps', '0', '--concurrency', `${flags.concurrency}`],
          ],
          [`fixed ${flags.fixedRps}/s`, ['--rps', `${flags.fixedRps}`]],
        ];
        for (const [load, args] of loads) {
          if (!flags.json) process.stderr.write(`measuring ${server.name}, ${load}…\n`);
          results.push(await measure(server, load, args, flags));
        }
        await server.process.stop();
      }
    } finally {
      await stopAll();
    }
    const saturation = (name: string) =>
      results.find((r) => r.server === name && r.load.startsWith('saturation'));
    const ratio =
      (saturation('addr-server')?.callsPerSecond ?? 0) /
      Math.max(1, saturation('bare grpc-js')?.callsPerSecond ?? 0);
    const verdict = ratio >= GOAL ? 'goal met' : 'goal NOT met';
    if (flags.json) {
      console.log(JSON.stringify({ results, ratio, goal: GOAL, verdict }, null, 2));
    } else {
      const out = table([
        'server',
        'load',
        'calls/s',
        'p50',
        'p99',
        'failed',
        'server CPU',
        'CPU/call',
        'client CPU',
      ]);
      for (const r of results) {
        out.push([
          r.server,
          r.load,
          r.callsPerSecond,
          r.p50Ms === null ? '-' : `${r.p50Ms.toFixed(2)} ms`,
          r.p99Ms === null ? '-' : `${r.p99Ms.toFixed(2)} ms`,
          r.failed,
          `${fixed(r.serverCpu * 100, 0)}%`,
          r.serverCpuPerCallUs === null ? '-' : `${r.serverCpuPerCallUs.toFixed(1)} µs`,
          `${fixed(r.clientCpu * 100, 0)}%`,
        ]);
      }
      console.log(out.toString());
      console.log(
        'CPU is the share of one core over the measured time. When the client is near 100%, it, not the\n' +
          'server, limits the saturation rate: compare CPU/call for the cost of each server.',
      );
    }
    console.log(
      `bench-server: addr-server reached ${(ratio * 100).toFixed(1)}% of the bare grpc-js throughput at saturation (goal ≥ ${GOAL * 100}%: ${verdict}) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  });

await runCli(program);
