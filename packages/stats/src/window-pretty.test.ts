import { describe, expect, it } from 'vitest';
import { WindowRecorder } from './window-recorder.js';
import { renderWindow } from './window-pretty.js';

describe('renderWindow', () => {
  it('draws one bar per pod, sized by its share, then the failures', () => {
    let now = 0;
    const recorder = new WindowRecorder('client-a', 'grpc', () => now);
    for (let i = 0; i < 3; i += 1) recorder.recordOk({ pod: 'pod-b', ip: '127.0.1.2' }, 2);
    recorder.recordOk({ pod: 'pod-a', ip: '127.0.1.1' }, 2);
    recorder.recordError('UNAVAILABLE');
    now = 1000;
    const lines = renderWindow(recorder.flush()).split('\n');

    expect(lines[0]).toMatch(/^client-a \(grpc\) 1\.0s window: 4 ok, 1 failed, 4\/s/);
    const bars = lines.filter((line) => line.includes('█'));
    expect(bars).toHaveLength(2);
    // Sorted by pod name; 25% of a 40-wide bar is 10 blocks, 75% is 30.
    expect(bars[0]).toMatch(/^ {2}pod-a █{10}·{30} +25\.0% +1 {2}127\.0\.1\.1$/);
    expect(bars[1]).toMatch(/^ {2}pod-b █{30}·{10} +75\.0% +3 {2}127\.0\.1\.2$/);
    expect(lines.at(-1)).toBe('  ✗ UNAVAILABLE: 1');
  });

  it('renders an empty window without bars', () => {
    let now = 0;
    const recorder = new WindowRecorder('client-a', 'http', () => now);
    now = 500;
    expect(renderWindow(recorder.flush())).toBe('client-a (http) 0.5s window: 0 ok, 0 failed, 0/s');
  });
});
