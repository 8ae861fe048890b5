#!/usr/bin/env node
import { Command, Option } from 'commander';
import {
  duration,
  nonEmpty,
  drainOnShutdownSignals,
  port,
  runCli,
  shutDownWhenLifelineCloses,
} from '@lab/cli';
import {
  createGrpclbServer,
  DEFAULT_GRPC_PORT,
  DEFAULT_HTTP_PORT,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_STATS_INTERVAL_MS,
  DEFAULT_WATCH_LINGER_MS,
} from './create-server.js';
import { DROP_RULE_FORM } from './drop-rules.js';
import { SERVICE_NAME_FORMS } from './service-name.js';

interface Flags {
  bind: string;
  port: number;
  httpPort: number;
  namespace?: string;
  kubeconfig?: string;
  statsInterval: number;
  drop: string[];
  watchLinger: number;
  shutdownGrace: number;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const program = new Command('grpclb-server')
  .description(
    'A grpclb lookaside balancer (grpc.lb.v1.LoadBalancer/BalanceLoad).\n' +
      "Server lists come from the requested Service's EndpointSlices (list +\n" +
      "watch) and are pushed on every change; clients' load reports are summed\n" +
      'on /metrics; a drop rule makes clients shed a share of calls.\n' +
      `Names map to Services as ${SERVICE_NAME_FORMS}.`,
  )
  .option('--bind <ip>', 'address both listeners bind to', '0.0.0.0')
  .option('--port <port>', 'gRPC port (BalanceLoad, health)', port, DEFAULT_GRPC_PORT)
  .option('--http-port <port>', 'HTTP port (/metrics, /healthz, /readyz)', port, DEFAULT_HTTP_PORT)
  .option(
    '--namespace <ns>',
    'namespace of requested names that carry none (default: $POD_NAMESPACE, else default)',
    nonEmpty,
  )
  .option(
    '--kubeconfig <path>',
    'kubeconfig file (default: $KUBECONFIG, else in-cluster, else ~/.kube/config)',
    nonEmpty,
  )
  .addOption(
    new Option(
      '--stats-interval <duration>',
      'client_stats_report_interval asked of clients; 0 asks for no load reports',
    )
      .argParser(duration)
      .default(DEFAULT_STATS_INTERVAL_MS, `${DEFAULT_STATS_INTERVAL_MS / 1000}s`),
  )
  .addOption(
    new Option(
      '--drop <rule>',
      `clients of a Service drop a share of calls: ${DROP_RULE_FORM}, e.g. addr-server.grpc-lb=25:shed (repeatable)`,
    )
      .argParser(collect)
      .default([], 'none'),
  )
  .addOption(
    new Option('--watch-linger <duration>', 'keep a Service watch this long after its last stream')
      .argParser(duration)
      .default(DEFAULT_WATCH_LINGER_MS, `${DEFAULT_WATCH_LINGER_MS / 1000}s`),
  )
  .addOption(
    new Option('--shutdown-grace <duration>', 'on SIGTERM, stop waiting after this long')
      .argParser(duration)
      .default(DEFAULT_SHUTDOWN_GRACE_MS, `${DEFAULT_SHUTDOWN_GRACE_MS / 1000}s`),
  )
  .addHelpText(
    'after',
    '\nSIGTERM or SIGINT drains: health NOT_SERVING, /readyz 503, every stream ends with\n' +
      'UNAVAILABLE (clients reconnect and keep their last server list meanwhile), exit 0.\n' +
      'A second signal exits at once with code 1.',
  )
  .action(async (flags: Flags) => {
    const server = createGrpclbServer({
      bind: flags.bind,
      grpcPort: flags.port,
      httpPort: flags.httpPort,
      namespace: flags.namespace,
      kubeconfig: flags.kubeconfig,
      statsIntervalMs: flags.statsInterval,
      drops: flags.drop,
      watchLingerMs: flags.watchLinger,
      shutdownGraceMs: flags.shutdownGrace,
      log: (message) => console.log(`grpclb-server: ${message}`),
    });
    drainOnShutdownSignals('grpclb-server', server);
    shutDownWhenLifelineCloses();
    const { grpcPort, httpPort } = await server.start();
    console.log(
      `grpclb-server listening: grpc ${flags.bind}:${grpcPort}, http ${flags.bind}:${httpPort} (default namespace ${server.namespace})`,
    );
  });

await runCli(program);
