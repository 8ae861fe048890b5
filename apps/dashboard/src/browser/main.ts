import type { DashMessage, EmbeddedRun } from '../messages.js';
import { Charts } from './charts.js';
import { verdictBadge } from './format.js';
import { renderLayout } from './layout.js';
import { FeedFollower } from './follower.js';
import { podsVisible } from './state.js';
import { renderTopology } from './topology.js';
import {
  chartLabel,
  renderClientTable,
  renderNarration,
  renderPhases,
  renderVerdicts,
} from './views.js';

const root = document.getElementById('app')!;
const embedded = document.getElementById('lab-run');
const source: 'live' | 'report' = embedded ? 'report' : 'live';
const charts = new Charts();
const follower = new FeedFollower();
let laidOut = false;
let status = source === 'report' ? 'Saved report' : 'Connecting…';

function set(id: string, html: string): void {
  const element = document.getElementById(id);
  if (element && element.innerHTML !== html) element.innerHTML = html;
}

function render(): void {
  const { state } = follower;
  const scenario = state.scenario;
  if (!scenario) return;
  if (!laidOut) {
    charts.clear();
    root.innerHTML = renderLayout(scenario, source);
    root.removeAttribute('aria-busy');
    laidOut = true;
  }
  document.title = `${scenario.id}${state.ended ? `: ${state.ended.pass ? 'PASS' : 'FAIL'}` : ' (running)'} · grpc-lb-lab`;
  set('status', status);
  set('overall', state.ended ? verdictBadge(state.ended.pass) : '');
  set('narration', renderNarration(state));
  const narration = root.querySelector<HTMLElement>('ol.narration');
  if (narration) narration.scrollTop = narration.scrollHeight;
  set('verdicts', renderVerdicts(state));
  set('topology', renderTopology(state));
  set('phases', renderPhases(state));
  for (const client of scenario.clients) {
    const figure = root.querySelector<HTMLElement>(
      `figure[data-client="${CSS.escape(client.name)}"]`,
    );
    if (!figure) continue;
    const visible = podsVisible(state, client.name);
    figure.dataset.podsVisible = visible.join(' ');
    figure.dataset.podCount = String(visible.length);
    figure.dataset.windows = String(state.windows.get(client.name)?.length ?? 0);
    figure.dataset.markers = state.markers.map((m) => m.kind).join(' ');
    const description = figure.querySelector<HTMLElement>('.visually-hidden');
    if (description) description.textContent = chartLabel(state, client.name);
    const table = figure.querySelector<HTMLElement>('.client-table');
    if (table) table.innerHTML = renderClientTable(state, client.name);
    const chart = figure.querySelector<HTMLElement>('.chart');
    if (chart) charts.draw(chart, state, client.name);
  }
  document.body.dataset.seq = String(follower.lastSeq);
  document.body.dataset.status = state.ended ? 'ended' : source === 'report' ? 'report' : 'running';
}

let renderQueued = false;
/** Renders at most every 150 ms: a replay of a whole run draws once. */
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    render();
  }, 150);
}

function receive(run: string, seq: number, message: DashMessage): void {
  const { applied, reset } = follower.receive(run, seq, message);
  if (reset) laidOut = false;
  if (applied) scheduleRender();
}

function follow(): void {
  const events = new EventSource('events');
  events.onopen = () => {
    status = 'Live';
    scheduleRender();
  };
  events.onerror = () => {
    status = follower.state.ended
      ? 'Run finished; the lab is no longer serving'
      : 'Connection lost: reconnecting…';
    const element = document.getElementById('status');
    if (element) element.textContent = status;
  };
  events.onmessage = (event: MessageEvent<string>) => {
    const [run = '', seq = '0'] = event.lastEventId.split('.');
    receive(run, Number(seq), JSON.parse(event.data) as DashMessage);
  };
}

if (embedded) {
  const run = JSON.parse(embedded.textContent ?? '{}') as EmbeddedRun;
  for (const [i, message] of run.messages.entries()) receive('report', i + 1, message);
  render();
} else {
  follow();
}
window.addEventListener('resize', () => charts.resize());
