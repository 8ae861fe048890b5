import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSkaffoldConfig, readSkaffoldConfig } from './skaffold-config.js';
import { kindScenarioIds, skaffoldProblems } from './skaffold-check.js';
import { SKAFFOLD_API_VERSION } from './skaffold-schema.js';

describe("the repository's skaffold.yaml against the tree", () => {
  it('has no problem: Dockerfiles, contexts, kustomizations and profiles all line up', () => {
    expect(skaffoldProblems(readSkaffoldConfig())).toEqual([]);
  });

  it('has one profile per scenario that runs on kind, named as the scenario', () => {
    const { config } = readSkaffoldConfig();
    const ids = kindScenarioIds();
    expect(ids.length).toBeGreaterThan(0);
    expect((config.profiles ?? []).map((profile) => profile.name).sort()).toEqual(ids);
  });
});

/**
 * A small tree shaped like the repository: apps a and b with Dockerfiles, the
 * seed kustomization, scenario s1 on local and kind, s2 on local only.
 */
const root = mkdtempSync(join(tmpdir(), 'skaffold-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const files: Record<string, string> = {
  'apps/a/Dockerfile': 'FROM scratch\n',
  'apps/b/Dockerfile': 'FROM scratch\n',
  'k8s/seed/kustomization.yaml': 'resources: []\n',
  'k8s/scenarios/s1/scenario.yaml': 'id: s1\nruntimes: [local, kind]\n',
  'k8s/scenarios/s1/kustomization.yaml': 'resources: []\n',
  'k8s/scenarios/s2/scenario.yaml': 'id: s2\nruntimes: [local]\n',
  'k8s/scenarios/s2/kustomization.yaml': 'resources: []\n',
};
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

const GOOD = [
  `apiVersion: ${SKAFFOLD_API_VERSION}`, // 1
  'kind: Config',
  'build:',
  '  artifacts:',
  '    - image: grpc-lb-lab/a', // 5
  '      context: .',
  '      docker:',
  '        dockerfile: apps/a/Dockerfile',
  '    - image: grpc-lb-lab/b',
  '      docker:', // 10
  '        dockerfile: apps/b/Dockerfile',
  'manifests:',
  '  kustomize:',
  '    paths:',
  '      - k8s/seed', // 15
  'profiles:',
  '  - name: s1',
  '    manifests:',
  '      kustomize:',
  '        paths:', // 20
  '          - k8s/scenarios/s1',
];

function problems(lines: string[]): string[] {
  return skaffoldProblems(parseSkaffoldConfig(`${lines.join('\n')}\n`, 'skaffold.yaml'), {
    root,
    appsDir: join(root, 'apps'),
    scenariosDir: join(root, 'k8s', 'scenarios'),
  });
}

function replace(line: number, text: string, lines = GOOD): string[] {
  return lines.map((original, index) => (index === line - 1 ? text : original));
}

describe('skaffoldProblems on a broken skaffold.yaml', () => {
  it('finds none in a consistent one', () => {
    expect(problems(GOOD)).toEqual([]);
  });

  it('reports a missing Dockerfile, and the app left without an artifact', () => {
    expect(problems(replace(11, '        dockerfile: apps/c/Dockerfile'))).toEqual([
      'skaffold.yaml:11: build.artifacts[1].docker.dockerfile: apps/c/Dockerfile does not exist',
      'skaffold.yaml:4: build.artifacts: apps/b has a Dockerfile but no artifact',
    ]);
  });

  it('reports a context that is not a folder', () => {
    expect(problems(replace(6, '      context: nowhere'))).toEqual([
      'skaffold.yaml:6: build.artifacts[0].context: nowhere is not a folder',
      'skaffold.yaml:4: build.artifacts: apps/a has a Dockerfile but no artifact',
    ]);
  });

  it("reports an image that is not the one its app's manifests use", () => {
    expect(problems(replace(9, '    - image: grpc-lb-lab/bee'))).toEqual([
      'skaffold.yaml:9: build.artifacts[1].image: grpc-lb-lab/bee builds apps/b/Dockerfile, ' +
        'whose image the manifests call grpc-lb-lab/b',
    ]);
  });

  it('reports an unknown profile path', () => {
    expect(problems(replace(21, '          - k8s/scenarios/s1-typo'))).toEqual([
      'skaffold.yaml:21: profiles[0].manifests.kustomize.paths[0]: k8s/scenarios/s1-typo is not a folder',
      'skaffold.yaml:20: profiles[0].manifests.kustomize.paths: profile s1 must render ' +
        'k8s/scenarios/s1 and nothing else, not k8s/scenarios/s1-typo',
    ]);
  });

  it('reports a folder without a kustomization', () => {
    expect(problems(replace(15, '      - apps/a'))).toEqual([
      'skaffold.yaml:15: manifests.kustomize.paths[0]: apps/a has no kustomization.yaml',
    ]);
  });

  it('reports a profile that names no scenario, and the kind scenario left without one', () => {
    expect(problems(replace(17, '  - name: s3'))).toEqual([
      'skaffold.yaml:17: profiles[0].name: s3 is not a scenario (no s3/scenario.yaml in k8s/scenarios)',
      'skaffold.yaml:16: profiles: scenario s1 runs on kind but has no profile',
    ]);
  });

  it('reports a profile for a scenario that does not run on kind', () => {
    const lines = [...GOOD, '  - name: s2', '    manifests:', '      kustomize:'];
    expect(problems([...lines, '        paths: [k8s/scenarios/s2]'])).toEqual([
      'skaffold.yaml:22: profiles[1].name: scenario s2 does not run on kind (its scenario.yaml runtimes)',
    ]);
  });

  it('reports a profile that keeps the top level manifests, and a profile defined twice', () => {
    const lines = [...GOOD, '  - name: s1'];
    expect(problems(lines)).toEqual([
      'skaffold.yaml:22: profiles[1].name: profile s1 is defined twice',
      "skaffold.yaml:22: profiles[1]: profile s1 renders the top level's manifests, not k8s/scenarios/s1",
    ]);
  });
});

describe('kindScenarioIds', () => {
  it('lists the scenarios whose runtimes include kind', () => {
    expect(kindScenarioIds(join(root, 'k8s', 'scenarios'))).toEqual(['s1']);
  });
});
