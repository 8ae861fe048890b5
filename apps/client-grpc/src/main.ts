#!/usr/bin/env node
// No static import of grpc-js here or in anything this file imports
// statically: grpc-js reads GRPC_NODE_USE_ALTERNATIVE_RESOLVER when it loads,
// and this file decides that variable first.
import { Command, Option } from 'commander';
import {
  addLoadOptions,
  defaultConcurrency,
  intIn,
  keyValue,
  type LoadFlags,
  oneOf,
  onShutdownSignals,
  positiveDuration,
  runCli,
  shutDownWhenLifelineCloses,
  UsageError,
} from '@lab/cli';
import { alternativeResolverEnabled, clientNode, enableAlternativeResolver } from './env.js';
import { DEFAULT_RESOLVE_INTERVAL_MS, poolTargetOf } from './pool-resolver.js';
import { namesDnsServer, parseTarget } from './target.js';

interface Flags extends LoadFlags {
  target: string;
  call: 'unary' | 'stream';
  lb: 'pick_first' | 'round_robin' | 'grpclb';
  grpclbBalancer?: string;
  grpclbService?: string;
  grpclbFallbackTimeout?: number;
  mode: 'channel' | 'pool';
  resolveInterval: number;
  dnsMinResolutionMs?: number;
  channelOption: Record<string, string>;
}

const command = new Command('client-grpc')
  .description(
    'Calls lab.addr.v1.AddrService/GetAddr in a loop through one gRPC channel\n' +
      '(--mode pool: one per resolved address) and prints one JSON line of\n' +
      'statistics per window: calls per backend pod, failures by status, latency.',
  )
  .requiredOption(
    '--target <target>',
    'any grpc-js target: dns:///name:port, dns://server:port/name:port, ipv4:a:p,b:p, ipv6:…, unix:path, passthrough:///name:port, kubernetes:///service.namespace:port|port-name (watches EndpointSlices; KUBECONFIG or in-cluster config)',
  )
  .addOption(
    new Option(
      '--call <kind>',
      'unary GetAddr calls, or WatchAddr streams (--concurrency streams, --rps messages/s in all)',
    )
      .argParser(oneOf('unary', 'stream'))
      .default('unary'),
  )
  .addOption(
    new Option(
      '--lb <policy>',
      'load-balancing policy, set through grpc.service_config; grpclb asks a lookaside balancer (--grpclb-*)',
    )
      .argParser(oneOf('pick_first', 'round_robin', 'grpclb'))
      .default('pick_first'),
  )
  .option(
    '--grpclb-balancer <address>',
    'with --lb grpclb: the balancer, as ip:port or a grpc-js target (dns:///grpclb.grpc-lb:9000)',
  )
  .option(
    '--grpclb-service <name>',
    'with --lb grpclb: the name sent to the balancer, e.g. addr-server.grpc-lb:grpc',
  )
  .addOption(
    new Option(
      '--grpclb-fallback-timeout <d>',
      "with --lb grpclb: use --target's own addresses if no server list came within this long",
    ).argParser(positiveDuration),
  )
  .addOption(
    new Option(
      '--mode <mode>',
      'channel: one grpc-js channel that resolves and balances (--lb); pool: resolve a dns: target ' +
        'every --resolve-interval, one pick_first channel per address, round robin over them',
    )
      .argParser(oneOf('channel', 'pool'))
      .default('channel'),
  )
  .addOption(
    new Option(
      '--resolve-interval <d>',
      "with --mode pool: time between two DNS lookups, as the OpenTelemetry load-balancing exporter's interval",
    )
      .argParser(positiveDuration)
      .default(DEFAULT_RESOLVE_INTERVAL_MS, `${DEFAULT_RESOLVE_INTERVAL_MS / 1000}s`),
  );

const program = addLoadOptions(command, 'client-grpc')
  .option(
    '--dns-min-resolution-ms <ms>',
    'grpc.dns_min_time_between_resolutions_ms: least time between two DNS resolutions (grpc-js default 30000)',
    intIn(0),
  )
  .option('--channel-option <key=value>', 'any grpc-js channel option (repeatable)', keyValue, {})
  .addHelpText(
    'after',
    `
Notes:
  grpc-js ignores the grpc.lb_policy_name channel option; --lb sets
  {"loadBalancingConfig":[{"<policy>":{}}]} in grpc.service_config instead.
  grpc-js only asks the DNS server named in dns://server:port/name targets when
  GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true; client-grpc sets it for such targets.
  grpc-js re-resolves DNS only when a connection fails or closes, and at most
  once per grpc.dns_min_time_between_resolutions_ms.
  --mode pool does what the OpenTelemetry Collector's load-balancing exporter
  does instead: it looks the name up itself (A records, from the DNS server in
  the target, else the system resolver) every --resolve-interval, opens a
  channel per new address, stops picking a removed one at once and closes it
  once its calls have ended. New pods get calls within one interval, plus any
  DNS cache on the way. A failed lookup keeps the last addresses; NXDOMAIN or
  no records empties the pool, and calls fail with UNAVAILABLE until addresses
  come back. The pool's changes go to stderr.`,
  )
  .action(async (flags: Flags, invoked: Command) => {
    const target = parseTarget(flags.target);
    const given = (option: string) => invoked.getOptionValueSource(option) === 'cli';
    if (flags.mode === 'pool') {
      poolTargetOf(target);
      for (const [option, flag] of [
        ['lb', '--lb'],
        ['dnsMinResolutionMs', '--dns-min-resolution-ms'],
      ] as const) {
        if (given(option)) {
          throw new UsageError(
            `${flag} is for --mode channel; --mode pool resolves by itself and balances round robin`,
          );
        }
      }
    } else if (given('resolveInterval')) {
      throw new UsageError('--resolve-interval is for --mode pool');
    }
    const grpclbFlags = ['grpclbBalancer', 'grpclbService', 'grpclbFallbackTimeout'] as const;
    if (flags.lb === 'grpclb') {
      if (!flags.grpclbBalancer || !flags.grpclbService) {
        throw new UsageError('--lb grpclb needs --grpclb-balancer and --grpclb-service');
      }
    } else if (grpclbFlags.some(given)) {
      throw new UsageError(
        '--grpclb-balancer, --grpclb-service and --grpclb-fallback-timeout go with --lb grpclb',
      );
    }
    // Pool channels have ipv4: targets: grpc-js resolves nothing there.
    if (flags.mode === 'channel' && namesDnsServer(target) && !alternativeResolverEnabled()) {
      enableAlternativeResolver();
      process.stderr.write(
        'client-grpc: the target names a DNS server: set GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true so that grpc-js asks it\n',
      );
    }
    const { createGrpcClient } = await import('./create-client.js');
    const client = createGrpcClient({
      target: target.target,
      name: flags.name,
      node: clientNode(),
      call: flags.call,
      lb: flags.lb,
      grpclb:
        flags.lb === 'grpclb'
          ? {
              balancer: flags.grpclbBalancer ?? '',
              serviceName: flags.grpclbService ?? '',
              fallbackTimeoutMs: flags.grpclbFallbackTimeout,
            }
          : undefined,
      mode: flags.mode,
      resolveIntervalMs: flags.resolveInterval,
      rps: flags.rps,
      concurrency:
        flags.concurrency ?? (flags.call === 'stream' ? 1 : defaultConcurrency(flags.rps)),
      durationMs: flags.duration,
      deadlineMs: flags.deadlineMs,
      windowMs: flags.window,
      pretty: flags.pretty,
      dnsMinResolutionMs: flags.dnsMinResolutionMs,
      channelOptions: Object.fromEntries(
        Object.entries(flags.channelOption).map(([k, v]) => [k, /^-?\d+$/.test(v) ? Number(v) : v]),
      ),
    });
    const stop = new AbortController();
    const removeHandlers = onShutdownSignals(() => stop.abort());
    shutDownWhenLifelineCloses();
    await client.run(stop.signal);
    removeHandlers();
  });

await runCli(program);
