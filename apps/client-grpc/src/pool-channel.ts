import * as grpc from '@grpc/grpc-js';
import type { AddrServiceClient, loadAddrProto } from '@lab/proto';
import type { PoolChannel } from './pool-balancer.js';
import { serviceConfigFor } from './service-config.js';

const ConnectivityState = grpc.connectivityState;

type AddrServiceConstructor = ReturnType<typeof loadAddrProto>['lab']['addr']['v1']['AddrService'];

/**
 * A grpc-js client for one `ipv4:a.b.c.d:port` address, pick_first. A
 * pick_first channel whose connection closes (a GOAWAY) goes IDLE and only
 * reconnects when a call arrives, and that call would pay for the connect or
 * fail on it; this one reconnects at once, as round_robin does with its
 * subchannels, so that its state tells the balancer where calls can go.
 */
export function openPoolChannel(
  AddrService: AddrServiceConstructor,
  address: string,
  channelOptions: grpc.ChannelOptions,
): PoolChannel<AddrServiceClient> {
  const client = new AddrService(address, grpc.credentials.createInsecure(), {
    ...channelOptions,
    'grpc.service_config': serviceConfigFor('pick_first'),
  });
  const channel = client.getChannel();
  let closed = false;
  const watch = () => {
    if (closed) return;
    // true: leave IDLE now rather than on the next call.
    const state = channel.getConnectivityState(true);
    if (state === ConnectivityState.SHUTDOWN) return;
    // No deadline, so no timer: close() ends the watch by moving to SHUTDOWN.
    channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, watch);
  };
  watch();
  return {
    client,
    state: () => {
      switch (channel.getConnectivityState(false)) {
        case ConnectivityState.READY:
          return 'ready';
        case ConnectivityState.IDLE:
        case ConnectivityState.CONNECTING:
          return 'connecting';
        default:
          return 'failing';
      }
    },
    close: () => {
      closed = true;
      client.close();
    },
  };
}
