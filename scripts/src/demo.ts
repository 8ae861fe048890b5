#!/usr/bin/env node
/**
 * The problem in one run, before the lab engine exists: three addr-server
 * pods, one pick_first client and one round_robin client over the same
 * addresses, and where their calls land.
 */
import { Command, Option } from 'commander';
import { intIn, numberAtLeast, positiveDuration, runCli } from '@lab/cli';
import {
  type AddrServerProcess,
  appMain,
  startAddrServer,
  startNode,
  stopAll,
} from '@lab/local-cluster';
import { aggregatePhase } from '@lab/stats';
import {
  fixed,
  formatShares,
  latency,
  stopChildrenOnSignal,
  table,
  windowCollector,
  workFromRepoRoot,
} from './script-kit.js';

interface Flags {
  pods: number;
  rps: number;
  duration: number;
}

const POLICIES = ['pick_first', 'round_robin'] as const;

const program = new Command('demo')
  .description(
    'Starts N addr-server pods on 127.0.1.1..N and two gRPC clients over the same ipv4: addresses,\n' +
      "one with pick_first (gRPC's default) and one with round_robin, and shows where the calls land.",
  )
  .option('--pods <n>', 'addr-server pods', intIn(1, 250), 3)
  .option('--rps <n>', 'calls per second per client', numberAtLeast(1), 100)
  .addOption(
    new Option('--duration <d>', 'how long the clients run')
      .argParser(positiveDuration)
      .default(8000, '8s'),
  )
  .action(async (flags: Flags) => {
    workFromRepoRoot();
    stopChildrenOnSignal('demo');
    const started = Date.now();
    try {
      const pods: AddrServerProcess[] = await Promise.all(
        Array.from({ length: flags.pods }, (_, i) =>
          startAddrServer(`pod-${i + 1}`, `127.0.1.${i + 1}`),
        ),
      );
      const target = `ipv4:${pods.map((pod) => pod.grpcAddress).join(',')}`;
      console.log(
        `${flags.pods} pods up: ${pods.map((p) => `${p.name} ${p.grpcAddress}`).join(', ')}`,
      );
      console.log(
        `two clients, ${flags.rps} calls/s each, for ${flags.duration / 1000}s, target ${target}\n`,
      );

      const runs = POLICIES.map((lb) => {
        const collector = windowCollector((line) => {
          console.log(
            `${lb.padEnd(11)} ${String(line.ok).padStart(4)} ok ${String(line.failed).padStart(3)} failed   ${formatShares(line.backends, line.ok)}`,
          );
        });
        const process = startNode(
          appMain.clientGrpc,
          [
            '--target',
            target,
            '--lb',
            lb,
            '--name',
            lb,
            '--rps',
            `${flags.rps}`,
            '--duration',
            `${flags.duration}`,
          ],
          { onStdoutLine: collector.onLine, timeoutMs: flags.duration + 30_000 },
        );
        return { lb, collector, process };
      });
      for (const run of runs) {
        const done = await run.process.finished;
        if (done.code !== 0)
          throw new Error(`client ${run.lb} exited ${done.code}: ${done.stderr.trim()}`);
      }

      const podNames = pods.map((pod) => pod.name);
      const summaryTable = table([
        'policy',
        'pods reached',
        'max share',
        'Jain index',
        'failed',
        'p50',
        'p99',
      ]);
      const summary: string[] = [];
      for (const run of runs) {
        const stats = aggregatePhase(run.collector.windows, { pods: podNames });
        summaryTable.push([
          run.lb,
          `${stats.backendsReached} of ${flags.pods}`,
          `${fixed(stats.maxShare * 100, 1)}%`,
          fixed(stats.jainIndex),
          stats.failed,
          latency(stats, 'p50'),
          latency(stats, 'p99'),
        ]);
        summary.push(`${run.lb} reached ${stats.backendsReached} of ${flags.pods} pods`);
      }
      console.log(`\n${summaryTable.toString()}`);
      console.log(
        '\npick_first sends every call down one connection to one pod; round_robin keeps a connection\n' +
          'to every address it was given and rotates calls across them. A Kubernetes ClusterIP Service\n' +
          'hands a client one address, so even round_robin has only one pod to choose from.',
      );
      console.log(
        `\ndemo: ${summary.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } finally {
      await stopAll();
    }
  });

await runCli(program);
