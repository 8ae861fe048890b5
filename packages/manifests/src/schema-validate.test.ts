import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { formatSchemaIssue, validateObjects } from './schema-validate.js';

function deployment(container: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'demo', namespace: 'grpc-lb' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'demo' } },
      template: {
        metadata: { labels: { app: 'demo' } },
        spec: { containers: [{ name: 'demo', image: 'grpc-lb-lab/demo:dev', ...container }] },
      },
      ...spec,
    },
  } satisfies KubeObject;
}

async function messages(objects: unknown[]): Promise<string[]> {
  return (await validateObjects(objects)).map(formatSchemaIssue);
}

describe('validateObjects', () => {
  it('accepts valid objects of several groups', async () => {
    const objects = [
      deployment({ ports: [{ name: 'grpc', containerPort: 50051 }] }),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'demo' },
        spec: { ports: [{ name: 'grpc', port: 50051, targetPort: 'grpc' }] },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'reader' },
        rules: [
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list'] },
        ],
      },
    ];
    expect(await messages(objects)).toEqual([]);
  });

  it('reports a misspelled field, as kubectl apply would refuse it', async () => {
    const broken = deployment({ imagePullPolicy: 'IfNotPresent', readinesProbe: {} });
    expect(await messages([broken])).toEqual([
      'Deployment/grpc-lb/demo spec.template.spec.containers[0].readinesProbe: unknown field',
    ]);
  });

  it('reports a wrong type, a bad enum value and a missing required field', async () => {
    const broken = deployment(
      { imagePullPolicy: 'Sometimes', ports: [{ name: 'grpc' }] },
      { replicas: 'three' },
    );
    const found = await messages([broken]);
    expect(found).toContain('Deployment/grpc-lb/demo spec.replicas: must be integer');
    expect(found).toContain(
      'Deployment/grpc-lb/demo spec.template.spec.containers[0].imagePullPolicy: must be equal to one of the allowed values: Always, IfNotPresent, Never',
    );
    expect(found).toContainEqual(
      expect.stringMatching(
        /containers\[0\]\.ports\[0\]: must have required property containerPort/,
      ),
    );
  });

  it('reports an unknown kind and something that is no Kubernetes object', async () => {
    const found = await messages([
      { apiVersion: 'apps/v1', kind: 'Deploymint', metadata: { name: 'x' } },
      { kind: 'Service' },
    ]);
    expect(found).toEqual([
      'Deploymint/x: unknown kind Deploymint in apps/v1',
      '#2: not a Kubernetes object: apiVersion, kind and metadata.name are required',
    ]);
  });
});

describe('validateObjects: Istio objects (@kubernetes-models/istio)', () => {
  const virtualService = (http: unknown[]) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'demo', namespace: 'grpc-lb' },
    spec: { hosts: ['demo'], http },
  });
  const route = [{ destination: { host: 'demo' } }];

  it('accepts a fault-injecting VirtualService and a DestinationRule', async () => {
    expect(
      await messages([
        virtualService([
          { fault: { abort: { percentage: { value: 10 }, grpcStatus: 'UNAVAILABLE' } }, route },
        ]),
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'demo' },
          spec: { host: 'demo', trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } },
        },
      ]),
    ).toEqual([]);
  });

  it('names unknown fields, which the CRD schema (and kubectl) would silently drop', async () => {
    expect(
      await messages([
        virtualService([
          { fault: { abort: { percent: 10, grpcStatus: 'UNAVAILABLE' } }, route },
          { route, retrys: { attempts: 2 } },
        ]),
      ]),
    ).toEqual([
      'VirtualService/grpc-lb/demo spec.http[0].fault.abort.percent: unknown field',
      'VirtualService/grpc-lb/demo spec.http[1].retrys: unknown field',
    ]);
  });

  it('checks types and enums from the CRD schema', async () => {
    expect(
      await messages([
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'demo' },
          spec: { host: 'demo', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } },
        },
      ]),
    ).toEqual([
      expect.stringMatching(
        /^DestinationRule\/demo spec\.trafficPolicy\.loadBalancer\.simple: must be equal to one of the allowed values: .*LEAST_REQUEST/,
      ),
    ]);
  });
});
