export * from './create-server.js';
export { describeList } from './balance-load.js';
export type { ClientTotals } from './client-stats.js';
export { DEFAULT_DROP_TOKEN, DROP_RULE_FORM, type DropRule, parseDropRule } from './drop-rules.js';
export { buildServerList, ipBytes } from './server-list.js';
export { parseServiceName, type RequestedService, SERVICE_NAME_FORMS } from './service-name.js';
