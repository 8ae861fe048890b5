import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { experimental, type ChannelOptions, status } from '@grpc/grpc-js';

type GrpcUri = experimental.GrpcUri;

/**
 * `passthrough:[//dns-server/]host:port`: the name is looked up once, the
 * first address is used for the life of the channel, and it is never looked
 * up again, whatever happens to the connection. grpc-go's passthrough never
 * re-resolves either, though its dialer looks the name up again on each new
 * connection; this one keeps the first address, which makes the contrast
 * with `dns:` exact. grpc-js has no passthrough, so the lab adds it. An
 * optional authority names the DNS server to ask.
 */
export const PASSTHROUGH_SCHEME = 'passthrough';

class PassthroughResolver implements experimental.Resolver {
  private resolved = false;
  private resolving = false;

  constructor(
    private readonly target: GrpcUri,
    private readonly listener: experimental.ResolverListener,
    _options: ChannelOptions,
  ) {}

  updateResolution(): void {
    if (this.resolved || this.resolving) return;
    this.resolving = true;
    const hostPort = experimental.splitHostPort(this.target.path);
    if (!hostPort?.port) {
      this.fail(`passthrough target '${this.target.path}' needs host:port`);
      return;
    }
    const { host, port } = hostPort;
    lookupOnce(host, this.target.authority)
      .then((address) => {
        this.resolved = true;
        this.listener(
          experimental.statusOrFromValue([{ addresses: [{ host: address, port }] }]),
          {},
          null,
          `passthrough: ${host} looked up once as ${address}`,
        );
      })
      .catch((error: Error) => this.fail(`passthrough lookup of ${host} failed: ${error.message}`))
      .finally(() => {
        this.resolving = false;
      });
  }

  destroy(): void {}

  static getDefaultAuthority(target: GrpcUri): string {
    return target.path;
  }

  private fail(details: string): void {
    setImmediate(() =>
      this.listener(
        experimental.statusOrFromError({ code: status.UNAVAILABLE, details }),
        {},
        null,
        details,
      ),
    );
  }
}

async function lookupOnce(host: string, dnsServer: string | undefined): Promise<string> {
  if (isIP(host)) return host;
  if (dnsServer) {
    const resolver = new dns.Resolver();
    resolver.setServers([dnsServer]);
    const [first] = await resolver.resolve4(host);
    if (!first) throw new Error('no A record');
    return first;
  }
  return (await dns.lookup(host)).address;
}

export function setup(): void {
  experimental.registerResolver(PASSTHROUGH_SCHEME, PassthroughResolver);
}
