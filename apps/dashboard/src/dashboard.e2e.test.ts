/**
 * The live dashboard in a real Chromium, following real local runs of
 * `pnpm lab <id> --dashboard`: what a person watching it would see.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { artifact, launchChromium } from './test-support/browser.js';
import { type LabProcess, startLab } from './test-support/lab-process.js';

/**
 * Real time: at --speed 2 a check can fail when the 2-core machine is busy
 * with Chromium and other work, and these tests are about the page.
 */
const SPEED = '1';

let browser: Browser;
let lab: LabProcess | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

/** What the page says about one client's chart, read from its data attributes. */
interface ChartView {
  pods: string[];
  markers: string[];
}

async function charts(page: Page): Promise<Record<string, ChartView>> {
  const figures = await page.$$eval('figure[data-client]', (elements) =>
    elements.map((figure) => ({
      client: figure.getAttribute('data-client') ?? '',
      pods: figure.getAttribute('data-pods-visible') ?? '',
      markers: figure.getAttribute('data-markers') ?? '',
    })),
  );
  const words = (text: string) => text.split(' ').filter(Boolean);
  return Object.fromEntries(
    figures.map((f) => [f.client, { pods: words(f.pods), markers: words(f.markers) }]),
  );
}

/** Polls the page until `check` holds for its charts, and returns them. */
async function waitForCharts(
  page: Page,
  check: (view: Record<string, ChartView>) => boolean,
  what: string,
  timeoutMs = 40_000,
): Promise<Record<string, ChartView>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, ChartView> = {};
  while (Date.now() < deadline) {
    last = await charts(page);
    if (pageErrors.length > 0) throw new Error(`the page failed: ${pageErrors.join('\n')}`);
    if (Object.keys(last).length > 0 && check(last)) return last;
    await page.waitForTimeout(50);
  }
  throw new Error(`timed out waiting for ${what}; the charts showed ${JSON.stringify(last)}`);
}

/** The phase's line once judged, with the failed checks and the lab's output when it failed. */
async function phaseResult(page: Page, phase: string, timeoutMs = 40_000): Promise<string> {
  const row = page.locator(`[data-phase-result="${phase}"]:not([data-result="MEASURING"])`);
  await row.waitFor({ timeout: timeoutMs });
  const text = (await row.textContent()) ?? '';
  if (text.includes('PASS')) return text;
  const failed = await page
    .locator(`table[aria-label="verdicts"] tr[data-phase="${phase}"][data-result="FAIL"]`)
    .allTextContents();
  return `${text}\nfailed: ${failed.join('\n')}\n${lab?.output()}`;
}

/** Script errors on the page: one would leave a page that looks fine and shows nothing new. */
const pageErrors: string[] = [];

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
  page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
  page.on('console', (message) => {
    // Once the lab has exited, EventSource retries into a closed port: expected.
    if (message.type() === 'error' && !message.text().includes('ERR_CONNECTION_REFUSED')) {
      pageErrors.push(message.text());
    }
  });
  await page.goto(url);
  return page;
}

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

describe('pnpm lab l4-lb --dashboard', () => {
  it('shows gRPC on one pod while HTTP spreads over the new pods, then PASS', async () => {
    lab = startLab(['l4-lb', '--dashboard', '--dashboard-port', '0', '--speed', SPEED]);
    const url = await lab.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await open(url);

    const before = await waitForCharts(
      page,
      (view) => (view.grpc?.pods.length ?? 0) > 0,
      'the gRPC client to reach a pod',
    );
    expect(before.grpc?.markers, 'the page saw gRPC traffic before the scale-up').not.toContain(
      'scale',
    );
    expect(before.grpc?.pods).toHaveLength(1);
    await page.screenshot({ path: artifact('l4-lb-before-scale-up.png'), fullPage: true });

    const after = await waitForCharts(
      page,
      (view) => view.http!.markers.includes('scale') && view.http!.pods.length >= 4,
      'HTTP to spread over the new pods',
    );
    expect(after.grpc?.pods).toEqual(before.grpc?.pods);
    expect(after['grpc-rr']?.pods).toHaveLength(1);

    expect(await phaseResult(page, 'five-pods')).toMatch(/PASS/);
    await expect
      .poll(() => page.locator('[data-testid="run-result"]').getAttribute('data-result'), {
        timeout: 20_000,
        message: lab.output(),
      })
      .toBe('PASS');
    // Words, not colour: every verdict cell says PASS or FAIL.
    const cells = await page
      .locator('table[aria-label="verdicts"] tbody tr td:last-child')
      .allTextContents();
    expect(cells.length).toBe(13);
    for (const cell of cells) expect(cell).toMatch(/^✔ PASS$/);
    await expect
      .poll(() => page.locator('#desc-grpc').textContent())
      .toMatch(/^grpc: share of calls per pod over time; 1 pod served it/);
    await page.screenshot({ path: artifact('l4-lb-dashboard.png'), fullPage: true });

    const done = await lab.exited;
    expect(done.code, lab.output()).toBe(0);
    expect(lab.output()).toMatch(/^l4-lb: PASS \(13 of 13 checks\)/m);
    await page.close();
  }, 120_000);
});

describe('pnpm lab headless-dns --dashboard', () => {
  it('shows round_robin on the 3 pods DNS returned first, not the 5 there are', async () => {
    lab = startLab(['headless-dns', '--dashboard', '--dashboard-port', '0', '--speed', SPEED]);
    const page = await open(await lab.url);

    const three = await waitForCharts(
      page,
      (view) => view['round-robin']!.pods.length === 3,
      'round_robin to reach the three pods',
    );
    expect(three['round-robin']?.markers).not.toContain('scale');
    expect(three.passthrough?.pods).toHaveLength(1);

    // Five Ready pods, and round_robin still on three, once the scale-up is a second old.
    await page.locator('[data-phase-result="five-pods"][data-result="MEASURING"]').waitFor();
    await expect.poll(() => page.locator('li[data-state="Ready"]').count()).toBe(5);
    await page.waitForTimeout(1500);
    const five = await charts(page);
    expect(await page.locator('li[data-state="Ready"]').count()).toBe(5);
    expect(five['round-robin']?.pods).toEqual(three['round-robin']?.pods);
    await page.screenshot({ path: artifact('headless-dns-five-pods.png'), fullPage: true });

    // A reload mid-run replays the run once: no step twice, nothing lost.
    await page.reload();
    await page.locator('[data-phase-result="five-pods"]:not([data-result="MEASURING"])').waitFor({
      timeout: 30_000,
    });
    const steps = await page.locator('ol.narration li').allTextContents();
    expect(steps.filter((text) => text.endsWith('scale the server to 5'))).toHaveLength(1);
    expect(await page.locator('[data-phase-result="three-pods"]').count()).toBe(1);
    const row = page.locator(
      'tr[data-phase="five-pods"][data-client="round-robin"][data-check="backends"]',
    );
    expect(await row.getAttribute('data-result')).toBe('PASS');
    expect(await row.locator('td').nth(4).textContent()).toBe('3');
    expect(await phaseResult(page, 'five-pods')).toMatch(/PASS/);

    await expect
      .poll(() => page.locator('[data-testid="run-result"]').getAttribute('data-result'), {
        timeout: 40_000,
      })
      .toBe('PASS');
    await page.screenshot({ path: artifact('headless-dns-dashboard.png'), fullPage: true });
    const done = await lab.exited;
    expect(done.code, lab.output()).toBe(0);
    await page.close();
  }, 120_000);
});
