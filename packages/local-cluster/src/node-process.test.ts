import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNode, stopAll, waitFor } from './node-process.js';

function script(name: string, body: string): string {
  const path = join(tmpdir(), `lab-node-process-${process.pid}-${name}.mjs`);
  writeFileSync(path, body);
  return path;
}

afterAll(() => stopAll(500));

describe('startNode', () => {
  it('captures output, delivers stdout lines, and reports the exit code', async () => {
    const lines: string[] = [];
    const main = script(
      'echo',
      "console.log('a'); console.log('b'); console.error('c'); process.exit(3);",
    );
    const done = await startNode(main, [], { onStdoutLine: (line) => lines.push(line) }).finished;
    expect(done).toMatchObject({ code: 3, stdout: 'a\nb\n', stderr: 'c\n' });
    expect(lines).toEqual(['a', 'b']);
  });

  it('escalates to SIGKILL when a process ignores SIGTERM', async () => {
    const main = script(
      'stubborn',
      "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);",
    );
    const running = startNode(main, []);
    await waitFor(() => running.stdout().includes('up'), 'the process to start');
    const done = await running.stop(200);
    expect(done.signal).toBe('SIGKILL');
  });

  it('kills a process that outlives its timeout', async () => {
    const main = script('forever', 'setInterval(() => {}, 1000);');
    const done = await startNode(main, [], { timeoutMs: 200 }).finished;
    expect(done.signal).toBe('SIGKILL');
  });
});

describe('waitFor', () => {
  it('fails with what it waited for', async () => {
    await expect(waitFor(() => false, 'nothing', 50)).rejects.toThrow(
      'timed out after 50 ms waiting for nothing',
    );
  });
});
