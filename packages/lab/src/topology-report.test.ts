import { parseWindowLine, type WindowLine } from '@lab/stats';
import { describe, expect, it } from 'vitest';
import { renderTopologyLines, renderTopologyMarkdown, topologyReport } from './topology-report.js';

/** A window line as a client prints it, checked by the real schema. */
function windowLine(
  client: string,
  backends: Record<string, number>,
  placement: {
    node?: string;
    backendNodes?: Record<string, string>;
    proxies?: Record<string, number>;
  },
): WindowLine {
  const ok = Object.values(backends).reduce((a, b) => a + b, 0);
  const parsed = parseWindowLine(
    JSON.stringify({
      type: 'window',
      v: 1,
      client,
      protocol: 'grpc',
      start: 1000,
      end: 1500,
      ok,
      failed: 0,
      errors: {},
      skipped: 0,
      backends,
      backendIps: Object.fromEntries(
        Object.keys(backends).map((pod, i) => [pod, `10.0.0.${i + 1}`]),
      ),
      latencyMs: null,
      histogram: '',
      ...placement,
    }),
  );
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.line;
}

const zones = {
  'gke-a1': 'europe-west1-b',
  'gke-a2': 'europe-west1-b',
  'gke-c1': 'europe-west1-c',
};
const podNodes = { 'addr-1': 'gke-a1', 'addr-2': 'gke-a2', 'addr-3': 'gke-c1' };

describe('topologyReport', () => {
  it("counts each client's calls per node and per zone, and the share that stayed local", () => {
    const report = topologyReport(
      [
        windowLine(
          'xds',
          { 'addr-1': 30, 'addr-2': 50, 'addr-3': 20 },
          { node: 'gke-a1', backendNodes: podNodes },
        ),
        windowLine(
          'xds',
          { 'addr-1': 10, 'addr-3': 40 },
          { node: 'gke-a1', backendNodes: podNodes },
        ),
      ],
      zones,
    );
    expect(report?.clients).toEqual([
      {
        client: 'xds',
        node: 'gke-a1',
        zone: 'europe-west1-b',
        calls: 150,
        unplaced: 0,
        byNode: { 'gke-a1': 40, 'gke-a2': 50, 'gke-c1': 60 },
        byZone: { 'europe-west1-b': 90, 'europe-west1-c': 60 },
        sameNode: 40 / 150,
        sameZone: 90 / 150,
      },
    ]);
  });

  it('every call crossing zones gives a same-zone share of 0, not a missing one', () => {
    const report = topologyReport(
      [windowLine('remote', { 'addr-3': 25 }, { node: 'gke-a2', backendNodes: podNodes })],
      zones,
    );
    const [client] = report?.clients ?? [];
    expect(client?.sameZone).toBe(0);
    expect(client?.sameNode).toBe(0);
    expect(client?.byZone).toEqual({ 'europe-west1-c': 25 });
    expect(renderTopologyLines(report!)[1]).toBe(
      '  remote on gke-a2 (europe-west1-b): 25 calls placed; by zone: europe-west1-c 100%; by node: gke-c1 100%; same node 0%, same zone 0%',
    );
  });

  it('without zones it still places calls by node; nodes the map lacks count as zone unknown', () => {
    const report = topologyReport(
      [
        windowLine(
          'np',
          { 'addr-1': 8, 'addr-3': 2 },
          { node: 'gke-a1', backendNodes: podNodes, proxies: { 'node-proxy/gke-a1': 10 } },
        ),
      ],
      {},
    );
    const [client] = report?.clients ?? [];
    expect(client).toMatchObject({
      sameNode: 0.8,
      byZone: { unknown: 10 },
      proxies: { 'node-proxy/gke-a1': 10 },
    });
    expect(client?.sameZone).toBeUndefined();
    expect(client?.zone).toBeUndefined();
    expect(renderTopologyLines(report!)).toEqual([
      'topology: the runtime knows no zones; by node only',
      '  np on gke-a1: 10 calls placed; by node: gke-a1 80%, gke-c1 20%; same node 80%; through proxies: node-proxy/gke-a1 100%',
    ]);
  });

  it('calls from a pod that did not report its node are counted apart, out of the shares', () => {
    const report = topologyReport(
      [windowLine('c', { 'addr-1': 5, 'old-pod': 5 }, { backendNodes: { 'addr-1': 'gke-a1' } })],
      zones,
    );
    expect(report?.clients[0]).toMatchObject({
      calls: 5,
      unplaced: 5,
      byZone: { 'europe-west1-b': 5 },
    });
    // The client's own node is unknown: no local shares at all.
    expect(report?.clients[0]?.sameNode).toBeUndefined();
  });

  it('is undefined when no window says where a backend ran', () => {
    expect(topologyReport([windowLine('c', { 'addr-1': 5 }, {})], zones)).toBeUndefined();
    expect(topologyReport([], zones)).toBeUndefined();
  });

  it('renders a Markdown section with the node → zone map', () => {
    const report = topologyReport(
      [windowLine('xds', { 'addr-1': 3, 'addr-3': 1 }, { node: 'gke-c1', backendNodes: podNodes })],
      zones,
    );
    expect(renderTopologyMarkdown(report!)).toBe(
      [
        '## Topology',
        '',
        "Nodes and zones, from the cluster's `topology.kubernetes.io/zone` labels: gke-a1 → europe-west1-b, gke-a2 → europe-west1-b, gke-c1 → europe-west1-c.",
        '',
        '| client | node | zone | calls | by zone | by node | same node | same zone |',
        '| --- | --- | --- | ---: | --- | --- | ---: | ---: |',
        '| xds | gke-c1 | europe-west1-c | 4 | europe-west1-b 75%, europe-west1-c 25% | gke-a1 75%, gke-c1 25% | 25% | 25% |',
        '',
      ].join('\n'),
    );
  });
});
