import type { RunResult } from '@lab/lab';
import { readAppBundle } from './assets.js';
import { messagesFromResult } from './from-result.js';
import { renderPage } from './page.js';

/**
 * A saved run as one self-contained HTML file: the page code, ECharts and
 * the run's data inlined, no external URL, the same charts as the live page.
 */
export function renderReportHtml(result: RunResult): string {
  return renderPage({
    title: `${result.scenario.id}: ${result.pass ? 'PASS' : 'FAIL'} · grpc-lb-lab report`,
    script: { inline: readAppBundle() },
    run: { messages: messagesFromResult(result), static: true },
  });
}
