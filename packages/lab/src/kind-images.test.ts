import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { appImage, appsFor, imageSourceFiles, imageTag } from './kind-images.js';
import { loadScenario } from './scenario-load.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const pkg = (name: string, deps: Record<string, string> = {}, devDeps = {}) =>
  JSON.stringify({ name, dependencies: deps, devDependencies: devDeps });

/**
 * A small workspace shaped like this repository, with the repository's own
 * .dockerignore: addr-server depends on proto, proto on cli; testkit is only
 * a devDependency; lab is unrelated.
 */
const FIXTURE: Record<string, string> = {
  '.dockerignore': readFileSync(join(repoRoot, '.dockerignore'), 'utf8'),
  'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
  'package.json': '{"name":"fixture","private":true}',
  'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
  'tsconfig.base.json': '{}',
  'README.md': '# fixture',
  'docs/notes.md': 'notes',
  'k8s/base/kustomization.yaml': 'resources: []',
  'apps/addr-server/package.json': pkg(
    '@lab/addr-server',
    { '@lab/proto': 'workspace:*', express: '^5.1.0' },
    { '@lab/testkit': 'workspace:*' },
  ),
  'apps/addr-server/tsconfig.json': '{}',
  'apps/addr-server/src/main.ts': 'export const main = 1;',
  'apps/addr-server/Dockerfile': 'FROM node:20-bookworm-slim',
  'apps/addr-server/README.md': '# addr-server',
  'apps/addr-server/dist/main.js': 'built',
  'apps/addr-server/node_modules/express/index.js': 'installed',
  'apps/addr-server/.turbo/turbo-build.log': 'log',
  'packages/proto/package.json': pkg('@lab/proto', { '@lab/cli': 'workspace:*' }),
  'packages/proto/src/index.ts': 'export const proto = 1;',
  'packages/proto/src/generated/types.ts': 'generated',
  'packages/proto/protos/addr.proto': 'syntax = "proto3";',
  'packages/cli/package.json': pkg('@lab/cli'),
  'packages/cli/src/index.ts': 'export const cli = 1;',
  'packages/testkit/package.json': pkg('@lab/testkit'),
  'packages/testkit/src/index.ts': 'export const testkit = 1;',
  'packages/lab/package.json': pkg('@lab/lab', { '@lab/cli': 'workspace:*' }),
  'packages/lab/src/index.ts': 'export const lab = 1;',
};

function writeTree(root: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'image-tag-'));
  dirs.push(root);
  writeTree(root, FIXTURE);
});

function edit(path: string) {
  const before = FIXTURE[path] ?? '';
  const text = path.endsWith('.json')
    ? JSON.stringify({ ...JSON.parse(before), version: '0.2.0' })
    : `${before}\n// changed`;
  writeTree(root, { [path]: text });
}

describe('imageSourceFiles', () => {
  it("is the context's top-level files, the app and its production workspace dependencies, and the Dockerfile", () => {
    expect(imageSourceFiles(root, 'addr-server')).toEqual([
      'apps/addr-server/Dockerfile',
      'apps/addr-server/package.json',
      'apps/addr-server/src/main.ts',
      'apps/addr-server/tsconfig.json',
      'package.json',
      'packages/cli/package.json',
      'packages/cli/src/index.ts',
      'packages/proto/package.json',
      'packages/proto/protos/addr.proto',
      'packages/proto/src/index.ts',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'tsconfig.base.json',
    ]);
  });

  it("follows this repository's own workspace", () => {
    const files = imageSourceFiles(repoRoot, 'client-grpc');
    expect(files).toContain('apps/client-grpc/Dockerfile');
    expect(files).toContain('pnpm-lock.yaml');
    expect(files.some((file) => file.startsWith('packages/resolver-kubernetes/src/'))).toBe(true);
    expect(files.some((file) => file.startsWith('packages/stats/src/'))).toBe(true);
    // Only a devDependency of client-grpc (for its tests): not in the image.
    expect(files.some((file) => file.startsWith('apps/addr-server/'))).toBe(false);
    expect(files.some((file) => /(^|\/)(node_modules|dist)\//.test(file))).toBe(false);
    expect(appImage(repoRoot, 'client-grpc')).toMatchObject({
      repository: 'grpc-lb-lab/client-grpc',
      ref: expect.stringMatching(/^grpc-lb-lab\/client-grpc:[0-9a-f]{12}$/),
      dockerfile: 'apps/client-grpc/Dockerfile',
    });
  });
});

describe('imageTag', () => {
  it('is the same for the same inputs, wherever the checkout is', () => {
    const tag = imageTag(root, 'addr-server');
    expect(tag).toMatch(/^[0-9a-f]{12}$/);
    expect(imageTag(root, 'addr-server')).toBe(tag);
    const elsewhere = mkdtempSync(join(tmpdir(), 'image-tag-copy-'));
    dirs.push(elsewhere);
    cpSync(root, elsewhere, { recursive: true });
    expect(imageTag(elsewhere, 'addr-server')).toBe(tag);
  });

  it.each([
    ['a source file of the app', 'apps/addr-server/src/main.ts'],
    ['a source file of a workspace dependency', 'packages/proto/src/index.ts'],
    ['a dependency of a dependency', 'packages/cli/src/index.ts'],
    ["the app's package.json", 'apps/addr-server/package.json'],
    ['the lockfile', 'pnpm-lock.yaml'],
    ['the Dockerfile', 'apps/addr-server/Dockerfile'],
    ['a new source file', 'apps/addr-server/src/new-file.ts'],
  ])('changes with %s', (_what, path) => {
    const before = imageTag(root, 'addr-server');
    edit(path);
    expect(imageTag(root, 'addr-server')).not.toBe(before);
  });

  it.each([
    ['a README', 'apps/addr-server/README.md'],
    ['build output', 'apps/addr-server/dist/main.js'],
    ['installed modules', 'apps/addr-server/node_modules/express/index.js'],
    ['generated code', 'packages/proto/src/generated/types.ts'],
    ['a devDependency', 'packages/testkit/src/index.ts'],
    ['an unrelated package', 'packages/lab/src/index.ts'],
    ['the docs', 'docs/notes.md'],
    ['the manifests', 'k8s/base/kustomization.yaml'],
  ])('stays the same when only %s changes', (_what, path) => {
    const before = imageTag(root, 'addr-server');
    edit(path);
    expect(imageTag(root, 'addr-server')).toBe(before);
  });
});

describe('appsFor', () => {
  it('builds the server and one image per kind of client the scenario has', () => {
    const scenarios = join(repoRoot, 'k8s', 'scenarios');
    expect(appsFor(loadScenario(scenarios, 'l4-lb', repoRoot).scenario)).toEqual([
      'addr-server',
      'client-grpc',
      'client-http',
    ]);
    expect(appsFor(loadScenario(scenarios, 'api-resolver', repoRoot).scenario)).toEqual([
      'addr-server',
      'client-grpc',
    ]);
  });

  it('adds the lookaside balancer when the scenario runs one', () => {
    const scenarios = join(repoRoot, 'k8s', 'scenarios');
    expect(appsFor(loadScenario(scenarios, 'grpclb', repoRoot).scenario)).toEqual([
      'addr-server',
      'client-grpc',
      'grpclb-server',
    ]);
  });

  it('adds the xDS control plane when the scenario runs one', () => {
    const scenarios = join(repoRoot, 'k8s', 'scenarios');
    expect(appsFor(loadScenario(scenarios, 'xds-proxyless', repoRoot).scenario)).toEqual([
      'addr-server',
      'client-grpc',
      'xds-server',
    ]);
  });

  it("hashes the control plane's image by its production dependencies only", () => {
    const files = imageSourceFiles(repoRoot, 'xds-server');
    expect(files).toContain('apps/xds-server/Dockerfile');
    expect(files.some((file) => file.startsWith('apps/xds-server/src/'))).toBe(true);
    expect(files.some((file) => file.startsWith('packages/resolver-kubernetes/src/'))).toBe(true);
    // devDependencies of xds-server (its tests run real addr-servers): not in the image.
    for (const dir of ['apps/addr-server/', 'packages/local-cluster/', 'packages/proto/']) {
      expect(
        files.some((file) => file.startsWith(dir)),
        dir,
      ).toBe(false);
    }
    expect(appImage(repoRoot, 'xds-server').ref).toMatch(/^grpc-lb-lab\/xds-server:[0-9a-f]{12}$/);
  });

  it("hashes the balancer's image by the same rules: its folder, its production workspace dependencies, its Dockerfile", () => {
    const files = imageSourceFiles(repoRoot, 'grpclb-server');
    expect(files).toContain('apps/grpclb-server/Dockerfile');
    expect(files).toContain('pnpm-lock.yaml');
    for (const dir of [
      'apps/grpclb-server/src/',
      'packages/proto/',
      'packages/resolver-kubernetes/src/',
    ]) {
      expect(
        files.some((file) => file.startsWith(dir)),
        dir,
      ).toBe(true);
    }
    // devDependencies of grpclb-server (for its tests): not in the image.
    for (const dir of ['apps/addr-server/', 'packages/local-cluster/']) {
      expect(
        files.some((file) => file.startsWith(dir)),
        dir,
      ).toBe(false);
    }
    expect(appImage(repoRoot, 'grpclb-server')).toMatchObject({
      repository: 'grpc-lb-lab/grpclb-server',
      ref: expect.stringMatching(/^grpc-lb-lab\/grpclb-server:[0-9a-f]{12}$/),
      dockerfile: 'apps/grpclb-server/Dockerfile',
    });
  });
});
