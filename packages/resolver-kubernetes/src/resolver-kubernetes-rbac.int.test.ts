/**
 * RBAC failures through a real grpc-js channel, against a tiny loopback HTTP
 * server that answers as a real API server does when a Role is missing: 403
 * and a Kubernetes `Status` body.
 */
import { vi } from 'vitest';

// grpc-js reads GRPC_TRACE once, when it loads: set it before the imports.
vi.hoisted(() => {
  process.env.GRPC_TRACE = 'kubernetes_resolver';
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadAddrProto } from '@lab/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KUBERNETES_RESOLVER_CONFIG_OPTION, setup } from './resolver-kubernetes.js';

const NAMESPACE = 'grpc-lb';
const USER = 'system:serviceaccount:grpc-lb:client-grpc';

function forbidden(verb: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `endpointslices.discovery.k8s.io is forbidden: User "${USER}" cannot ${verb} resource "endpointslices" in API group "discovery.k8s.io" in the namespace "${NAMESPACE}"`,
    reason: 'Forbidden',
    details: { group: 'discovery.k8s.io', kind: 'endpointslices' },
    code: 403,
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
let dir: string;
let requests: string[];
let traces: string[];

async function startApi(handler: Handler): Promise<string> {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const path = join(dir, 'kubeconfig');
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: lab\n  cluster:\n    server: http://127.0.0.1:${port}`,
      'users:',
      '- name: client-grpc\n  user:\n    token: not-a-real-token',
      'contexts:',
      `- name: lab\n  context:\n    cluster: lab\n    user: client-grpc\n    namespace: ${NAMESPACE}`,
      'current-context: lab',
      '',
    ].join('\n'),
  );
  return path;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeEach(async () => {
  requests = [];
  traces = [];
  dir = await mkdtemp(join(tmpdir(), 'resolver-kubernetes-'));
  grpc.setLogger({
    error: (...args: unknown[]) => traces.push(args.join(' ')),
    info: () => {},
    debug: () => {},
  });
  setup();
});

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
  grpc.setLogger(console);
});

/**
 * GetAddr through a fresh channel, once `ready()` holds (polled, 5 s at
 * most); resolves with the call's error.
 */
async function callOnce(
  kubeconfig: string,
  target: string,
  ready: () => boolean = () => true,
): Promise<grpc.ServiceError> {
  const { AddrService } = loadAddrProto().lab.addr.v1;
  const client = new AddrService(target, grpc.credentials.createInsecure(), {
    [KUBERNETES_RESOLVER_CONFIG_OPTION]: JSON.stringify({
      kubeconfig,
      backoffInitialMs: 200,
      backoffMaxMs: 400,
    }),
  });
  try {
    // Connecting starts the resolver; the wait below then sees its traces.
    client.getChannel().getConnectivityState(true);
    for (let waited = 0; !ready() && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return await new Promise((resolve, reject) =>
      client.GetAddr({ client: 'rbac-test' }, { deadline: Date.now() + 3000 }, (error) =>
        error ? resolve(error) : reject(new Error('the call succeeded')),
      ),
    );
  } finally {
    client.close();
  }
}

describe('an RBAC 403 from the API server', { timeout: 15_000 }, () => {
  it('without list: the call fails UNAVAILABLE, naming the verb, the resource and the namespace; traced', async () => {
    const kubeconfig = await startApi((_req, res) => json(res, 403, forbidden('list')));
    const error = await callOnce(kubeconfig, 'kubernetes:///addr-server:grpc');
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain(
      'forbidden: cannot list endpointslices.discovery.k8s.io in namespace grpc-lb ' +
        '(RBAC: the resolver needs get, list and watch on endpointslices there)',
    );
    // The server's own words name the user that lacks the Role.
    expect(error.details).toContain(`User "${USER}" cannot list resource "endpointslices"`);
    expect(requests[0]).toBe(
      'GET /apis/discovery.k8s.io/v1/namespaces/grpc-lb/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Daddr-server',
    );
    expect(
      traces.some((t) =>
        t.includes('| kubernetes_resolver | grpc-lb/addr-server:grpc: forbidden: cannot list'),
      ),
    ).toBe(true);
  });

  it('with list but without watch: names watch', async () => {
    const kubeconfig = await startApi((req, res) => {
      if (req.url?.includes('watch=true')) json(res, 403, forbidden('watch'));
      else
        json(res, 200, {
          kind: 'EndpointSliceList',
          apiVersion: 'discovery.k8s.io/v1',
          metadata: { resourceVersion: '7' },
          items: [],
        });
    });
    const error = await callOnce(kubeconfig, 'kubernetes://grpc-lb/addr-server:grpc', () =>
      traces.some((t) => t.includes('cannot watch')),
    );
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain(
      'forbidden: cannot watch endpointslices.discovery.k8s.io in namespace grpc-lb',
    );
    expect(requests.some((r) => r.includes('watch=true'))).toBe(true);
    expect(traces.some((t) => t.includes('forbidden: cannot watch'))).toBe(true);
  });
});
