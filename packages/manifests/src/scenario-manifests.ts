import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from './kube-object.js';
import {
  type RenderedManifests,
  type RenderOptions,
  renderKustomization,
} from './kustomize-render.js';
import { k8sPaths } from './repo-paths.js';

export interface ScenarioFolder {
  id: string;
  dir: string;
  /** The folder's kustomization.yaml, or undefined when it has none yet. */
  kustomization: string | undefined;
}

export interface ScenarioRenderOptions extends RenderOptions {
  /** Default: the repository's k8s/scenarios. */
  scenariosDir?: string | undefined;
}

export class MissingKustomizationError extends Error {
  constructor(
    readonly scenarioId: string,
    dir: string,
  ) {
    super(
      `scenario ${scenarioId} has no kustomization.yaml in ${dir}: the kind runtime has no manifests for it`,
    );
    this.name = 'MissingKustomizationError';
  }
}

/** Every scenario folder (one with a scenario.yaml), with its kustomization if it has one. */
export function scenarioFolders(scenariosDir: string = k8sPaths.scenarios): ScenarioFolder[] {
  return readdirSync(scenariosDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(scenariosDir, entry.name))
    .filter((dir) => existsSync(join(dir, 'scenario.yaml')))
    .map((dir) => {
      const kustomization = join(dir, 'kustomization.yaml');
      return {
        id: dir.slice(scenariosDir.length + 1),
        dir,
        kustomization: existsSync(kustomization) ? kustomization : undefined,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

function scenarioFolder(id: string, scenariosDir: string): ScenarioFolder {
  // An id is a folder name; nothing that could step outside scenariosDir.
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new Error(`not a scenario id: ${JSON.stringify(id)}`);
  const folder = scenarioFolders(scenariosDir).find((candidate) => candidate.id === id);
  if (!folder) throw new Error(`no scenario ${id} in ${scenariosDir}`);
  return folder;
}

/** The kind runtime's manifests for one scenario: the YAML to apply and its objects. */
export async function renderScenarioManifests(
  id: string,
  options: ScenarioRenderOptions = {},
): Promise<RenderedManifests> {
  const folder = scenarioFolder(id, options.scenariosDir ?? k8sPaths.scenarios);
  if (!folder.kustomization) throw new MissingKustomizationError(id, folder.dir);
  return renderKustomization(folder.dir, options);
}

export async function renderScenario(
  id: string,
  options: ScenarioRenderOptions = {},
): Promise<KubeObject[]> {
  return (await renderScenarioManifests(id, options)).objects;
}

export async function renderScenarioYaml(
  id: string,
  options: ScenarioRenderOptions = {},
): Promise<string> {
  return (await renderScenarioManifests(id, options)).yaml;
}
