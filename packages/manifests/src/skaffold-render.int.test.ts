import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IService } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKindCluster } from './kind-cluster.js';
import { policyViolations } from './policy.js';
import { formatViolation } from './policy-violation.js';
import { readSkaffoldConfig, skaffoldPipeline, skaffoldPipelines } from './skaffold-config.js';
import {
  imageName,
  type RenderedPipeline,
  renderedImages,
  renderSkaffoldPipeline,
  skaffoldImageProblems,
} from './skaffold-render.js';
import { formatSchemaIssue, validateObjects } from './schema-validate.js';

const { config } = readSkaffoldConfig();
const pipelines = skaffoldPipelines(config);
const rendered: RenderedPipeline[] = [];

beforeAll(async () => {
  // One after the other: each render is a kubectl process, and the machine is small.
  for (const pipeline of pipelines) rendered.push(await renderSkaffoldPipeline(pipeline));
});

function seed(): RenderedPipeline {
  const top = rendered.find((r) => r.pipeline.profile === undefined);
  expect(top).toBeDefined();
  return top!;
}

function addrService(objects: RenderedPipeline['objects']): IService {
  const found = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'addr-server');
  expect(found).toBeDefined();
  return found as unknown as IService;
}

describe('skaffold.yaml rendered with kubectl kustomize', () => {
  it('renders the top level and every profile', () => {
    expect(rendered.map((r) => r.pipeline.profile ?? '(top level)')).toEqual([
      '(top level)',
      ...(config.profiles ?? []).map((profile) => profile.name),
    ]);
    for (const { pipeline, objects } of rendered) {
      expect(objects.length, pipeline.profile).toBeGreaterThan(0);
    }
  });

  it('builds exactly the lab images the manifests use, so skaffold replaces every tag', () => {
    expect(skaffoldImageProblems(rendered)).toEqual([]);
    // Proxies and meshes run their own upstream images (pinned, see the images policy).
    const deployed = [...new Set(rendered.flatMap((r) => renderedImages(r.objects)))]
      .filter((image) => image.startsWith('grpc-lb-lab/'))
      .sort();
    const built = skaffoldPipeline(config)
      .artifacts.map((artifact) => artifact.image)
      .sort();
    expect(deployed).toEqual(built);
  });

  it('applies with --force wherever a client Job is deployed', () => {
    for (const { pipeline, objects } of rendered) {
      if (objects.some((o) => o.kind === 'Job')) {
        expect(pipeline.kubectlApplyFlags, pipeline.profile).toContain('--force');
      }
    }
  });
});

describe('the top level: the seed walkthrough', () => {
  it('runs one addr-server and no client in the cluster', () => {
    const { objects } = seed();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/grpc-lb',
      'Service/addr-server',
      'Deployment/addr-server',
    ]);
    expect(renderedImages(objects)).toEqual(['grpc-lb-lab/addr-server']);
  });

  it("opens NodePorts 30080 (HTTP) and 30051 (gRPC), the ports kind's cluster.yaml maps to the host", () => {
    const { spec } = addrService(seed().objects);
    expect(spec?.type).toBe('NodePort');
    const nodePorts = Object.fromEntries(spec?.ports?.map((p) => [p.name, p.nodePort]) ?? []);
    expect(nodePorts).toEqual({ http: 30080, grpc: 30051 });
    const mapped = readKindCluster().nodes.flatMap((node) => node.extraPortMappings ?? []);
    for (const nodePort of [30080, 30051]) {
      expect(mapped).toContainEqual(
        expect.objectContaining({ containerPort: nodePort, hostPort: nodePort }),
      );
    }
  });

  it("forwards the Service's http and grpc ports to the NodePorts' numbers on 127.0.0.1", () => {
    const { pipeline, objects } = seed();
    const service = addrService(objects);
    const ports = service.spec?.ports ?? [];
    const forwards = pipeline.portForward.map((forward) => {
      expect(forward.resourceType?.toLowerCase()).toBe('service');
      expect(forward.resourceName).toBe(service.metadata?.name);
      expect(forward.namespace).toBe(service.metadata?.namespace);
      expect(forward.address).toBe('127.0.0.1');
      const port = ports.find((p) => p.port === forward.port || p.name === forward.port);
      expect(port, `port ${forward.port}`).toBeDefined();
      expect(forward.localPort).toBe(port?.nodePort);
      return port?.name;
    });
    expect(forwards.sort()).toEqual(['grpc', 'http']);
  });

  it('is valid against the Kubernetes schema and meets every lab policy', async () => {
    const { objects } = seed();
    expect((await validateObjects(objects)).map(formatSchemaIssue)).toEqual([]);
    expect(policyViolations(objects).map(formatViolation)).toEqual([]);
  });
});

describe('renderSkaffoldPipeline and skaffoldImageProblems on broken input', () => {
  const root = mkdtempSync(join(tmpdir(), 'skaffold-render-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('name the profile and the path whose kustomization fails to render', async () => {
    mkdirSync(join(root, 'broken'));
    writeFileSync(join(root, 'broken', 'kustomization.yaml'), 'resources:\n  - missing.yaml\n');
    const pipeline = { ...skaffoldPipeline(config, 'l4-lb'), kustomizePaths: ['broken'] };
    await expect(renderSkaffoldPipeline(pipeline, { root })).rejects.toThrow(
      /^profile l4-lb: broken: kubectl kustomize .* failed: .*missing\.yaml/,
    );
  });

  it('report an image no artifact builds, and an artifact nothing deploys', () => {
    const top = seed();
    const withoutServer = {
      ...top,
      pipeline: {
        ...top.pipeline,
        artifacts: top.pipeline.artifacts.filter((a) => a.image !== 'grpc-lb-lab/addr-server'),
      },
    };
    expect(skaffoldImageProblems([withoutServer])).toEqual([
      'the top level deploys grpc-lb-lab/addr-server, which no artifact builds: the cluster would try to pull it',
      'grpc-lb-lab/client-grpc is built, but no pipeline deploys it',
      'grpc-lb-lab/client-http is built, but no pipeline deploys it',
      'grpc-lb-lab/grpclb-server is built, but no pipeline deploys it',
      'grpc-lb-lab/xds-server is built, but no pipeline deploys it',
    ]);
  });
});

describe('imageName', () => {
  it('drops the tag and the digest, not a registry port', () => {
    expect(imageName('grpc-lb-lab/addr-server:dev')).toBe('grpc-lb-lab/addr-server');
    expect(imageName('localhost:5000/lab/a@sha256:00')).toBe('localhost:5000/lab/a');
    expect(imageName('localhost:5000/lab/a')).toBe('localhost:5000/lab/a');
  });
});
