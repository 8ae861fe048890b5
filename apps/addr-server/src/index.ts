export * from './create-server.js';
export type { Identity } from './identity.js';
export { ADDR_SERVICE, GREETER_SERVICE } from './server-grpc.js';
