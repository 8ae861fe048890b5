import * as grpc from '@grpc/grpc-js';
import { loadLabPackageDefinition } from '@lab/proto';

type CheckCallback = (error: grpc.ServiceError | null, reply?: { status: string }) => void;
interface HealthClient extends grpc.Client {
  Check(request: { service: string }, options: grpc.CallOptions, callback: CheckCallback): void;
}
type HealthClientConstructor = new (
  target: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => HealthClient;

let Health: HealthClientConstructor | undefined;

function healthConstructor(): HealthClientConstructor {
  Health ??= (
    grpc.loadPackageDefinition(loadLabPackageDefinition()) as unknown as {
      grpc: { health: { v1: { Health: HealthClientConstructor } } };
    }
  ).grpc.health.v1.Health;
  return Health;
}

/**
 * A gRPC readiness probe, as kubelet's `grpc:` probe: one Check call on the
 * pod's address, SERVING or not. Each probe has its own channel (no shared
 * subchannel pool), so probing never touches the clients' connections.
 */
export class HealthProbe {
  private readonly client: HealthClient;

  constructor(address: string) {
    this.client = new (healthConstructor())(`ipv4:${address}`, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 200,
    });
  }

  check(timeoutMs = 1000): Promise<boolean> {
    return new Promise((resolve) => {
      this.client.Check({ service: '' }, { deadline: Date.now() + timeoutMs }, (error, reply) =>
        resolve(!error && reply?.status === 'SERVING'),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
