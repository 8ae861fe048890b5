export * from './window-schema.js';
export * from './window-recorder.js';
export * from './window-ticker.js';
export * from './load-loop.js';
export * from './latency-histogram.js';
export * from './window-pretty.js';
export * from './client-runner.js';
