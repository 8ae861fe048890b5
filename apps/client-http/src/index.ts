export { type AddrCallOutcome, callAddr, parseAddrAnswer } from './addr-call.js';
export * from './create-client.js';
export { createAgent } from './http-agent.js';
export { addrUrl } from './http-target.js';
