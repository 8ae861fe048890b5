import { describe, expect, it } from 'vitest';
import {
  artifactDockerfile,
  parseSkaffoldConfig,
  readSkaffoldConfig,
  SkaffoldConfigError,
  skaffoldPipeline,
  skaffoldPipelines,
} from './skaffold-config.js';
import { SKAFFOLD_API_VERSION } from './skaffold-schema.js';

const HEAD = `apiVersion: ${SKAFFOLD_API_VERSION}\nkind: Config\n`;

function parse(text: string) {
  return parseSkaffoldConfig(text, 'skaffold.yaml');
}

function errorOf(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SkaffoldConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a SkaffoldConfigError');
}

describe("the repository's skaffold.yaml", () => {
  it('parses and meets the skaffold/v4beta13 schema subset', () => {
    const { config, file } = readSkaffoldConfig();
    expect(file).toBe('skaffold.yaml');
    expect(config.apiVersion).toBe('skaffold/v4beta13');
    expect(config.kind).toBe('Config');
  });

  it('builds every app from the repository root with its own Dockerfile', () => {
    const { artifacts } = skaffoldPipeline(readSkaffoldConfig().config);
    expect(
      artifacts.map((artifact) => [artifact.image, artifact.context, artifactDockerfile(artifact)]),
    ).toEqual([
      ['grpc-lb-lab/addr-server', '.', 'apps/addr-server/Dockerfile'],
      ['grpc-lb-lab/client-grpc', '.', 'apps/client-grpc/Dockerfile'],
      ['grpc-lb-lab/client-http', '.', 'apps/client-http/Dockerfile'],
      ['grpc-lb-lab/grpclb-server', '.', 'apps/grpclb-server/Dockerfile'],
      ['grpc-lb-lab/xds-server', '.', 'apps/xds-server/Dockerfile'],
    ]);
  });

  it('deploys the seed walkthrough without a profile and a scenario with each profile', () => {
    const pipelines = skaffoldPipelines(readSkaffoldConfig().config);
    expect(pipelines[0]?.kustomizePaths).toEqual(['k8s/seed']);
    for (const pipeline of pipelines.slice(1)) {
      expect(pipeline.kustomizePaths).toEqual([`k8s/scenarios/${pipeline.profile}`]);
      // Profiles inherit the build, the deploy flags and the port forwards.
      expect(pipeline.artifacts).toEqual(pipelines[0]?.artifacts);
      expect(pipeline.kubectlApplyFlags).toEqual(pipelines[0]?.kubectlApplyFlags);
      expect(pipeline.portForward).toEqual(pipelines[0]?.portForward);
    }
  });
});

describe('parseSkaffoldConfig', () => {
  it('names file, line and field of a key the schema does not have', () => {
    const text = `${HEAD}build:\n  artifacts:\n    - image: grpc-lb-lab/a\n      dockerfil: Dockerfile\n`;
    expect(errorOf(text)).toBe(
      'skaffold.yaml:6: build.artifacts[0].dockerfil: not a field of the skaffold schema subset ' +
        'the lab checks (packages/manifests/src/skaffold-schema.ts)',
    );
  });

  it('refuses another apiVersion, and says which one it expects', () => {
    const message = errorOf('apiVersion: skaffold/v2beta29\nkind: Config\n');
    expect(message).toMatch(/^skaffold\.yaml:1: apiVersion: .*skaffold\/v4beta13/);
  });

  it('checks types and ranges, with the line of the value', () => {
    const text = `${HEAD}portForward:\n  - resourceType: service\n    localPort: 70000\n  - resourceType: ingress\n`;
    expect(errorOf(text).split('\n')).toEqual([
      expect.stringMatching(/^skaffold\.yaml:5: portForward\[0\]\.localPort: /),
      expect.stringMatching(/^skaffold\.yaml:6: portForward\[1\]\.resourceType: must be one of /),
    ]);
  });

  it('requires the fields the schema requires', () => {
    expect(errorOf(`${HEAD}profiles:\n  - manifests: {}\n`)).toMatch(
      /^skaffold\.yaml:4: profiles\[0\]\.name: /,
    );
  });

  it('refuses broken YAML, an empty file and a second document', () => {
    expect(errorOf(`${HEAD}build: [\n`)).toMatch(/^skaffold\.yaml:\d+: not valid YAML: /);
    expect(errorOf('')).toBe('skaffold.yaml:1: empty: expected one skaffold Config');
    expect(errorOf(`${HEAD}---\n${HEAD}`)).toBe(
      'skaffold.yaml:3: a second document: the lab keeps its skaffold Config in one document',
    );
  });

  it('gives the line of any field', () => {
    const { lineOf } = parse(`${HEAD}manifests:\n  kustomize:\n    paths:\n      - k8s/seed\n`);
    expect(lineOf(['manifests', 'kustomize', 'paths', 0])).toBe(6);
    expect(lineOf(['manifests', 'nothing', 'here'])).toBe(3);
  });
});

describe('skaffoldPipeline', () => {
  const { config } = parse(
    [
      HEAD,
      'build:',
      '  artifacts:',
      '    - image: grpc-lb-lab/a',
      'manifests:',
      '  kustomize:',
      '    paths: [top]',
      'deploy:',
      '  kubectl:',
      '    flags:',
      '      apply: [--force]',
      'portForward:',
      '  - resourceType: service',
      '    resourceName: a',
      '    port: 1',
      'profiles:',
      '  - name: own',
      '    manifests:',
      '      kustomize:',
      '        paths: [own]',
      '    deploy:',
      '      kubectl:',
      '        defaultNamespace: x',
      '    portForward:',
      '      - resourceType: pod',
      '        resourceName: b',
      '        port: 2',
      '  - name: empty',
      '    portForward: []',
      '    manifests:',
      '      kustomize: {}',
    ].join('\n'),
  );

  it('is the top level without a profile', () => {
    expect(skaffoldPipeline(config)).toMatchObject({
      profile: undefined,
      kustomizePaths: ['top'],
      kubectlApplyFlags: ['--force'],
      portForward: [{ resourceName: 'a' }],
    });
  });

  it("replaces lists and whole pointer fields with a profile's, as skaffold's overlay does", () => {
    expect(skaffoldPipeline(config, 'own')).toMatchObject({
      profile: 'own',
      artifacts: [{ image: 'grpc-lb-lab/a' }],
      kustomizePaths: ['own'],
      // deploy.kubectl is replaced whole: the top level's flags are gone.
      kubectlApplyFlags: [],
      portForward: [{ resourceName: 'b' }],
    });
  });

  it('keeps the top level for an empty list, and kustomize paths default to "."', () => {
    expect(skaffoldPipeline(config, 'empty')).toMatchObject({
      kustomizePaths: ['.'],
      portForward: [{ resourceName: 'a' }],
    });
  });

  it('names the profiles there are when asked for another', () => {
    expect(() => skaffoldPipeline(config, 'nope')).toThrow(
      'no skaffold profile nope (profiles: own, empty)',
    );
  });
});
