import { WindowRecorder, type WindowLine } from '@lab/stats';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from './engine-types.js';
import { PlanRecorder } from './command-plan.js';
import { followClientLog, readClientLogLine } from './kind-log-stream.js';

/** A window line as client-grpc prints it. */
function windowText(client = 'grpc'): string {
  let now = 1_000;
  const recorder = new WindowRecorder(client, 'grpc', () => now);
  recorder.recordOk({ pod: 'addr-server-7d9c-abcde', ip: '10.244.1.5' }, 1.2);
  recorder.recordOk({ pod: 'addr-server-7d9c-abcde', ip: '10.244.1.5' }, 2.5);
  now = 1_500;
  return JSON.stringify(recorder.flush());
}

describe('readClientLogLine', () => {
  it('reads a window line from the log as the client printed it', () => {
    const read = readClientLogLine('grpc', windowText());
    expect(read.kind).toBe('window');
    if (read.kind !== 'window') return;
    expect(read.line).toMatchObject({
      client: 'grpc',
      ok: 2,
      backends: { 'addr-server-7d9c-abcde': 2 },
      backendIps: { 'addr-server-7d9c-abcde': '10.244.1.5' },
    });
  });

  it('tolerates the trailing carriage return or spaces a log line may carry', () => {
    expect(readClientLogLine('grpc', `${windowText()}\r`).kind).toBe('window');
  });

  it("passes the client's other output (stderr shares the log) on as a note", () => {
    expect(readClientLogLine('grpc', 'client-grpc: using the alternative DNS resolver')).toEqual({
      kind: 'note',
      text: 'client grpc: client-grpc: using the alternative DNS resolver',
    });
    expect(readClientLogLine('grpc', '   ')).toEqual({ kind: 'blank' });
  });

  it('says why a line that claims to be a window does not parse', () => {
    const broken = windowText().replace('"ok":2', '"ok":3');
    const read = readClientLogLine('grpc', broken);
    expect(read.kind).toBe('note');
    if (read.kind === 'note') {
      expect(read.text).toMatch(/^client grpc: a bad window line \(.*backends do not sum to ok/);
    }
  });
});

describe('followClientLog', () => {
  it("hands windows to the sink and kubectl's own complaints to the events", async () => {
    const windows: WindowLine[] = [];
    const events: LabEvent[] = [];
    let feed: ((line: string, from: 'stdout' | 'stderr') => void) | undefined;
    const runner = new (class extends PlanRecorder {
      override stream(
        argv: readonly string[],
        onLine?: (line: string, from: 'stdout' | 'stderr') => void,
      ) {
        feed = onLine;
        return super.stream(argv);
      }
    })();
    const handle = followClientLog(runner, ['kubectl', 'logs', '-f', 'job/client-grpc'], 'grpc', {
      window: (line) => windows.push(line),
      event: (event) => events.push(event),
    });
    feed?.(windowText(), 'stdout');
    feed?.('deadline exceeded once', 'stdout');
    feed?.('error: container "client" in pod "client-grpc-x" is waiting to start', 'stderr');
    await handle.stop();
    expect(windows).toHaveLength(1);
    expect(events.map((event) => event.detail)).toEqual([
      'client grpc: deadline exceeded once',
      'kubectl logs (client grpc): error: container "client" in pod "client-grpc-x" is waiting to start',
    ]);
    expect(runner.entries).toEqual([
      { kind: 'stream', argv: ['kubectl', 'logs', '-f', 'job/client-grpc'], depth: 0 },
    ]);
  });
});
