import { RECENT_WINDOWS } from '../messages.js';
import { clock, esc, ms, percent, verdictBadge } from './format.js';
import { podColour } from './palette.js';
import { podsVisible, type RunState, recentShares } from './state.js';

export function renderNarration(state: RunState): string {
  const lines = state.narration
    .map(
      (line) =>
        `<li class="${line.kind}"><span class="time">${esc(clock(state.t0, line.at))}</span>${esc(line.text)}</li>`,
    )
    .join('');
  return `<p class="current-step" role="status" aria-live="polite" data-testid="current-step">${esc(state.currentStep ?? 'Waiting for the run to start…')}</p>
<p class="progress">${esc(state.progress ?? '')}</p>
<ol class="narration" aria-label="narration and steps so far">${lines}</ol>`;
}

/** One line per measured phase, then every check, each with PASS or FAIL in words. */
export function renderVerdicts(state: RunState): string {
  const expected = state.measuring
    ? [
        `<li data-phase-result="${esc(state.measuring.phase)}" data-result="MEASURING"><span class="badge pending"><span aria-hidden="true">⏳ </span>MEASURING</span> ${esc(state.measuring.phase)}</li>`,
      ]
    : [];
  const phases = state.phases.map((phase) => {
    const pass = phase.verdicts.every((row) => row.pass);
    const passed = phase.verdicts.filter((row) => row.pass).length;
    return `<li data-phase-result="${esc(phase.phase)}" data-result="${pass ? 'PASS' : 'FAIL'}">${verdictBadge(pass)} ${esc(phase.phase)}: ${passed} of ${phase.verdicts.length} checks passed</li>`;
  });
  const rows = state.phases.flatMap((phase) =>
    phase.verdicts.map(
      (row) =>
        `<tr data-phase="${esc(row.phase)}" data-client="${esc(row.client)}" data-check="${esc(row.check)}" data-result="${row.pass ? 'PASS' : 'FAIL'}"><td>${esc(row.phase)}</td><td>${esc(row.client)}</td><td>${esc(row.check)}</td><td>${esc(row.expected)}</td><td>${esc(row.observed)}</td><td>${verdictBadge(row.pass)}</td></tr>`,
    ),
  );
  const overall = state.ended
    ? `<p data-testid="run-result" data-result="${state.ended.pass ? 'PASS' : 'FAIL'}">Run: ${verdictBadge(state.ended.pass)}</p>`
    : '';
  return `${overall}<ul aria-label="phases" style="padding-left:0;list-style:none">${[...phases, ...expected].join('') || '<li>No phase measured yet.</li>'}</ul>
${
  rows.length
    ? `<table aria-label="verdicts"><thead><tr><th scope="col">phase</th><th scope="col">client</th><th scope="col">check</th><th scope="col">expected</th><th scope="col">observed</th><th scope="col">result</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : ''
}`;
}

/**
 * A client's panel: the chart's box (drawn by Charts), described in words
 * for screen readers and tests, then its per-pod table.
 */
export function renderClientTable(state: RunState, client: string): string {
  const rows = recentShares(state, client);
  const latest = (state.windows.get(client) ?? []).at(-1);
  const recent = latest?.recent ?? null;
  const body = rows
    .map(
      (row) =>
        `<tr data-pod="${esc(row.pod)}"><th scope="row"><span class="swatch" style="background:${podColour(state.podOrder, row.pod)}" aria-hidden="true"></span>${esc(row.pod)}</th><td class="num">${row.calls}</td><td class="num">${percent(row.share)}</td></tr>`,
    )
    .join('');
  const recentWindows = (state.windows.get(client) ?? []).slice(-RECENT_WINDOWS);
  const seconds = latest ? (latest.end - (recentWindows[0]?.start ?? latest.start)) / 1000 : 0;
  return `<table aria-label="${esc(client)}: calls per pod, last ${RECENT_WINDOWS} windows">
<thead><tr><th scope="col">pod</th><th scope="col">calls</th><th scope="col">share</th></tr></thead>
<tbody>${body || '<tr><td colspan="3">no calls yet</td></tr>'}</tbody>
<caption>Last ${RECENT_WINDOWS} windows (${seconds.toFixed(1)} s). Latency of this client over the same windows, all pods together (clients measure latency per call, not per pod): p50 <span data-testid="p50">${ms(recent?.p50)}</span>, p99 <span data-testid="p99">${ms(recent?.p99)}</span>.</caption>
</table>`;
}

export function chartLabel(state: RunState, client: string): string {
  const rows = recentShares(state, client).filter((row) => row.calls > 0);
  const markers = state.markers.map((m) => `${m.label} at ${clock(state.t0, m.at)}`).join(', ');
  const now = rows.length
    ? `${rows.length} ${rows.length === 1 ? 'pod' : 'pods'} served it in the last ${RECENT_WINDOWS} windows: ${rows.map((r) => `${r.pod} ${percent(r.share)}`).join(', ')}`
    : 'no pod has served it yet';
  return `${client}: share of calls per pod over time; ${now}.${markers ? ` Steps: ${markers}.` : ''}`;
}

export { podsVisible };

/** Each measured phase per client, from the phase's own merged statistics. */
export function renderPhases(state: RunState): string {
  if (state.phases.length === 0) return '<p>No phase measured yet.</p>';
  return state.phases
    .map((phase) => {
      const rows = Object.entries(phase.clients)
        .map(([client, stats]) => {
          const pods = [...new Set([...phase.readyPods, ...Object.keys(stats.backends)])];
          const shares = pods
            .map((pod) => {
              const b = stats.backends[pod];
              return `${pod}: ${b ? `${b.calls} calls, ${percent(b.share)}` : '0 calls'}`;
            })
            .join('; ');
          return `<tr><th scope="row">${esc(client)}</th><td class="num">${stats.ok}</td><td class="num">${stats.failed}</td><td>${esc(shares)}</td><td class="num">${ms(stats.latency?.p50)}</td><td class="num">${ms(stats.latency?.p99)}</td></tr>`;
        })
        .join('');
      return `<h3>${esc(phase.phase)} <span class="kind">(${esc(clock(state.t0, phase.start))} to ${esc(clock(state.t0, phase.end))}, Ready: ${esc(phase.readyPods.join(', ') || 'none')})</span></h3>
<table aria-label="phase ${esc(phase.phase)} per client"><thead><tr><th scope="col">client</th><th scope="col">ok</th><th scope="col">failed</th><th scope="col">calls and share per pod</th><th scope="col">p50</th><th scope="col">p99</th></tr></thead><tbody>${rows}</tbody>
<caption>Latency per client over the whole phase, merged from its windows' histograms.</caption></table>`;
    })
    .join('');
}
