export * from './app-paths.js';
export * from './node-process.js';
export * from './addr-server-process.js';
