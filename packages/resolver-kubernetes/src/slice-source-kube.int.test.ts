/**
 * KubeSliceSource through @kubernetes/client-node against a tiny loopback
 * HTTP server that misbehaves on purpose: what each failure turns into.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SliceSourceError } from './slice-source.js';
import { KubeSliceSource } from './slice-source-kube.js';

let server: Server | undefined;
let dir: string;
let requests: string[];

beforeEach(async () => {
  requests = [];
  dir = await mkdtemp(join(tmpdir(), 'slice-source-kube-'));
});

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function kubeconfigFor(url: string, namespace?: string): Promise<string> {
  const path = join(dir, 'kubeconfig');
  const ns = namespace ? `\n    namespace: ${namespace}` : '';
  await writeFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${url}
users:
- name: u
  user: {}
contexts:
- name: x
  context:
    cluster: c
    user: u${ns}
current-context: x
`,
  );
  return path;
}

async function startApi(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function source(kubeconfigPath: string, namespace?: string, watchTimeoutSeconds = 300) {
  return new KubeSliceSource({
    service: 'addr-server',
    namespace,
    kubeconfigPath,
    requestTimeoutMs: 500,
    watchTimeoutSeconds,
  });
}

async function listError(s: KubeSliceSource): Promise<SliceSourceError> {
  const error = await s.list().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SliceSourceError)) throw new Error(`not a SliceSourceError: ${error}`);
  return error;
}

function status(code: number, message: string) {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });
}

describe('KubeSliceSource', { timeout: 10_000 }, () => {
  it('lists with the service label in the kubeconfig context namespace', async () => {
    const url = await startApi((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'EndpointSliceList',
          metadata: { resourceVersion: '12' },
          items: [{ metadata: { name: 'addr-server-x' }, addressType: 'IPv4', endpoints: null }],
        }),
      );
    });
    const s = source(await kubeconfigFor(url, 'team-a'));
    const list = await s.list();
    expect(list.resourceVersion).toBe('12');
    expect(list.slices.map((slice) => slice.metadata?.name)).toEqual(['addr-server-x']);
    expect(s.namespace).toBe('team-a');
    expect(requests).toEqual([
      'GET /apis/discovery.k8s.io/v1/namespaces/team-a/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Daddr-server',
    ]);
  });

  it('falls back to the default namespace when neither target nor context names one', async () => {
    const url = await startApi((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"kind":"EndpointSliceList","metadata":{"resourceVersion":"1"},"items":[]}');
    });
    const s = source(await kubeconfigFor(url));
    await s.list();
    expect(s.namespace).toBe('default');
    expect(requests[0]).toContain('/namespaces/default/');
  });

  it.each([
    [401, 'unauthorized', 'Unauthorized', /^unauthorized: the API server rejected the credentials/],
    [
      403,
      'forbidden',
      'nope',
      /^forbidden: cannot list endpointslices.discovery.k8s.io in namespace ns .*said: nope$/,
    ],
    [404, 'http', 'the server could not find the requested resource', /Kubernetes 1.21 or later/],
    [500, 'http', 'etcd is sad', /failed with HTTP 500; the API server said: etcd is sad$/],
  ])(
    'turns a %i on list into a %s error that says what to do',
    async (code, kind, message, text) => {
      const url = await startApi((_req, res) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(status(code, message));
      });
      const error = await listError(source(await kubeconfigFor(url), 'ns'));
      expect(error.kind).toBe(kind);
      expect(error.status).toBe(code);
      expect(error.message).toMatch(text);
    },
  );

  it('reports a refused connection and a silent server as unreachable', async () => {
    const url = await startApi(() => {}); // never answers
    const silent = await listError(source(await kubeconfigFor(url), 'ns'));
    expect(silent.kind).toBe('unreachable');
    expect(silent.message).toMatch(
      /no answer from the Kubernetes API at http:\/\/127.0.0.1:\d+ within 500 ms/,
    );
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const refused = await listError(source(await kubeconfigFor(url), 'ns'));
    expect(refused.kind).toBe('unreachable');
    expect(refused.message).toMatch(
      /cannot reach the Kubernetes API at .* to list endpointslices: ECONNREFUSED/,
    );
  });

  it('says there is no config when the kubeconfig cannot be read', async () => {
    const error = await listError(source(join(dir, 'missing')));
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/^cannot load the Kubernetes config from .*missing/);
  });

  it('watches from a resourceVersion, passes events on, and ends normally on EOF', async () => {
    const url = await startApi((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const added = { metadata: { name: 's1', resourceVersion: '6' } };
      res.write(`${JSON.stringify({ type: 'ADDED', object: added })}\n`);
      res.end(`${JSON.stringify({ type: 'ERROR', object: { code: 410, reason: 'Expired' } })}\n`);
    });
    const s = source(await kubeconfigFor(url), 'ns');
    const events: string[] = [];
    const ended = await new Promise<SliceSourceError | undefined>((resolve) => {
      s.watch(
        '5',
        (event) => events.push(`${event.type} ${JSON.stringify(event.object)}`),
        resolve,
      );
    });
    expect(ended).toBeUndefined();
    expect(events).toEqual([
      'ADDED {"metadata":{"name":"s1","resourceVersion":"6"}}',
      'ERROR {"code":410,"reason":"Expired"}',
    ]);
    const query = new URL(`http://x${requests[0]?.split(' ')[1]}`).searchParams;
    expect(Object.fromEntries(query)).toEqual({
      watch: 'true',
      labelSelector: 'kubernetes.io/service-name=addr-server',
      resourceVersion: '5',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '300',
    });
  });

  it('ends a watch refused with 403 with an error that names watch', async () => {
    const url = await startApi((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(status(403, 'forbidden'));
    });
    const s = source(await kubeconfigFor(url), 'ns');
    const ended = await new Promise<SliceSourceError | undefined>((resolve) => {
      s.watch('1', () => {}, resolve);
    });
    expect(ended?.kind).toBe('forbidden');
    expect(ended?.message).toMatch(
      /^forbidden: cannot watch endpointslices.discovery.k8s.io in namespace ns/,
    );
  });

  it('gives up on a watch still open past its timeout: the connection is presumed dead', async () => {
    const url = await startApi((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders(); // and then nothing, ever
    });
    const s = source(await kubeconfigFor(url), 'ns', 1);
    const started = Date.now();
    const ended = await new Promise<SliceSourceError | undefined>((resolve) => {
      s.watch('1', () => {}, resolve);
    });
    expect(ended?.kind).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('stop() closes the request, and nothing is reported after it', async () => {
    let closed = false;
    const url = await startApi((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      req.socket.on('close', () => {
        closed = true;
      });
    });
    const s = source(await kubeconfigFor(url), 'ns');
    let reported = false;
    const watch = s.watch(
      '1',
      () => {},
      () => {
        reported = true;
      },
    );
    for (let i = 0; requests.length === 0 && i < 100; i++)
      await new Promise((r) => setTimeout(r, 20));
    watch.stop();
    for (let i = 0; !closed && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(true);
    expect(reported).toBe(false);
  });
});
