#!/usr/bin/env node
import {
  duration,
  nonEmpty,
  oneOf,
  drainOnShutdownSignals,
  port,
  runCli,
  shutDownWhenLifelineCloses,
} from '@lab/cli';
import { Command, Option } from 'commander';
import {
  createXdsServer,
  DEFAULT_GRPC_PORT,
  DEFAULT_HTTP_PORT,
  DEFAULT_SHUTDOWN_GRACE_MS,
} from './create-server.js';
import { DEFAULT_DEBOUNCE_MAX_MS, DEFAULT_DEBOUNCE_MS } from './debounce.js';
import { DEFAULT_LB_POLICY, LB_POLICIES, type LbPolicy } from './resources.js';
import {
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_ENVOY_BASE_PORT,
  SERVICE_SPEC_FORMS,
} from './service-spec.js';

interface Flags {
  bind: string;
  port: number;
  httpPort: number;
  service: string[];
  namespace?: string;
  kubeconfig?: string;
  debounce: number;
  debounceMax: number;
  lbPolicy: LbPolicy;
  envoyPort: number;
  envoyBind: string;
  clusterDomain: string;
  shutdownGrace: number;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const program = new Command('xds-server')
  .description(
    'An xDS control plane: ADS over the v3 API, state of the world, for Envoy and\n' +
      'proxyless gRPC (grpc-js-xds, grpc-go, C-core). Per --service: API Listeners for\n' +
      'proxyless clients (xds:///service.namespace), an Envoy Listener, a\n' +
      'RouteConfiguration, an EDS Cluster and a ClusterLoadAssignment built from the\n' +
      "Service's EndpointSlices (list + watch), one locality per zone/node.",
  )
  .requiredOption(
    '--service <name>',
    `a Service to serve, ${SERVICE_SPEC_FORMS}, e.g. addr-server.grpc-lb:grpc (repeatable)`,
    collect,
  )
  .option('--bind <ip>', 'address both listeners bind to', '0.0.0.0')
  .option('--port <port>', 'gRPC port (ADS, health)', port, DEFAULT_GRPC_PORT)
  .option(
    '--http-port <port>',
    'HTTP port (/metrics, /healthz, /readyz, /debug/config_dump, POST /debug/lb_policy)',
    port,
    DEFAULT_HTTP_PORT,
  )
  .option(
    '--namespace <ns>',
    'namespace of services that name none (default: $POD_NAMESPACE, else default)',
    nonEmpty,
  )
  .option(
    '--kubeconfig <path>',
    'kubeconfig file (default: $KUBECONFIG, else in-cluster, else ~/.kube/config)',
    nonEmpty,
  )
  .addOption(
    new Option('--debounce <duration>', 'quiet time before endpoint changes are pushed; 0: at once')
      .argParser(duration)
      .default(DEFAULT_DEBOUNCE_MS, `${DEFAULT_DEBOUNCE_MS}ms`),
  )
  .addOption(
    new Option('--debounce-max <duration>', 'longest a burst of changes is held back')
      .argParser(duration)
      .default(DEFAULT_DEBOUNCE_MAX_MS, `${DEFAULT_DEBOUNCE_MAX_MS / 1000}s`),
  )
  .addOption(
    new Option(
      '--lb-policy <policy>',
      "the Clusters' lb_policy at start (POST /debug/lb_policy changes it live)",
    )
      .argParser(oneOf(...LB_POLICIES))
      .default(DEFAULT_LB_POLICY),
  )
  .option(
    '--envoy-port <port>',
    "port of the first Service's Envoy listener; the next Service gets the next port",
    port,
    DEFAULT_ENVOY_BASE_PORT,
  )
  .option('--envoy-bind <ip>', 'address the Envoy listeners bind', '0.0.0.0')
  .option('--cluster-domain <domain>', 'for the FQDN listener names', DEFAULT_CLUSTER_DOMAIN)
  .addOption(
    new Option('--shutdown-grace <duration>', 'on SIGTERM, stop waiting after this long')
      .argParser(duration)
      .default(DEFAULT_SHUTDOWN_GRACE_MS, `${DEFAULT_SHUTDOWN_GRACE_MS / 1000}s`),
  )
  .addHelpText(
    'after',
    '\nSIGTERM or SIGINT drains: health NOT_SERVING, /readyz 503, every stream ends with\n' +
      'UNAVAILABLE (clients keep their resources and reconnect), exit 0.\n' +
      'A second signal exits at once with code 1.',
  )
  .action(async (flags: Flags) => {
    const server = createXdsServer({
      bind: flags.bind,
      grpcPort: flags.port,
      httpPort: flags.httpPort,
      services: flags.service,
      namespace: flags.namespace,
      kubeconfig: flags.kubeconfig,
      debounceMs: flags.debounce,
      debounceMaxMs: flags.debounceMax,
      lbPolicy: flags.lbPolicy,
      envoyBasePort: flags.envoyPort,
      envoyBindAddress: flags.envoyBind,
      clusterDomain: flags.clusterDomain,
      shutdownGraceMs: flags.shutdownGrace,
      log: (message) => console.log(`xds-server: ${message}`),
    });
    drainOnShutdownSignals('xds-server', server);
    shutDownWhenLifelineCloses();
    const { grpcPort, httpPort } = await server.start();
    const served = server.services.map((s) => s.clusterName).join(', ');
    console.log(
      `xds-server listening: grpc ${flags.bind}:${grpcPort}, http ${flags.bind}:${httpPort} (serving ${served})`,
    );
  });

await runCli(program);
