import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { k8sPaths } from './repo-paths.js';

export interface KindPortMapping {
  containerPort: number;
  hostPort: number;
  listenAddress?: string;
  protocol?: string;
}

/** The parts of k8s/kind/cluster.yaml that the lab relies on. */
export interface KindClusterConfig {
  /** The file, for `kind create cluster --config`. */
  path: string;
  /** `kind create cluster --name` and the kubectl context `kind-<name>`. */
  name: string;
  nodes: { role: string; extraPortMappings?: KindPortMapping[] }[];
}

export function readKindCluster(path: string = k8sPaths.kindCluster): KindClusterConfig {
  const config = parse(readFileSync(path, 'utf8')) as Omit<KindClusterConfig, 'path'> | null;
  if (!config?.name || !Array.isArray(config.nodes)) {
    throw new Error(`${path}: not a kind Cluster config with a name and nodes`);
  }
  return { path, name: config.name, nodes: config.nodes };
}
