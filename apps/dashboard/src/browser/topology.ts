import type { ScenarioInfo } from '../messages.js';
import { esc } from './format.js';
import { podColour } from './palette.js';
import { byName, type PodPhase, podsVisible, type RunState } from './state.js';

const STATE_ICON: Record<PodPhase, string> = {
  Starting: '◌',
  Ready: '●',
  'Not ready': '◐',
  Terminating: '◑',
  Exited: '○',
  Serving: '●',
};

/** What stands between the clients and the pods, as a person would name it. */
function middle(scenario: ScenarioInfo): { title: string; kind: string }[] {
  const { service } = scenario;
  const boxes: { title: string; kind: string }[] = [];
  if (scenario.mesh) boxes.push({ title: `${scenario.mesh} proxy`, kind: 'sidecar, per request' });
  boxes.push(
    service.kind === 'headless'
      ? {
          title: `Service ${service.name}`,
          kind: 'headless: DNS returns one address per Ready pod',
        }
      : {
          title: `Service ${service.name}`,
          kind: `${service.kind === 'nodeport' ? 'NodePort' : 'ClusterIP'}: L4 proxy, a Ready pod per connection`,
        },
  );
  if (scenario.balancer) {
    boxes.push({
      title: scenario.balancer === 'xds' ? 'xDS control plane' : 'grpclb balancer',
      kind: 'tells clients which pods to call',
    });
  }
  return boxes;
}

function clientKind(client: ScenarioInfo['clients'][number]): string {
  if (client.kind === 'http') return 'HTTP/1.1';
  return `gRPC${client.lb ? `, ${client.lb}` : ''}${client.mode ? `, ${client.mode}` : ''}`;
}

/**
 * Clients → Service (and proxy or balancer) → pods, each pod with its state
 * in words and an icon, and each client with the pods it reached lately.
 */
export function renderTopology(state: RunState): string {
  const scenario = state.scenario;
  if (!scenario) return '';
  const clients = scenario.clients
    .map((client) => {
      const reached = podsVisible(state, client.name);
      return `<li class="node" data-client="${esc(client.name)}"><strong>${esc(client.name)}</strong><span class="kind">${esc(clientKind(client))}</span><span class="kind">calls ${reached.length ? esc(reached.join(', ')) : 'no pod yet'}</span></li>`;
    })
    .join('');
  const boxes = middle(scenario)
    .map(
      (box) =>
        `<li class="node"><strong>${esc(box.title)}</strong><span class="kind">${esc(box.kind)}</span></li>`,
    )
    .join('');
  const pods = [...state.pods.values()]
    .sort((a, b) => byName(a.name, b.name))
    .map((pod) => {
      const swatch = `<span class="swatch" style="background:${podColour(state.podOrder, pod.name)}" aria-hidden="true"></span>`;
      return `<li class="node ${esc(pod.state.toLowerCase().replace(' ', '-'))}" data-pod="${esc(pod.name)}" data-state="${esc(pod.state)}">${swatch}<strong>${esc(pod.name)}</strong><span class="kind"><span aria-hidden="true">${STATE_ICON[pod.state]} </span>${esc(pod.state)}</span></li>`;
    })
    .join('');
  const ready = [...state.pods.values()].filter((pod) => pod.state === 'Ready').length;
  return `<div class="topology">
<div><h3>Clients</h3><ul aria-label="clients">${clients}</ul></div>
<div class="arrow" aria-hidden="true">→</div>
<div><h3>In between</h3><ul aria-label="Service, proxy or balancer">${boxes}</ul></div>
<div class="arrow" aria-hidden="true">→</div>
<div><h3>Pods <span class="kind">(${ready} Ready)</span></h3><ul aria-label="pods">${pods || '<li>none yet</li>'}</ul></div>
</div>`;
}
