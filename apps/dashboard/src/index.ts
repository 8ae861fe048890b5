export * from './env.js';
export * from './feed.js';
export * from './from-result.js';
export * from './messages.js';
export * from './narrator.js';
export * from './report-html.js';
export * from './run-info.js';
export * from './server.js';
