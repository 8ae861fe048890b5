import type { EndpointSlice } from './slice-merge.js';

/**
 * Where EndpointSlices come from. The watcher only sees this interface, so
 * its list / watch / retry logic is tested without HTTP; the real one is
 * slice-source-kube.ts.
 */
export interface SliceSource {
  /** The namespace it reads, once known (it may come from the kubeconfig). */
  readonly namespace: string | undefined;
  /** Lists the Service's slices; rejects with a SliceSourceError. */
  list(): Promise<SliceList>;
  /**
   * Watches from `resourceVersion`. `onEnd` is called once: with no error
   * when the server closed the watch normally, or with a SliceSourceError.
   * Neither callback is called after `stop()`.
   */
  watch(
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    onEnd: (error?: SliceSourceError) => void,
  ): { stop(): void };
}

export interface SliceList {
  slices: EndpointSlice[];
  resourceVersion: string;
}

export type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: EndpointSlice }
  | { type: 'ERROR'; object: KubeStatus };

/** A Kubernetes `Status` object, as in an ERROR watch event or an error body. */
export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
}

export type SliceSourceErrorKind =
  /** RBAC said no (403). */
  | 'forbidden'
  /** The credentials were rejected (401). */
  | 'unauthorized'
  /** The resourceVersion is too old (410): list again. */
  | 'expired'
  /** The client gave up on a quiet watch: watch again. */
  | 'timeout'
  /** No answer from the API server. */
  | 'unreachable'
  /** No usable kubeconfig or in-cluster config. */
  | 'config'
  /** Anything else the API server answered. */
  | 'http';

export class SliceSourceError extends Error {
  override readonly name = 'SliceSourceError';
  constructor(
    message: string,
    readonly kind: SliceSourceErrorKind,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The resource the resolver reads, as RBAC names it. */
export const RESOURCE = 'endpointslices.discovery.k8s.io';

/**
 * Turns an HTTP status from the API into an error that says what to do. A
 * 403 names the verb that was refused, the resource and the namespace, since
 * that is exactly what the missing Role rule needs.
 */
export function sliceSourceError(
  verb: 'list' | 'watch',
  namespace: string,
  status: number,
  serverMessage?: string,
): SliceSourceError {
  const said = serverMessage ? `; the API server said: ${serverMessage}` : '';
  switch (status) {
    case 403:
      return new SliceSourceError(
        `forbidden: cannot ${verb} ${RESOURCE} in namespace ${namespace} ` +
          `(RBAC: the resolver needs get, list and watch on endpointslices there)${said}`,
        'forbidden',
        status,
      );
    case 401:
      return new SliceSourceError(
        `unauthorized: the API server rejected the credentials (${verb} ${RESOURCE})${said}`,
        'unauthorized',
        status,
      );
    case 404:
      return new SliceSourceError(
        `the API server has no ${RESOURCE} (v1, Kubernetes 1.21 or later) to ${verb}${said}`,
        'http',
        status,
      );
    case 410:
      return new SliceSourceError(
        `resourceVersion expired (410 Gone) on ${verb}${said}`,
        'expired',
        status,
      );
    default:
      return new SliceSourceError(
        `${verb} ${RESOURCE} in namespace ${namespace} failed with HTTP ${status}${said}`,
        'http',
        status,
      );
  }
}
