export type { ClientStatus, TypeStatus } from './ads-stream.js';
export { type BootstrapOptions, xdsBootstrap } from './bootstrap.js';
export * from './create-server.js';
export { DEFAULT_DEBOUNCE_MAX_MS, DEFAULT_DEBOUNCE_MS, Debouncer } from './debounce.js';
export {
  DEFAULT_LB_POLICY,
  healthStatus,
  LB_POLICIES,
  type LbPolicy,
  localitiesFrom,
  serviceResources,
} from './resources.js';
export {
  apiListenerNames,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_ENVOY_BASE_PORT,
  parseServiceSpec,
  SERVICE_SPEC_FORMS,
  type ServiceSpec,
} from './service-spec.js';
export {
  ADS_SERVICE_NAME,
  adsClientConstructor,
  CLUSTER_TYPE,
  type DiscoveryRequest,
  type DiscoveryResponse,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  loadXdsPackageDefinition,
  ROUTE_TYPE,
  XDS_INCLUDE_DIRS,
  XDS_PROTO_FILES,
} from './xds-protos.js';
