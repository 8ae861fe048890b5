/**
 * pnpm lab report: a saved run as one HTML file that opens with no network
 * and draws the live page's charts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, launchChromium } from './test-support/browser.js';
import { labMain } from './test-support/lab-process.js';

const repoRoot = join(dirname(labMain), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'lab-dashboard-report-'));
let browser: Browser;
let html: string;
let htmlPath: string;

beforeAll(async () => {
  browser = await launchChromium();
  // A real run, saved as every run is, then rendered.
  const out = execFileSync(
    process.execPath,
    [labMain, 'l4-lb', '--speed', '2', '--json', '--report-dir', work],
    { encoding: 'utf8', cwd: repoRoot },
  );
  const { report } = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as {
    report: string;
  };
  const json = join(repoRoot, dirname(report), 'report.json');
  htmlPath = artifact('l4-lb-report.html');
  const said = execFileSync(process.execPath, [labMain, 'report', json, '--out', htmlPath], {
    encoding: 'utf8',
  });
  expect(said).toMatch(/^lab report: l4-lb \((PASS|FAIL)\), 2 phases, \d+ windows → /);
  html = readFileSync(htmlPath, 'utf8');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('pnpm lab report <report.json>', () => {
  it('writes one file that refers to nothing outside itself', () => {
    // Resource references: src/href attributes, CSS url(), @import, <link> stylesheets.
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html).toMatch(/<script type="application\/json" id="lab-run">/);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });

  it('opens offline in Chromium and draws a chart per client with the verdicts', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1300 } });
    const requests: string[] = [];
    const file = pathToFileURL(htmlPath).href;
    await context.route('**', (route) => {
      const url = route.request().url();
      if (url === file) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(file);
    await page.locator('figure[data-client] .chart svg').first().waitFor();
    expect(await page.locator('figure[data-client] .chart svg').count()).toBe(3);
    expect(await page.locator('#status').textContent()).toBe('Saved report');
    // The chart's markers and the pods it served, in words.
    expect(await page.locator('figure[data-client="grpc"]').getAttribute('data-markers')).toBe(
      'scale',
    );
    expect(await page.locator('#desc-http').textContent()).toMatch(
      /^http: share of calls per pod over time; [1-5] pods? served it in the last 8 windows: addr-server-/,
    );
    expect(await page.locator('figure[data-client="grpc"] svg path').count()).toBeGreaterThan(3);
    // PASS or FAIL in words, whichever this run measured on a busy machine.
    expect(await page.locator('[data-phase-result]').allTextContents()).toEqual([
      expect.stringMatching(/^(✔ PASS|✘ FAIL) one-pod: \d of 6 checks passed$/),
      expect.stringMatching(/^(✔ PASS|✘ FAIL) five-pods: \d of 7 checks passed$/),
    ]);
    expect(await page.locator('table[aria-label="verdicts"] tbody tr').count()).toBe(13);
    await page.screenshot({ path: artifact('l4-lb-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await context.close();
  });
});
