import { setup as setupKubernetes } from '@lab/resolver-kubernetes';
import { setup as setupPassthrough } from './resolver-passthrough.js';

let done = false;

/** Registers the lab's resolvers with grpc-js; later schemes join here. */
export function setupResolvers(): void {
  if (done) return;
  done = true;
  setupPassthrough();
  setupKubernetes();
}
