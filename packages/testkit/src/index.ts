export * from '@lab/local-cluster';
export * from './window-output.js';
