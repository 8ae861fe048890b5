import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/ and dist/ are both packages/manifests/<dir>/, three levels below the root. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const k8sPaths = {
  base: join(repoRoot, 'k8s', 'base'),
  components: join(repoRoot, 'k8s', 'components'),
  scenarios: join(repoRoot, 'k8s', 'scenarios'),
  kindCluster: join(repoRoot, 'k8s', 'kind', 'cluster.yaml'),
} as const;

export const appsDir = join(repoRoot, 'apps');
