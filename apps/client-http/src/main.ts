#!/usr/bin/env node
import { onShutdownSignals, runCli, shutDownWhenLifelineCloses } from '@lab/cli';
import { createProgram } from './cli-program.js';
import { createHttpClient } from './create-client.js';
import { clientNode } from './env.js';

const program = createProgram(async (options) => {
  const client = createHttpClient({ ...options, node: clientNode() });
  const { name, rps, concurrency, keepalive } = client.options;
  process.stderr.write(
    `${name}: GET ${client.url.href}, ${rps > 0 ? `${rps} rps` : 'closed loop'}, ` +
      `concurrency ${concurrency}, keepalive ${keepalive ? 'on' : 'off'}\n`,
  );
  const stop = new AbortController();
  const removeHandlers = onShutdownSignals((signal) => {
    process.stderr.write(`${name}: ${signal} received: finishing calls in flight\n`);
    stop.abort();
  });
  shutDownWhenLifelineCloses();
  try {
    await client.run(stop.signal);
  } finally {
    removeHandlers();
  }
});

await runCli(program);
