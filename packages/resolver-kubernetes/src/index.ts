export {
  DEFAULT_KUBERNETES_RESOLVER_CONFIG,
  KUBERNETES_RESOLVER_CONFIG_OPTION,
  KUBERNETES_RESOLVER_TRACER,
  KUBERNETES_RESOLVER_TYPE,
  KubernetesResolver,
  type KubernetesResolverConfig,
  type KubernetesResolverDeps,
  parseKubernetesResolverConfig,
  setup,
} from './resolver-kubernetes.js';
export {
  DEFAULT_NAMESPACE,
  KUBERNETES_SCHEME,
  type KubernetesPort,
  type KubernetesTarget,
  KubernetesTargetError,
  parseKubernetesTarget,
  parseKubernetesTargetString,
  TARGET_FORMS,
  targetAuthority,
} from './resolver-target.js';
export {
  type EndpointSlice,
  type EndpointState,
  endpointState,
  type MergedEndpoints,
  mergeSlices,
} from './slice-merge.js';
export type { KubeStatus, SliceList, SliceSource, WatchEvent } from './slice-source.js';
export { SliceSourceError, type SliceSourceErrorKind } from './slice-source.js';
export { KubeSliceSource, SERVICE_NAME_LABEL } from './slice-source-kube.js';
export { type SliceUpdate, SliceWatcher, type SliceWatcherOptions } from './slice-watcher.js';
