import { addLoadOptions, type LoadFlags, oneOf } from '@lab/cli';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_NAME, type HttpClientOptions } from './create-client.js';
import { addrUrl } from './http-target.js';

interface Flags extends LoadFlags {
  target: string;
  keepalive: 'on' | 'off';
}

/** `--target`: checked here so a bad URL is a usage error (exit 2) naming the flag. */
export function targetArg(value: string): string {
  try {
    addrUrl(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

const HELP_AFTER = `
Every window prints one JSON line on stdout (with --pretty: per-pod bars).
SIGTERM or SIGINT stops starting calls, waits for the calls in flight, prints
the last window (marked "final") and exits 0; a second signal exits 1.

Keep-alive: Node's own global agent keeps connections alive (since Node 19),
which pins an HTTP client to the pods it first reached, just like a gRPC
channel. This client never uses the global agent. With --keepalive off (the
default) each request opens a new TCP connection, so an L4 Service
(kube-proxy, ClusterIP / NodePort) picks a pod per request and traffic
spreads, as the original Go client's did; --keepalive on reuses pooled
connections and shows HTTP pinning like gRPC.

Errors are counted by code: HTTP_<status> for a non-2xx answer, the socket
code (ECONNREFUSED, ECONNRESET, ...) for network failures, DEADLINE_EXCEEDED
when --deadline-ms runs out, INVALID_RESPONSE for a 2xx body that is not the
addr-server's JSON.

Example:
  client-http --target http://127.0.0.1:8080 --rps 20 --duration 30s --pretty`;

/**
 * The command line. `run` receives validated client options; main.ts adds the
 * signal handling and runCli adds exit codes.
 */
export function createProgram(run: (options: HttpClientOptions) => Promise<void>): Command {
  const program = new Command('client-http')
    .description(
      'Calls GET <target>/addr over HTTP/1.1 in a loop and reports, per window, which pods answered.',
    )
    .requiredOption(
      '--target <url>',
      'base URL of the addr-server or its Service, http: only (example: http://127.0.0.1:8080)',
      targetArg,
    );
  return addLoadOptions(program, DEFAULT_NAME)
    .addOption(
      new Option(
        '--keepalive <on|off>',
        'off: a new TCP connection per request (lets an L4 Service spread requests); on: reuse pooled connections (pins like gRPC)',
      )
        .argParser(oneOf('on', 'off'))
        .default('off'),
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: Flags) => {
      await run({
        target: flags.target,
        name: flags.name,
        rps: flags.rps,
        concurrency: flags.concurrency,
        durationMs: flags.duration,
        deadlineMs: flags.deadlineMs,
        windowMs: flags.window,
        keepalive: flags.keepalive === 'on',
        pretty: flags.pretty,
      });
    });
}
