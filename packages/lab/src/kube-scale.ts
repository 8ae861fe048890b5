import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/**
 * Scales a Deployment through the Kubernetes API, as `kubectl scale` does:
 * a merge patch of the scale subresource. The same call works against the
 * local cluster's API and a real cluster.
 */
export class KubeScaler {
  private readonly apps: AppsV1Api;

  constructor(kubeconfig: string) {
    const config = new KubeConfig();
    config.loadFromString(kubeconfig);
    this.apps = config.makeApiClient(AppsV1Api);
  }

  async scale(namespace: string, name: string, replicas: number): Promise<void> {
    await this.apps.patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}
