import { describe, expect, it } from 'vitest';
import { WindowRecorder } from './window-recorder.js';
import { looksLikeWindowLine, parseWindowLine } from './window-schema.js';

function recordedLine() {
  let now = 1_000;
  const recorder = new WindowRecorder('client-a', 'grpc', () => now);
  recorder.recordOk({ pod: 'pod-a', ip: '127.0.1.1' }, 1.5);
  recorder.recordOk({ pod: 'pod-b', ip: '127.0.1.2' }, 3);
  recorder.recordError('UNAVAILABLE');
  now = 2_000;
  return recorder.flush(true);
}

/** A recorder-made line as plain JSON data, with one change applied. */
function mutated(change: (line: Record<string, unknown>) => void): string {
  const line = JSON.parse(JSON.stringify(recordedLine()));
  change(line);
  return JSON.stringify(line);
}

describe('parseWindowLine', () => {
  it('accepts a recorder-produced line round-tripped through JSON', () => {
    const text = JSON.stringify(recordedLine());
    expect(looksLikeWindowLine(text)).toBe(true);
    const parsed = parseWindowLine(text);
    expect(parsed).toEqual({ ok: true, line: recordedLine() });
  });

  it('rejects text that is not JSON', () => {
    expect(parseWindowLine('listening on :50051')).toEqual({ ok: false, error: 'not JSON' });
    expect(looksLikeWindowLine('listening on :50051')).toBe(false);
  });

  it('rejects unknown keys', () => {
    const parsed = parseWindowLine(mutated((line) => Object.assign(line, { extra: 1 })));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/extra/);
  });

  it('rejects backends that do not sum to ok', () => {
    const parsed = parseWindowLine(mutated((line) => Object.assign(line, { ok: 3 })));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/backends do not sum to ok/);
  });

  it('rejects errors that do not sum to failed', () => {
    const parsed = parseWindowLine(mutated((line) => Object.assign(line, { failed: 0 })));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/errors do not sum to failed/);
  });

  it('carries the client node, backend nodes and proxies when known, and nothing when not', () => {
    const recorder = new WindowRecorder('client-a', 'grpc', () => 1_000, { node: 'node-a' });
    recorder.recordOk({ pod: 'pod-a', ip: '127.0.1.1', node: 'node-b' }, 1, 'node-a');
    recorder.recordOk({ pod: 'pod-a', ip: '127.0.1.1', node: 'node-b' }, 1);
    const line = recorder.flush();
    expect(line).toMatchObject({
      node: 'node-a',
      backendNodes: { 'pod-a': 'node-b' },
      proxies: { 'node-a': 1 },
    });
    expect(parseWindowLine(JSON.stringify(line))).toEqual({ ok: true, line });
    // The next window starts empty; the client's node stays.
    const next = recorder.flush();
    expect(next.node).toBe('node-a');
    expect(next).not.toHaveProperty('proxies');
    expect(next).not.toHaveProperty('backendNodes');
    const plain = recordedLine();
    for (const key of ['node', 'proxies', 'backendNodes']) expect(plain).not.toHaveProperty(key);
  });

  it('treats an empty node as no node', () => {
    const recorder = new WindowRecorder('client-a', 'grpc', () => 1_000, { node: '' });
    expect(recorder.flush()).not.toHaveProperty('node');
  });

  it('rejects proxies that count more calls than succeeded', () => {
    const parsed = parseWindowLine(
      mutated((line) => Object.assign(line, { proxies: { 'node-a': 3 } })),
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/proxies sum to more than ok/);
  });

  it('rejects a window that ends before it starts', () => {
    const parsed = parseWindowLine(mutated((line) => Object.assign(line, { end: 999 })));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/end is before start/);
  });

  it('rejects JSON that is not a window', () => {
    expect(parseWindowLine('null').ok).toBe(false);
    expect(parseWindowLine('{"type":"log","msg":"hi"}').ok).toBe(false);
  });
});
