import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { globSync } from 'tinyglobby';
import { parse } from 'yaml';
import type { CommandRunner } from './command-plan.js';
import type { Scenario } from './scenario-schema.js';

/** The programs a kind run builds, as apps/<app>/ names them. */
export type AppName =
  | 'addr-server'
  | 'client-grpc'
  | 'client-http'
  | 'grpclb-server'
  | 'xds-server';

export interface AppImage {
  app: AppName;
  /** The name the manifests use: `grpc-lb-lab/<app>`. */
  repository: string;
  /** From a hash of what goes into the image (imageSourceFiles). */
  tag: string;
  /** `repository:tag`, what docker builds and kind loads. */
  ref: string;
  /** Relative to the repository root, for `docker build -f`. */
  dockerfile: string;
  /**
   * Where the image is pushed, without the tag (cluster runtime): kustomize's
   * `images:` newName, so the manifests' `grpc-lb-lab/<app>` becomes it.
   */
  newName?: string;
  /** `docker build --platform` (cluster runtime): the nodes' os/arch. */
  platform?: string;
}

export const IMAGE_REPOSITORY_PREFIX = 'grpc-lb-lab/';
/** Hex digits of the content hash in a tag: enough to tell builds apart, short to read. */
const TAG_LENGTH = 12;

/**
 * The server, one client image per kind of client the scenario has, and the
 * balancer when the scenario runs one: the grpclb lookaside balancer
 * (k8s/components/grpclb-balancer) or the xDS control plane
 * (k8s/components/xds-control-plane).
 */
export function appsFor(scenario: Scenario): AppName[] {
  const kinds = new Set(scenario.clients.map((client) => client.kind));
  return [
    'addr-server',
    ...(kinds.has('grpc') ? (['client-grpc'] as const) : []),
    ...(kinds.has('http') ? (['client-http'] as const) : []),
    ...(scenario.balancer?.kind === 'grpclb' ? (['grpclb-server'] as const) : []),
    ...(scenario.balancer?.kind === 'xds' ? (['xds-server'] as const) : []),
  ];
}

interface WorkspacePackage {
  dir: string;
  manifest: { name?: string; dependencies?: Record<string, string> } & Record<string, unknown>;
}

function workspacePackages(root: string): Map<string, WorkspacePackage> {
  const config = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
    packages?: string[];
  };
  const files = globSync(
    (config.packages ?? []).map((pattern) => `${pattern}/package.json`),
    { cwd: root, ignore: ['**/node_modules/**'] },
  );
  const packages = new Map<string, WorkspacePackage>();
  for (const file of files) {
    const manifest = JSON.parse(
      readFileSync(join(root, file), 'utf8'),
    ) as WorkspacePackage['manifest'];
    if (manifest.name) packages.set(manifest.name, { dir: posix.dirname(file), manifest });
  }
  return packages;
}

/**
 * The app's folder and those of the workspace packages it depends on, all
 * the way down. Production dependencies only: the image is `pnpm deploy
 * --prod` of the app, so a devDependency never reaches it.
 */
function imageWorkspaceDirs(root: string, app: AppName): string[] {
  const packages = workspacePackages(root);
  const appDir = posix.join('apps', app);
  const start = [...packages.values()].find((pkg) => pkg.dir === appDir);
  if (!start) throw new Error(`${appDir}/package.json is not a workspace package`);
  const dirs = new Set<string>();
  const visit = (pkg: WorkspacePackage) => {
    if (dirs.has(pkg.dir)) return;
    dirs.add(pkg.dir);
    for (const [name, spec] of Object.entries(pkg.manifest.dependencies ?? {})) {
      const dependency = packages.get(name);
      if (spec.startsWith('workspace:') && dependency) visit(dependency);
    }
  };
  visit(start);
  return [...dirs].sort();
}

interface ContextRules {
  ignores(path: string): boolean;
  hasExceptions: boolean;
}

// A CommonJS module whose types declare an ES default export: under NodeNext
// the call is on `.default`, which the module sets to itself for this case.
const dockerignore = dockerignoreModule.default;

/** The .dockerignore rules of the build context (the repository root). */
function contextRules(root: string): ContextRules {
  const file = join(root, '.dockerignore');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const rules = dockerignore().add(text);
  return { ignores: (path) => rules.ignores(path), hasExceptions: /^\s*!/m.test(text) };
}

/** Files under `dir` that the build context keeps, as paths from the root. */
function contextFiles(root: string, dir: string, rules: ContextRules): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative ? posix.join(relative, entry.name) : entry.name;
      if (entry.isDirectory()) {
        // An excluded folder can be skipped whole unless a `!` rule may bring
        // part of it back, as docker itself decides.
        if (rules.hasExceptions || !rules.ignores(path)) walk(path);
      } else if (entry.isFile() && !rules.ignores(path)) files.push(path);
    }
  };
  walk(dir);
  return files;
}

/**
 * What goes into an app's image, as docker sees it: the repository's
 * top-level files (lockfile, workspace and root package files, shared
 * tsconfig), the app's folder and its workspace dependencies' folders, less
 * what .dockerignore leaves out of the build context (node_modules, dist,
 * docs, the Dockerfiles...), plus the app's Dockerfile, which docker reads
 * from outside the context. Paths from the root, sorted.
 */
export function imageSourceFiles(root: string, app: AppName): string[] {
  const rules = contextRules(root);
  const topLevel = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !rules.ignores(entry.name))
    .map((entry) => entry.name);
  const inPackages = imageWorkspaceDirs(root, app).flatMap((dir) => contextFiles(root, dir, rules));
  const dockerfile = posix.join('apps', app, 'Dockerfile');
  return [...new Set([...topLevel, ...inPackages, dockerfile])].sort();
}

/** The first hex digits of a SHA-256 over each file's path and content. */
export function imageTag(root: string, app: AppName): string {
  const hash = createHash('sha256');
  for (const file of imageSourceFiles(root, app)) {
    hash.update(file).update('\0');
    hash.update(readFileSync(join(root, file))).update('\0');
  }
  return hash.digest('hex').slice(0, TAG_LENGTH);
}

export function appImage(root: string, app: AppName): AppImage {
  const tag = imageTag(root, app);
  const repository = `${IMAGE_REPOSITORY_PREFIX}${app}`;
  return {
    app,
    repository,
    tag,
    ref: `${repository}:${tag}`,
    dockerfile: posix.join('apps', app, 'Dockerfile'),
  };
}

/**
 * Builds each image from the repository root, as its Dockerfile says, unless
 * an image with that tag is already there: the same tag means the same
 * inputs, so the build would give the same image.
 */
export async function buildImages(runner: CommandRunner, images: readonly AppImage[]) {
  for (const image of images) {
    await runner.unless(
      {
        argv: ['docker', 'image', 'inspect', '--format', '{{.Id}}', image.ref],
        what: 'the image exists',
        holds: (result) => result.code === 0,
      },
      async () => {
        await runner.run(['docker', 'build', '-f', image.dockerfile, '-t', image.ref, '.']);
      },
    );
  }
}
