export * from './option-parsers.js';
export * from './run-cli.js';
export * from './shutdown-signals.js';
export * from './load-options.js';
export * from './lifeline.js';
