export * from './app-paths.js';
export * from './node-process.js';
export * from './addr-server-process.js';
export * from './cluster-dns.js';
export * from './service-proxy.js';
export * from './health-probe.js';
export * from './pod.js';
export * from './local-cluster.js';
