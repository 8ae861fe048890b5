/** `pnpm lab --dashboard` as a process: when it serves, how long, and how it stops. */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LabProcess, startLab } from './test-support/lab-process.js';

let lab: LabProcess | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

describe('pnpm lab <id> --dashboard', () => {
  it('keeps the page up for --dashboard-linger after the run; Ctrl-C closes it', async () => {
    lab = startLab([
      'l4-lb',
      '--speed',
      '4',
      '--dashboard',
      '--dashboard-port',
      '0',
      '--dashboard-linger',
      '60',
    ]);
    const url = await lab.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const deadline = Date.now() + 60_000;
    while (!lab.output().includes('the dashboard stays up') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(lab.output()).toContain(`lab: the dashboard stays up at ${url} for 60 s`);
    expect((await fetch(url)).status).toBe(200);
    lab.child.kill('SIGINT');
    const { code } = await lab.exited;
    expect(code).toBe(130);
    await expect(fetch(url)).rejects.toThrow();
  }, 90_000);

  it('exits 2 with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      lab = startLab(['l4-lb', '--dashboard', '--dashboard-port', String(port)]);
      const { code } = await lab.exited;
      expect(code).toBe(2);
      expect(lab.output()).toContain(
        `lab: error: the dashboard cannot listen on 127.0.0.1:${port}: the port is in use`,
      );
    } finally {
      blocker.close();
    }
  });

  it('follows one scenario, not all', async () => {
    lab = startLab(['all', '--dashboard', '--dashboard-port', '0']);
    const { code } = await lab.exited;
    expect(code).toBe(2);
    expect(lab.output()).toContain('lab: error: --dashboard follows one scenario, not all');
  });
});
