export * from './server-bind.js';
