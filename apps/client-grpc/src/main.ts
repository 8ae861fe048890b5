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
  runCli,
  shutDownWhenLifelineCloses,
} from '@lab/cli';
import { alternativeResolverEnabled, enableAlternativeResolver } from './env.js';
import { namesDnsServer, parseTarget } from './target.js';

interface Flags extends LoadFlags {
  target: string;
  call: 'unary' | 'stream';
  lb: 'pick_first' | 'round_robin';
  dnsMinResolutionMs?: number;
  channelOption: Record<string, string>;
}

const command = new Command('client-grpc')
  .description(
    'Calls lab.addr.v1.AddrService/GetAddr in a loop through one gRPC channel and prints one\n' +
      'JSON line of statistics per window: calls per backend pod, failures by status, latency.',
  )
  .requiredOption(
    '--target <target>',
    'any grpc-js target: dns:///name:port, dns://server:port/name:port, ipv4:a:p,b:p, ipv6:…, unix:path, passthrough:///name:port',
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
    new Option('--lb <policy>', 'load-balancing policy, set through grpc.service_config')
      .argParser(oneOf('pick_first', 'round_robin'))
      .default('pick_first'),
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
  once per grpc.dns_min_time_between_resolutions_ms.`,
  )
  .action(async (flags: Flags) => {
    const target = parseTarget(flags.target);
    if (namesDnsServer(target) && !alternativeResolverEnabled()) {
      enableAlternativeResolver();
      process.stderr.write(
        'client-grpc: the target names a DNS server: set GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true so that grpc-js asks it\n',
      );
    }
    const { createGrpcClient } = await import('./create-client.js');
    const client = createGrpcClient({
      target: target.target,
      name: flags.name,
      call: flags.call,
      lb: flags.lb,
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
