import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SliceSourceError } from './slice-source.js';
import { FakeSliceSource, listOf, readySlice } from './slice-source.fake.js';
import { type SliceUpdate, SliceWatcher } from './slice-watcher.js';

const OPTIONS = {
  resyncMs: 60_000,
  backoff: { initialMs: 1000, maxMs: 8000 },
  minWatchMs: 1000,
};

let updates: SliceUpdate[];
let watcher: SliceWatcher | undefined;

beforeEach(() => {
  vi.useFakeTimers();
  updates = [];
});

afterEach(() => {
  watcher?.stop();
  vi.useRealTimers();
});

function start(source: FakeSliceSource, options = OPTIONS): SliceWatcher {
  watcher = new SliceWatcher(source, options, (update) => updates.push(update));
  watcher.start();
  return watcher;
}

/** Lets the fake source's promises settle, and timers due by `ms` fire. */
const advance = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

function names(update: SliceUpdate | undefined): string[] {
  if (update?.kind !== 'slices') throw new Error(`not a slices update: ${JSON.stringify(update)}`);
  return update.slices.map((s) => s.metadata?.name ?? '?').sort();
}

const lastUpdate = () => updates.at(-1);

describe('SliceWatcher', () => {
  it('lists, hands over every slice, then watches from the list resourceVersion', async () => {
    const source = new FakeSliceSource(
      listOf([readySlice('svc-a', ['10.0.0.1']), readySlice('svc-b', ['10.0.0.2'])], '42'),
    );
    start(source);
    await advance();
    expect(names(lastUpdate())).toEqual(['svc-a', 'svc-b']);
    expect(source.watches).toHaveLength(1);
    expect(source.lastWatch.resourceVersion).toBe('42');
  });

  it('applies ADDED, MODIFIED and DELETED; a BOOKMARK only moves the resourceVersion', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '1'));
    start(source);
    await advance();
    const watch = source.lastWatch;
    watch.emit({ type: 'ADDED', object: readySlice('svc-b', ['10.0.0.2'], '2') });
    expect(names(lastUpdate())).toEqual(['svc-a', 'svc-b']);
    watch.emit({ type: 'MODIFIED', object: readySlice('svc-a', ['10.0.0.9'], '3') });
    const modified = lastUpdate();
    expect(
      modified?.kind === 'slices' && modified.slices.find((s) => s.metadata?.name === 'svc-a'),
    ).toMatchObject({ endpoints: [{ addresses: ['10.0.0.9'] }] });
    watch.emit({ type: 'DELETED', object: readySlice('svc-b', [], '4') });
    expect(names(lastUpdate())).toEqual(['svc-a']);
    const count = updates.length;
    watch.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } });
    expect(updates).toHaveLength(count);
    // The server ends the watch normally: watch again from the bookmark, no list.
    await advance(5000);
    watch.end();
    expect(source.listCalls).toBe(1);
    expect(source.lastWatch.resourceVersion).toBe('7');
    expect(source.watches).toHaveLength(2);
  });

  it('lists again at once on an ERROR 410 event, with no failure reported', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '5'));
    start(source);
    await advance();
    await advance(5000);
    source.answer(
      listOf([readySlice('svc-a', ['10.0.0.1']), readySlice('svc-b', ['10.0.0.2'])], '90'),
    );
    source.lastWatch.emit({
      type: 'ERROR',
      object: { code: 410, reason: 'Expired', message: 'too old' },
    });
    await advance();
    expect(source.listCalls).toBe(2);
    expect(source.watches[0]?.stopped).toBe(true);
    expect(names(lastUpdate())).toEqual(['svc-a', 'svc-b']);
    expect(updates.some((u) => u.kind === 'failure')).toBe(false);
    expect(source.lastWatch.resourceVersion).toBe('90');
  });

  it('lists again at once when the watch request itself answers 410', async () => {
    const source = new FakeSliceSource();
    start(source);
    await advance();
    source.lastWatch.end(new SliceSourceError('expired', 'expired', 410));
    await advance();
    expect(source.listCalls).toBe(2);
    expect(updates.some((u) => u.kind === 'failure')).toBe(false);
  });

  it('backs off when 410 keeps coming right after each list', async () => {
    const source = new FakeSliceSource();
    start(source);
    await advance();
    for (let i = 0; i < 3; i++) {
      source.lastWatch.emit({ type: 'ERROR', object: { code: 410 } });
      await advance();
    }
    expect(source.listCalls).toBe(3);
    expect(lastUpdate()).toMatchObject({ kind: 'failure', error: { kind: 'expired' } });
  });

  it('reports a failed list, retries after a growing backoff, and resets it after a success', async () => {
    const forbidden = new SliceSourceError('forbidden: cannot list', 'forbidden', 403);
    const source = new FakeSliceSource().answer(forbidden, forbidden, forbidden, forbidden);
    start(source, { ...OPTIONS, backoff: { initialMs: 1000, maxMs: 3000 } });
    await advance();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const update = lastUpdate();
      if (update?.kind !== 'failure') throw new Error('expected a failure');
      expect(update.error).toBe(forbidden);
      delays.push(update.retryInMs);
      await advance(update.retryInMs - 1);
      expect(source.listCalls).toBe(i + 1);
      await advance(1);
      expect(source.listCalls).toBe(i + 2);
    }
    expect(delays[0]).toBeGreaterThanOrEqual(800);
    expect(delays[0]).toBeLessThanOrEqual(1200);
    expect(delays[1]).toBeGreaterThanOrEqual(1280);
    expect(delays[3]).toBeLessThanOrEqual(3000);
    // The fifth list succeeds: slices, then a watch, and the next failure starts small again.
    expect(lastUpdate()?.kind).toBe('slices');
    source.lastWatch.end(new SliceSourceError('connection reset', 'unreachable'));
    const after = lastUpdate();
    expect(after?.kind === 'failure' && after.retryInMs).toBeLessThanOrEqual(1200);
  });

  it('counts a watch that ends at once with no news as a failure, not a reason to spin', async () => {
    const source = new FakeSliceSource();
    start(source);
    await advance();
    source.lastWatch.end();
    expect(lastUpdate()).toMatchObject({ kind: 'failure', error: { kind: 'unreachable' } });
    expect(source.watches).toHaveLength(1);
  });

  it('watches again after a client-side inactivity timeout, with no failure', async () => {
    const source = new FakeSliceSource();
    start(source);
    await advance();
    await advance(30_000);
    source.lastWatch.end(new SliceSourceError('no data', 'timeout'));
    expect(source.watches).toHaveLength(2);
    expect(updates.some((u) => u.kind === 'failure')).toBe(false);
  });

  it('lists again every resyncMs even when the watch is healthy', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '1'));
    start(source);
    await advance();
    await advance(OPTIONS.resyncMs - 1);
    expect(source.listCalls).toBe(1);
    await advance(1);
    expect(source.listCalls).toBe(2);
    expect(source.watches[0]?.stopped).toBe(true);
    expect(source.watches).toHaveLength(2);
  });

  it('stops: no more lists, watches or updates, and late callbacks are ignored', async () => {
    const source = new FakeSliceSource().answer(new SliceSourceError('down', 'unreachable'));
    const w = start(source);
    await advance();
    expect(lastUpdate()?.kind).toBe('failure');
    w.stop();
    const count = updates.length;
    await advance(60_000);
    expect(source.listCalls).toBe(1);
    expect(updates).toHaveLength(count);

    const other = new FakeSliceSource();
    const w2 = start(other);
    await advance();
    const watch = other.lastWatch;
    w2.stop();
    expect(watch.stopped).toBe(true);
    const before = updates.length;
    watch.emit({ type: 'ADDED', object: readySlice('late', ['10.0.0.1']) });
    watch.end(new SliceSourceError('late', 'unreachable'));
    await advance(60_000);
    expect(updates).toHaveLength(before);
    expect(other.listCalls).toBe(1);
  });
});
