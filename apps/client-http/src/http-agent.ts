import { Agent } from 'node:http';

/**
 * The connection policy is the whole experiment for an HTTP client, so it is
 * always an explicit Agent and never Node's global one: since Node 19 the
 * global agent (`http.globalAgent`) keeps connections alive, so a client that
 * relies on it silently pins itself to the pods it first connected to.
 *
 * - keepalive off: every request opens its own TCP connection and sends
 *   `Connection: close`. An L4 balancer (kube-proxy behind a ClusterIP or
 *   NodePort Service) picks an endpoint per connection, so requests spread
 *   over the Ready pods. This is what the original Go client of the grpc-lb
 *   experiment did, and why its HTTP traffic spread after a scale-up.
 * - keepalive on: requests reuse pooled connections, so each request goes to
 *   the pod its pooled connection was opened to, as every call on a gRPC
 *   channel does. New pods only get traffic when the pool opens a new
 *   connection (more concurrent requests, or the server closing one).
 */
export function createAgent(keepalive: boolean): Agent {
  return keepalive ? new Agent({ keepAlive: true }) : new Agent({ keepAlive: false });
}
