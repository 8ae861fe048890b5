import type { ScenarioInfo } from '../messages.js';
import { esc } from './format.js';

function clientCaption(client: ScenarioInfo['clients'][number]): string {
  const how = client.kind === 'http' ? 'HTTP/1.1' : `gRPC${client.lb ? ` ${client.lb}` : ''}`;
  return `${client.name} · ${how} → ${client.target}`;
}

/** The page's fixed frame for one run; render() fills the parts that change. */
export function renderLayout(scenario: ScenarioInfo, source: 'live' | 'report'): string {
  const figures = scenario.clients
    .map(
      (client) => `<figure data-client="${esc(client.name)}" data-pods-visible="">
<figcaption id="cap-${esc(client.name)}">${esc(clientCaption(client))}</figcaption>
<div class="chart" role="img" aria-labelledby="cap-${esc(client.name)}" aria-describedby="desc-${esc(client.name)}"></div>
<p class="visually-hidden" id="desc-${esc(client.name)}"></p>
<div class="client-table"></div>
</figure>`,
    )
    .join('');
  return `<header>
<h1>${esc(scenario.title)}</h1>
<span class="status" id="status" role="status">${source === 'report' ? 'Saved report' : 'Connecting…'}</span>
<span id="overall"></span>
<p>${esc(scenario.claim)}</p>
<p>Scenario <code>${esc(scenario.id)}</code> on the ${esc(scenario.runtime)} runtime, speed ${esc(scenario.speed)}×.</p>
</header>
<main>
<section aria-labelledby="h-now"><h2 id="h-now">Now</h2><div id="narration"></div></section>
<section aria-labelledby="h-verdicts"><h2 id="h-verdicts">Verdicts</h2><div id="verdicts"></div></section>
<section class="wide" aria-labelledby="h-clients"><h2 id="h-clients">Share of calls per pod, per client</h2>
<p>Each chart stacks the share of a client's successful calls that each pod served, one point per client window. Vertical lines are steps (scale, restart, delete); shaded bands are measured phases. The legend and the table name every pod, so no colour has to be told apart.</p>
<div class="clients">${figures}</div></section>
<section class="wide" aria-labelledby="h-topology"><h2 id="h-topology">Topology</h2><div id="topology"></div></section>
<section class="wide" aria-labelledby="h-phases"><h2 id="h-phases">Phases</h2><div id="phases"></div></section>
</main>`;
}
