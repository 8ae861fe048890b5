import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import {
  type AddrServiceHandlers,
  type GetAddrResponse,
  type GreeterHandlers,
  loadAddrProto,
  loadHelloworldProto,
  loadLabPackageDefinition,
} from '@lab/proto';
import { HealthImplementation, type ServingStatusMap } from 'grpc-health-check';
import type { AddrAnswer, ServerState } from './server-state.js';

export const ADDR_SERVICE = 'lab.addr.v1.AddrService';
export const GREETER_SERVICE = 'helloworld.Greeter';

const DEFAULT_WATCH_INTERVAL_MS = 1000;
const MIN_WATCH_INTERVAL_MS = 10;

/** '' is the whole server, as probes and `grpc_health_probe` ask by default. */
const HEALTH_SERVICES = ['', ADDR_SERVICE, GREETER_SERVICE];

function timestamp(date: Date): { seconds: number; nanos: number } {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function toProto(answer: AddrAnswer, startTime = timestamp(answer.startTime)): GetAddrResponse {
  return {
    podName: answer.podName,
    podIp: answer.podIp,
    nodeName: answer.nodeName,
    startTime,
    callsServed: answer.callsServed,
  };
}

function addrHandlers(state: ServerState): AddrServiceHandlers {
  const inFlight = state.metrics.inFlight.labels('grpc');
  const getAddrCalls = state.callCounter('grpc', 'GetAddr');
  const watchAddrCalls = state.callCounter('grpc', 'WatchAddr');
  const startTime = timestamp(state.identity.startTime);
  return {
    GetAddr: (_call, callback) => {
      // The common case, no artificial latency, answers synchronously: no
      // promise, no timer, as close to a bare handler as the answer allows.
      if (!state.hasLatency) {
        callback(null, toProto(state.answer(getAddrCalls), startTime));
        return;
      }
      inFlight.inc();
      void state.delay().then(() => {
        inFlight.dec();
        callback(null, toProto(state.answer(getAddrCalls), startTime));
      });
    },
    WatchAddr: (call) => {
      inFlight.inc();
      const requested = call.request.intervalMs || DEFAULT_WATCH_INTERVAL_MS;
      const intervalMs = Math.max(MIN_WATCH_INTERVAL_MS, requested);
      let sequence = 0;
      const send = () => {
        sequence += 1;
        call.write({ addr: toProto(state.answer(watchAddrCalls), startTime), sequence });
      };
      const timer = setInterval(send, intervalMs);
      // A stream never ends by itself, so draining ends it with OK; the
      // client sees a clean end and opens a new stream elsewhere.
      const stopOnDrain = state.onDrain(() => call.end());
      const cleanup = () => {
        clearInterval(timer);
        stopOnDrain();
        inFlight.dec();
      };
      call.once('cancelled', cleanup);
      call.once('finish', cleanup);
      call.once('error', cleanup);
      send();
    },
  };
}

function greeterHandlers(state: ServerState): GreeterHandlers {
  const calls = state.callCounter('grpc', 'SayHello');
  return {
    SayHello: async (call, callback) => {
      await state.delay();
      const answer = state.answer(calls);
      callback(null, {
        message: `Hello ${call.request.name} (from ${answer.podName} ${answer.podIp})`,
      });
    },
  };
}

export interface GrpcServerOptions {
  /** grpc-js server options, e.g. grpc.max_connection_age_ms. */
  channelOptions: grpc.ServerOptions;
}

/**
 * The gRPC side: AddrService, Greeter, grpc.health.v1 and reflection.
 * Health turns NOT_SERVING as soon as the server starts draining, so a
 * readiness probe and health-checking clients stop sending new calls before
 * the GOAWAY.
 */
export function createGrpcServer(state: ServerState, options: GrpcServerOptions): grpc.Server {
  const server = new grpc.Server(options.channelOptions);
  const addr = loadAddrProto();
  const hello = loadHelloworldProto();
  server.addService(addr.lab.addr.v1.AddrService.service, addrHandlers(state));
  server.addService(hello.helloworld.Greeter.service, greeterHandlers(state));

  const serving: ServingStatusMap = Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'SERVING']));
  const health = new HealthImplementation(serving);
  health.addToServer(server);
  state.onDrain(() => {
    for (const service of HEALTH_SERVICES) health.setStatus(service, 'NOT_SERVING');
  });

  new ReflectionService(loadLabPackageDefinition()).addToServer(server);
  return server;
}
