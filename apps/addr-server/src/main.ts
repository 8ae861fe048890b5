#!/usr/bin/env node
import { Command, Option } from 'commander';
import {
  duration,
  intIn,
  keyValue,
  drainOnShutdownSignals,
  port,
  runCli,
  shutDownWhenLifelineCloses,
} from '@lab/cli';
import { createAddrServer, DEFAULT_SHUTDOWN_GRACE_MS } from './create-server.js';

interface Flags {
  bind: string;
  httpPort: number;
  grpcPort: number;
  maxConnectionAgeMs?: number;
  maxConnectionAgeGraceMs?: number;
  serverOption: Record<string, string>;
  latencyMs: number;
  latencyJitterMs: number;
  drainDelay: number;
  shutdownGrace: number;
}

/** grpc-js options are numbers or strings; pass numbers as numbers. */
function optionValues(raw: Record<string, string>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [key, /^-?\d+$/.test(value) ? Number(value) : value]),
  );
}

const program = new Command('addr-server')
  .description(
    'Answers which pod served each call: GET /addr over HTTP and lab.addr.v1.AddrService over gRPC,\n' +
      'plus helloworld.Greeter, grpc.health.v1.Health and server reflection.\n' +
      'Identity comes from POD_NAME, POD_IP and NODE_NAME, else the hostname and the bound address.',
  )
  .option('--bind <ip>', 'address both listeners bind to', '0.0.0.0')
  .option('--http-port <port>', 'HTTP port (/addr, /healthz, /readyz, /metrics)', port, 8080)
  .option('--grpc-port <port>', 'gRPC port', port, 50051)
  .option(
    '--max-connection-age-ms <ms>',
    'send GOAWAY to each connection after this long (grpc.max_connection_age_ms)',
    intIn(1),
  )
  .option(
    '--max-connection-age-grace-ms <ms>',
    'time left to calls after that GOAWAY (grpc.max_connection_age_grace_ms)',
    intIn(0),
  )
  .option('--server-option <key=value>', 'any grpc-js server option (repeatable)', keyValue, {})
  .option('--latency-ms <ms>', 'artificial latency added to every unary answer', intIn(0), 0)
  .option('--latency-jitter-ms <ms>', 'extra random latency, uniform in [0, ms)', intIn(0), 0)
  .addOption(
    new Option(
      '--drain-delay <duration>',
      'on SIGTERM, time between readiness turning false and the GOAWAY',
    )
      .argParser(duration)
      .default(0, '0'),
  )
  .addOption(
    new Option('--shutdown-grace <duration>', 'on SIGTERM, cut remaining calls after this long')
      .argParser(duration)
      .default(DEFAULT_SHUTDOWN_GRACE_MS, `${DEFAULT_SHUTDOWN_GRACE_MS / 1000}s`),
  )
  .addHelpText(
    'after',
    '\nSIGTERM or SIGINT drains: readiness false, GOAWAY, calls in flight finish, exit 0.\n' +
      'A second signal, or the grace period running out, exits at once with code 1.',
  )
  .action(async (flags: Flags) => {
    const server = createAddrServer({
      bind: flags.bind,
      httpPort: flags.httpPort,
      grpcPort: flags.grpcPort,
      maxConnectionAgeMs: flags.maxConnectionAgeMs,
      maxConnectionAgeGraceMs: flags.maxConnectionAgeGraceMs,
      serverOptions: optionValues(flags.serverOption),
      latencyMs: flags.latencyMs,
      latencyJitterMs: flags.latencyJitterMs,
      drainDelayMs: flags.drainDelay,
      shutdownGraceMs: flags.shutdownGrace,
      log: (message) => console.log(`addr-server ${server.identity.podName}: ${message}`),
    });
    const { podName, podIp, nodeName } = server.identity;
    // Handlers first: a supervisor that sends SIGTERM as soon as it reads the
    // "listening" line must get a drain, not the default kill.
    drainOnShutdownSignals(`addr-server ${podName}`, server);
    shutDownWhenLifelineCloses();
    const { grpcPort, httpPort } = await server.start();
    console.log(
      `addr-server ${podName} (ip ${podIp}, node ${nodeName}) listening: grpc ${flags.bind}:${grpcPort}, http ${flags.bind}:${httpPort}`,
    );
  });

await runCli(program);
