/** The dashboard's server on its own: replay, reconnects, loopback, a taken port. */
import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RunFeed } from './feed.js';
import type { DashMessage } from './messages.js';
import { createDashboard, type Dashboard, DashboardListenError } from './server.js';

let dashboards: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(dashboards.map((d) => d.close()));
  dashboards = [];
});

async function start(feed = new RunFeed()): Promise<Dashboard> {
  const dashboard = await createDashboard({ port: 0, feed });
  dashboards.push(dashboard);
  return dashboard;
}

const say = (text: string): DashMessage => ({ type: 'say', at: 1, text });

/** Reads an SSE stream until `count` messages came, returning their ids and texts. */
async function read(
  url: string,
  count: number,
  headers: Record<string, string> = {},
): Promise<{ id: string; data: DashMessage }[]> {
  const controller = new AbortController();
  const res = await fetch(`${url}events`, { headers, signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const events: { id: string; data: DashMessage }[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const blocks = text.split('\n\n');
    text = blocks.pop() ?? '';
    for (const block of blocks) {
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) events.push({ id, data: JSON.parse(data) as DashMessage });
    }
  }
  controller.abort();
  return events;
}

describe('createDashboard', () => {
  it('binds 127.0.0.1 by default and answers only there', async () => {
    const dashboard = await start();
    expect(dashboard.host).toBe('127.0.0.1');
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    const page = await fetch(dashboard.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="app.js" defer></script>');
    const bundle = await fetch(`${dashboard.url}app.js`);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    // Another loopback address of this machine: nothing listens there.
    await expect(fetch(`http://127.0.0.2:${dashboard.port}/`)).rejects.toThrow();
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    const dashboard = await start();
    // fetch will not send another Host header; node:http will.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: dashboard.port, path: '/', headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('replays the run so far to a page that joins late, then streams', async () => {
    const feed = new RunFeed();
    const dashboard = await start(feed);
    feed.publish(say('one'));
    feed.publish(say('two'));
    const reading = read(dashboard.url, 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    feed.publish(say('three'));
    const events = await reading;
    expect(events.map((e) => e.id)).toEqual([`${feed.run}.1`, `${feed.run}.2`, `${feed.run}.3`]);
    expect(events.map((e) => (e.data.type === 'say' ? e.data.text : ''))).toEqual([
      'one',
      'two',
      'three',
    ]);
  });

  it('resumes after Last-Event-ID on a reconnect, and starts over for another run', async () => {
    const feed = new RunFeed();
    const dashboard = await start(feed);
    for (const text of ['one', 'two', 'three']) feed.publish(say(text));
    const resumed = await read(dashboard.url, 1, { 'last-event-id': `${feed.run}.2` });
    expect(resumed.map((e) => e.id)).toEqual([`${feed.run}.3`]);
    const other = await read(dashboard.url, 3, { 'last-event-id': 'an-older-run.2' });
    expect(other.map((e) => e.id)).toEqual([`${feed.run}.1`, `${feed.run}.2`, `${feed.run}.3`]);
  });

  it('says clearly when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const error = await createDashboard({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DashboardListenError);
      expect((error as Error).message).toBe(
        `the dashboard cannot listen on 127.0.0.1:${port}: the port is in use (another pnpm lab --dashboard?); choose another with --dashboard-port, or --dashboard-port 0 for any free one`,
      );
    } finally {
      blocker.close();
    }
  });

  it('close() ends the event streams and frees the port', async () => {
    const dashboard = await createDashboard({ port: 0 });
    const res = await fetch(`${dashboard.url}events`);
    const reader = res.body!.getReader();
    await reader.read();
    expect(dashboard.pages).toBe(1);
    await dashboard.close();
    let done = false;
    while (!done) done = (await reader.read()).done;
    await expect(fetch(dashboard.url)).rejects.toThrow();
  });
});
