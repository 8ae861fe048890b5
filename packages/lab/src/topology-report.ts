import type { WindowLine } from '@lab/stats';

/**
 * Where each client's calls landed, by node and by zone: what a multi-zone
 * cluster shows and a single-node one cannot (xDS localities, a node-local
 * proxy). Built from the window lines alone (each backend pod reports its
 * node) plus the cluster's node → zone map, so any runtime that knows its
 * nodes' zones gets the same report.
 */
export interface ClientTopology {
  client: string;
  /** The client's own node (its NODE_NAME), when its window lines carry it. */
  node?: string;
  /** The zone of that node, when the cluster labels it. */
  zone?: string;
  /** Successful calls whose backend's node is known: the denominator of every share. */
  calls: number;
  /** Successful calls whose backend did not report its node. */
  unplaced: number;
  /** Calls per backend node. */
  byNode: Record<string, number>;
  /** Calls per backend zone; nodes without a zone label count under `unknown`. */
  byZone: Record<string, number>;
  /** Share of `calls` served on the client's own node; absent when the client's node is unknown. */
  sameNode?: number;
  /** Share of `calls` served in the client's own zone; absent when that zone is unknown. */
  sameZone?: number;
  /** Calls per proxy identity (the `x-lab-proxy` header), when the calls crossed one. */
  proxies?: Record<string, number>;
}

export interface TopologyReport {
  /** Node → zone, as the cluster's Node labels say (empty when the runtime knows none). */
  nodeZones: Record<string, string>;
  clients: ClientTopology[];
}

export const UNKNOWN_ZONE = 'unknown';

function add(record: Record<string, number>, key: string, count: number): void {
  record[key] = (record[key] ?? 0) + count;
}

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The report over `windows`, or undefined when no window says which node a
 * backend ran on (a client that predates node reporting, say): there is
 * nothing to place then, and an empty report would read as "no calls".
 */
export function topologyReport(
  windows: readonly WindowLine[],
  nodeZones: Readonly<Record<string, string>> = {},
): TopologyReport | undefined {
  if (!windows.some((w) => w.backendNodes && Object.keys(w.backendNodes).length > 0)) {
    return undefined;
  }
  const clients = new Map<string, ClientTopology>();
  for (const window of windows) {
    let entry = clients.get(window.client);
    if (!entry) {
      entry = { client: window.client, calls: 0, unplaced: 0, byNode: {}, byZone: {} };
      clients.set(window.client, entry);
    }
    // A Job's pod does not move; the latest line wins if it ever did.
    if (window.node) entry.node = window.node;
    for (const [pod, count] of Object.entries(window.backends)) {
      const node = window.backendNodes?.[pod];
      if (!node) {
        entry.unplaced += count;
        continue;
      }
      entry.calls += count;
      add(entry.byNode, node, count);
      add(entry.byZone, nodeZones[node] ?? UNKNOWN_ZONE, count);
    }
    for (const [proxy, count] of Object.entries(window.proxies ?? {})) {
      entry.proxies ??= {};
      add(entry.proxies, proxy, count);
    }
  }
  const report: ClientTopology[] = [];
  for (const entry of clients.values()) {
    const zone = entry.node ? nodeZones[entry.node] : undefined;
    const share = (count: number | undefined) => (entry.calls > 0 ? (count ?? 0) / entry.calls : 0);
    report.push({
      ...entry,
      byNode: sorted(entry.byNode),
      byZone: sorted(entry.byZone),
      ...(zone ? { zone, sameZone: share(entry.byZone[zone]) } : {}),
      ...(entry.node ? { sameNode: share(entry.byNode[entry.node]) } : {}),
      ...(entry.proxies ? { proxies: sorted(entry.proxies) } : {}),
    });
  }
  report.sort((a, b) => a.client.localeCompare(b.client));
  return { nodeZones: { ...nodeZones }, clients: report };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

function shares(record: Record<string, number>, total: number): string {
  if (total === 0) return 'none';
  return Object.entries(record)
    .map(([key, count]) => `${key} ${percent(count / total)}`)
    .join(', ');
}

/** One line per client, for the narration and the terminal summary. */
export function renderTopologyLines(report: TopologyReport): string[] {
  const zones = new Set(Object.values(report.nodeZones));
  const lines = [
    zones.size > 0
      ? `topology: ${Object.keys(report.nodeZones).length} nodes in ${zones.size} zones (${[...zones].sort().join(', ')})`
      : 'topology: the runtime knows no zones; by node only',
  ];
  for (const c of report.clients) {
    const where = c.node ? ` on ${c.node}${c.zone ? ` (${c.zone})` : ''}` : '';
    const own = [
      ...(c.sameNode !== undefined ? [`same node ${percent(c.sameNode)}`] : []),
      ...(c.sameZone !== undefined ? [`same zone ${percent(c.sameZone)}`] : []),
    ];
    lines.push(
      `  ${c.client}${where}: ${c.calls} calls placed` +
        (zones.size > 0 ? `; by zone: ${shares(c.byZone, c.calls)}` : '') +
        `; by node: ${shares(c.byNode, c.calls)}` +
        (own.length > 0 ? `; ${own.join(', ')}` : '') +
        (c.unplaced > 0 ? `; ${c.unplaced} calls from pods that did not say their node` : '') +
        (c.proxies ? `; through proxies: ${shares(c.proxies, c.calls + c.unplaced)}` : ''),
    );
  }
  return lines;
}

/** The report's section, as Markdown. */
export function renderTopologyMarkdown(report: TopologyReport): string {
  const head = '| client | node | zone | calls | by zone | by node | same node | same zone |';
  const rule = '| --- | --- | --- | ---: | --- | --- | ---: | ---: |';
  const rows = report.clients.map((c) =>
    [
      c.client,
      c.node ?? '?',
      c.zone ?? '?',
      `${c.calls}`,
      shares(c.byZone, c.calls),
      shares(c.byNode, c.calls),
      c.sameNode === undefined ? '?' : percent(c.sameNode),
      c.sameZone === undefined ? '?' : percent(c.sameZone),
    ].join(' | '),
  );
  const nodes = Object.entries(report.nodeZones)
    .map(([node, zone]) => `${node} → ${zone}`)
    .join(', ');
  return [
    '## Topology',
    '',
    nodes
      ? `Nodes and zones, from the cluster's \`topology.kubernetes.io/zone\` labels: ${nodes}.`
      : 'The runtime knows no zones: calls are placed by node only.',
    '',
    head,
    rule,
    ...rows.map((row) => `| ${row} |`),
    '',
  ].join('\n');
}
