export * from './app-paths.js';
export * from './child-process.js';
export * from './addr-server-process.js';
export * from './window-output.js';
