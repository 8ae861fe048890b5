export {
  LAB_MANAGED_BY_LABEL,
  LAB_MANAGER,
  namespaceObject,
  nodeObject,
  ZONE_LABEL,
} from './cluster-objects.js';
export {
  type EndpointInput,
  endpointSlicesFor,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  MAX_ENDPOINTS_PER_SLICE,
  SERVICE_NAME_LABEL,
  type SliceService,
} from './endpoint-slices.js';
export { KubeApiServer, type KubeApiServerOptions } from './kube-api-server.js';
export type { KubeObject, StoreEvent, WatchEventType } from './kube-object.js';
export type { KubeStatus } from './kube-status.js';
export { KubeStore, type KubeStoreOptions, type StoreListener } from './kube-store.js';
export { KUBECONFIG_NAME } from './kubeconfig.js';
export { type LabelSelector, parseLabelSelector } from './label-selector.js';
