import { WindowRecorder } from '@lab/stats';
import { describe, expect, it } from 'vitest';
import { runStats, windowLines } from './window-output.js';

describe('windowLines', () => {
  it('parses a client run and fails on any line that is not a window', () => {
    const recorder = new WindowRecorder('c', 'grpc');
    recorder.recordOk({ pod: 'p', ip: '127.0.0.1' }, 1);
    const stdout = `${JSON.stringify(recorder.flush(true))}\n`;
    expect(windowLines(stdout)).toHaveLength(1);
    expect(runStats(stdout).backendsReached).toBe(1);
    expect(() => windowLines(`${stdout}hello\n`)).toThrow('not a window line');
  });
});
