import { join } from 'node:path';
import type { KubeObject } from './kube-object.js';
import { type RenderOptions, renderKustomization } from './kustomize-render.js';
import { containers } from './pod-templates.js';
import { LAB_IMAGE_PREFIX } from './policy-images.js';
import { repoRoot } from './repo-paths.js';
import type { SkaffoldPipeline } from './skaffold-config.js';

export interface SkaffoldRenderOptions extends RenderOptions {
  /** The skaffold.yaml's folder. Default: the repository root. */
  root?: string;
}

export interface RenderedPipeline {
  pipeline: SkaffoldPipeline;
  objects: KubeObject[];
}

/** `the top level` or `profile l4-lb`: how messages name a pipeline. */
export function pipelineName(pipeline: SkaffoldPipeline): string {
  return pipeline.profile === undefined ? 'the top level' : `profile ${pipeline.profile}`;
}

/**
 * The objects skaffold would deploy for one pipeline, before it swaps in its
 * image tags: every kustomize path rendered with `kubectl kustomize`, in order.
 * Skaffold prefers a standalone kustomize binary when one is on PATH and
 * falls back to kubectl's; both are kustomize v5 for kubectl 1.27 and later.
 */
export async function renderSkaffoldPipeline(
  pipeline: SkaffoldPipeline,
  options: SkaffoldRenderOptions = {},
): Promise<RenderedPipeline> {
  const root = options.root ?? repoRoot;
  const objects: KubeObject[] = [];
  for (const path of pipeline.kustomizePaths) {
    try {
      objects.push(...(await renderKustomization(join(root, path), options)).objects);
    } catch (error) {
      throw new Error(`${pipelineName(pipeline)}: ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return { pipeline, objects };
}

/** `grpc-lb-lab/addr-server:dev` → `grpc-lb-lab/addr-server`: what skaffold matches artifacts by. */
export function imageName(image: string): string {
  const [withoutDigest = ''] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** The image names of every container and init container, sorted, once each. */
export function renderedImages(objects: readonly KubeObject[]): string[] {
  return [...new Set(containers(objects).map(({ container }) => imageName(container.image ?? '')))]
    .filter((name) => name !== '')
    .sort();
}

/**
 * Images and artifacts must match: a lab image that a pipeline renders but
 * does not build would be pulled from a registry that does not have it, and
 * an artifact no pipeline uses is built for nothing.
 */
export function skaffoldImageProblems(rendered: readonly RenderedPipeline[]): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  const built = new Set<string>();
  for (const { pipeline, objects } of rendered) {
    const artifacts = new Set(pipeline.artifacts.map((artifact) => artifact.image));
    for (const image of artifacts) built.add(image);
    for (const image of renderedImages(objects)) {
      used.add(image);
      if (image.startsWith(LAB_IMAGE_PREFIX) && !artifacts.has(image)) {
        problems.push(
          `${pipelineName(pipeline)} deploys ${image}, which no artifact builds: the cluster would try to pull it`,
        );
      }
    }
  }
  for (const image of built) {
    if (!used.has(image)) problems.push(`${image} is built, but no pipeline deploys it`);
  }
  return problems;
}
