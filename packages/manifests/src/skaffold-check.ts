import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { LAB_IMAGE_PREFIX } from './policy-images.js';
import { appsDir, k8sPaths, repoRoot } from './repo-paths.js';
import { scenarioFolders } from './scenario-manifests.js';
import {
  artifactDockerfile,
  type FieldPath,
  formatFieldPath,
  type SkaffoldFile,
} from './skaffold-config.js';
import type { SkaffoldArtifact } from './skaffold-schema.js';

export interface SkaffoldCheckOptions {
  /** The folder of the skaffold.yaml, which its paths are relative to. Default: the repository root. */
  root?: string;
  /** Default: the repository's apps/. */
  appsDir?: string;
  /** Default: the repository's k8s/scenarios. */
  scenariosDir?: string;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Scenario folders whose scenario.yaml lists the kind runtime, sorted. */
export function kindScenarioIds(scenariosDir: string = k8sPaths.scenarios): string[] {
  return readdirSync(scenariosDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .filter((entry) => {
      const file = join(scenariosDir, entry.name, 'scenario.yaml');
      if (!existsSync(file)) return false;
      // Plain YAML: the scenario schema lives in @lab/lab, which depends on this package.
      const scenario = parse(readFileSync(file, 'utf8')) as { runtimes?: unknown } | null;
      return Array.isArray(scenario?.runtimes) && scenario.runtimes.includes('kind');
    })
    .map((entry) => entry.name)
    .sort();
}

/** Apps with a Dockerfile: the programs that have an image. */
function appsWithDockerfile(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'Dockerfile')))
    .map((entry) => entry.name)
    .sort();
}

/** `k8s/scenarios/l4-lb/` and `./k8s/scenarios/l4-lb` are the same path. */
function samePath(a: string, b: string): boolean {
  const clean = (path: string) => normalize(path).replace(/[\\/]+$/, '');
  return clean(a) === clean(b);
}

/**
 * What would make `skaffold dev` fail or drift from the lab before any build
 * starts: artifacts whose context or Dockerfile is missing or whose image is
 * not the one its app's manifests use, apps without an artifact, kustomize
 * paths that are not kustomizations, and profiles that do not match the
 * scenarios that run on kind one to one. Each problem names file, line and
 * field; an empty list means the file is consistent with the tree.
 */
export function skaffoldProblems(
  loaded: SkaffoldFile,
  options: SkaffoldCheckOptions = {},
): string[] {
  const root = options.root ?? repoRoot;
  const apps = options.appsDir ?? appsDir;
  const scenariosDir = options.scenariosDir ?? k8sPaths.scenarios;
  const { config, file } = loaded;
  const problems: string[] = [];
  const add = (path: FieldPath, message: string) =>
    problems.push(`${file}:${loaded.lineOf(path)}: ${formatFieldPath(path)}: ${message}`);

  const checkArtifacts = (artifacts: SkaffoldArtifact[] | undefined, at: FieldPath) => {
    const seen = new Set<string>();
    for (const [index, artifact] of (artifacts ?? []).entries()) {
      const path = [...at, index];
      if (seen.has(artifact.image)) add([...path, 'image'], `${artifact.image} is built twice`);
      seen.add(artifact.image);
      const context = artifact.context ?? '.';
      if (!isDirectory(join(root, context))) {
        add([...path, 'context'], `${context} is not a folder`);
        continue;
      }
      const dockerfile = artifactDockerfile(artifact);
      if (!existsSync(join(root, dockerfile))) {
        add([...path, 'docker', 'dockerfile'], `${dockerfile} does not exist`);
        continue;
      }
      const fromApps = relative(apps, join(root, dockerfile)).split(sep);
      const app = fromApps.length === 2 && fromApps[1] === 'Dockerfile' ? fromApps[0] : undefined;
      if (app === undefined || app.startsWith('..')) {
        add(
          [...path, 'docker', 'dockerfile'],
          `${dockerfile} is not an app's (apps/<app>/Dockerfile)`,
        );
      } else if (artifact.image !== `${LAB_IMAGE_PREFIX}${app}`) {
        add(
          [...path, 'image'],
          `${artifact.image} builds ${dockerfile}, whose image the manifests call ${LAB_IMAGE_PREFIX}${app}`,
        );
      }
    }
  };

  const checkKustomizePaths = (paths: string[] | undefined, at: FieldPath) => {
    for (const [index, path] of (paths ?? ['.']).entries()) {
      const dir = join(root, path);
      if (isAbsolute(path)) {
        add([...at, index], `${path}: write it relative to ${file}'s folder`);
      } else if (!isDirectory(dir)) {
        add([...at, index], `${path} is not a folder`);
      } else if (!KUSTOMIZATION_FILES.some((name) => existsSync(join(dir, name)))) {
        add([...at, index], `${path} has no kustomization.yaml`);
      }
    }
  };

  checkArtifacts(config.build?.artifacts, ['build', 'artifacts']);
  const built = new Set(
    (config.build?.artifacts ?? []).map((artifact) => normalize(artifactDockerfile(artifact))),
  );
  for (const app of appsWithDockerfile(apps)) {
    if (!built.has(relative(root, join(apps, app, 'Dockerfile')))) {
      add(['build', 'artifacts'], `apps/${app} has a Dockerfile but no artifact`);
    }
  }
  if (config.manifests?.kustomize) {
    checkKustomizePaths(config.manifests.kustomize.paths, ['manifests', 'kustomize', 'paths']);
  } else {
    add(['manifests'], 'no kustomize paths: the top level deploys the seed walkthrough');
  }

  const scenarios = scenarioFolders(scenariosDir).map((folder) => folder.id);
  const kindScenarios = kindScenarioIds(scenariosDir);
  const names = new Set<string>();
  for (const [index, profile] of (config.profiles ?? []).entries()) {
    const at = ['profiles', index] as const;
    if (names.has(profile.name)) add([...at, 'name'], `profile ${profile.name} is defined twice`);
    names.add(profile.name);
    checkArtifacts(profile.build?.artifacts, [...at, 'build', 'artifacts']);
    const kustomize = profile.manifests?.kustomize;
    if (kustomize) checkKustomizePaths(kustomize.paths, [...at, 'manifests', 'kustomize', 'paths']);
    if (!scenarios.includes(profile.name)) {
      add(
        [...at, 'name'],
        `${profile.name} is not a scenario (no ${profile.name}/scenario.yaml in ${relative(root, scenariosDir)})`,
      );
      continue;
    }
    if (!kindScenarios.includes(profile.name)) {
      add(
        [...at, 'name'],
        `scenario ${profile.name} does not run on kind (its scenario.yaml runtimes)`,
      );
    }
    const expected = relative(root, join(scenariosDir, profile.name));
    if (!kustomize) {
      add(at, `profile ${profile.name} renders the top level's manifests, not ${expected}`);
    } else {
      const paths = kustomize.paths ?? ['.'];
      if (paths.length !== 1 || !samePath(paths[0] ?? '', expected)) {
        add(
          [...at, 'manifests', 'kustomize', 'paths'],
          `profile ${profile.name} must render ${expected} and nothing else, not ${paths.join(', ')}`,
        );
      }
    }
  }
  for (const id of kindScenarios) {
    if (!names.has(id)) add(['profiles'], `scenario ${id} runs on kind but has no profile`);
  }
  return problems;
}
