import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { isKubeObject, type KubeObject } from './kube-object.js';

const run = promisify(execFile);

/** Rendered manifests: the YAML stream as kubectl printed it, and its objects. */
export interface RenderedManifests {
  yaml: string;
  objects: KubeObject[];
}

export interface RenderOptions {
  /** The kubectl binary; default `kubectl` from PATH. */
  kubectl?: string | undefined;
}

export class KubectlMissingError extends Error {
  constructor(kubectl: string) {
    super(
      `${kubectl} not found: rendering a kustomization runs \`kubectl kustomize\` ` +
        '(kubectl 1.27 or later, which embeds kustomize v5). Install kubectl and put it on PATH.',
    );
    this.name = 'KubectlMissingError';
  }
}

/**
 * Builds a kustomization directory with `kubectl kustomize`, the same
 * kustomize that `kubectl apply -k` uses, so what is checked here is what a
 * cluster would receive.
 */
export async function renderKustomization(
  dir: string,
  options: RenderOptions = {},
): Promise<RenderedManifests> {
  const kubectl = options.kubectl ?? 'kubectl';
  let yaml: string;
  try {
    ({ stdout: yaml } = await run(kubectl, ['kustomize', dir], {
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new KubectlMissingError(kubectl);
    const detail = failure.stderr?.trim() || failure.message;
    throw new Error(`kubectl kustomize ${dir} failed: ${detail}`);
  }
  return { yaml, objects: parseManifests(yaml, dir) };
}

/** A multi-document YAML stream as Kubernetes objects; `source` names it in errors. */
export function parseManifests(yaml: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const [index, document] of parseAllDocuments(yaml).entries()) {
    const [error] = document.errors;
    if (error) throw new Error(`${source}: document ${index + 1}: ${error.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value)) {
      throw new Error(
        `${source}: document ${index + 1} is not a Kubernetes object (apiVersion, kind and metadata.name)`,
      );
    }
    objects.push(value);
  }
  return objects;
}
