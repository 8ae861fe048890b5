import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { parseManifests } from './kustomize-render.js';
import { policyViolations } from './policy.js';
import { formatViolation } from './policy-violation.js';

/** A server, its Service, and a client with API access: everything as the policies want it. */
const GOOD = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo-server
  namespace: lab
  labels: { app.kubernetes.io/name: demo-server, app.kubernetes.io/part-of: grpc-lb-lab }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: demo-server } }
  template:
    metadata:
      labels:
        app.kubernetes.io/name: demo-server
        app.kubernetes.io/part-of: grpc-lb-lab
        app.kubernetes.io/component: server
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: RuntimeDefault } }
      terminationGracePeriodSeconds: 35
      containers:
        - name: demo
          image: grpc-lb-lab/demo-server:dev
          imagePullPolicy: IfNotPresent
          args: [--shutdown-grace=25s]
          ports: [{ name: grpc, containerPort: 50051 }, { name: http, containerPort: 8080 }]
          readinessProbe: { grpc: { port: 50051 } }
          livenessProbe: { grpc: { port: 50051 } }
          lifecycle: { preStop: { sleep: { seconds: 5 } } }
          resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { memory: 128Mi } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
---
apiVersion: v1
kind: Service
metadata:
  name: demo-server
  namespace: lab
  labels: { app.kubernetes.io/name: demo-server, app.kubernetes.io/part-of: grpc-lb-lab }
spec:
  selector: { app.kubernetes.io/name: demo-server }
  ports:
    - { name: grpc, port: 50051, targetPort: grpc, appProtocol: kubernetes.io/h2c }
    - { name: http, port: 8080, targetPort: http, appProtocol: http }
---
apiVersion: batch/v1
kind: Job
metadata:
  name: client
  namespace: lab
  labels: { app.kubernetes.io/name: client-grpc, app.kubernetes.io/part-of: grpc-lb-lab }
spec:
  template:
    metadata:
      labels: { app.kubernetes.io/name: client-grpc, app.kubernetes.io/part-of: grpc-lb-lab }
    spec:
      restartPolicy: Never
      serviceAccountName: reader
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: client
          image: grpc-lb-lab/client-grpc:dev
          imagePullPolicy: IfNotPresent
          resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { memory: 128Mi } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reader
  namespace: lab
  labels: { app.kubernetes.io/name: reader, app.kubernetes.io/part-of: grpc-lb-lab }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: lab
  labels: { app.kubernetes.io/name: reader, app.kubernetes.io/part-of: grpc-lb-lab }
rules:
  - { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: lab
  labels: { app.kubernetes.io/name: reader, app.kubernetes.io/part-of: grpc-lb-lab }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader }
subjects: [{ kind: ServiceAccount, name: reader, namespace: lab }]
`;

// biome-ignore lint/suspicious/noExplicitAny: each test edits the fixture freely, field by field.
type Objects = Record<string, KubeObject & Record<string, any>>;

/** The good manifests with one change: `change` gets them by kind. */
function violations(change: (objects: Objects) => void): string[] {
  const objects = parseManifests(GOOD, 'fixture');
  change(Object.fromEntries(objects.map((o) => [o.kind, o])) as Objects);
  return policyViolations(objects).map(formatViolation);
}

const serverContainer = (o: Objects) => o.Deployment!.spec.template.spec.containers[0];
const serverPod = (o: Objects) => o.Deployment!.spec.template.spec;

describe('policyViolations', () => {
  it('finds nothing wrong with manifests that follow every policy', () => {
    expect(violations(() => {})).toEqual([]);
  });

  it('reports a container that may run as root', () => {
    expect(
      violations((o) => {
        delete serverPod(o).securityContext.runAsNonRoot;
        serverPod(o).securityContext.runAsUser = 0;
      }),
    ).toEqual([
      '[security] Deployment/lab/demo-server spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true (here or in the pod’s securityContext)',
      '[security] Deployment/lab/demo-server spec.template.spec.containers[0].securityContext.runAsUser: must not be 0 (root)',
    ]);
  });

  it('reports privilege escalation, a writable root filesystem and kept capabilities', () => {
    expect(
      violations((o) => {
        serverContainer(o).securityContext = { capabilities: { add: ['NET_ADMIN'] } };
        delete serverPod(o).securityContext.seccompProfile;
      }),
    ).toEqual(
      [
        'seccompProfile: must be RuntimeDefault (here or in the pod’s)',
        'allowPrivilegeEscalation: must be false',
        'readOnlyRootFilesystem: must be true',
        'capabilities.drop: must drop ALL',
        'capabilities.add: must add no capability',
      ].map(
        (end) =>
          `[security] Deployment/lab/demo-server spec.template.spec.containers[0].securityContext.${end}`,
      ),
    );
  });

  it('reports a server without probes or a preStop delay', () => {
    expect(
      violations((o) => {
        delete serverContainer(o).readinessProbe;
        delete serverContainer(o).livenessProbe;
        delete serverContainer(o).lifecycle;
      }),
    ).toEqual([
      '[probes] Deployment/lab/demo-server spec.template.spec.containers[0].readinessProbe: a server needs one',
      '[probes] Deployment/lab/demo-server spec.template.spec.containers[0].livenessProbe: a server needs one',
      '[graceful-shutdown] Deployment/lab/demo-server spec.template.spec.containers[0].lifecycle.preStop: a server needs a preStop delay, so that endpoints drop it before it stops taking calls',
    ]);
  });

  it('asks no probes of a loopback helper beside a server, but of a server without ports', () => {
    const helper = {
      name: 'helper',
      image: 'example/helper:1.0',
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
    };
    expect(violations((o) => serverPod(o).containers.push(helper))).toEqual([]);
    expect(
      violations((o) => {
        serverPod(o).containers = [helper];
      }).filter((line) => line.startsWith('[probes]')),
    ).toEqual([
      '[probes] Deployment/lab/demo-server spec.template.spec.containers[0].readinessProbe: a server needs one',
      '[probes] Deployment/lab/demo-server spec.template.spec.containers[0].livenessProbe: a server needs one',
    ]);
  });

  it('reports a grace period shorter than the preStop delay plus the drain', () => {
    expect(
      violations((o) => {
        serverPod(o).terminationGracePeriodSeconds = 30;
      }),
    ).toEqual([
      "[graceful-shutdown] Deployment/lab/demo-server spec.template.spec.terminationGracePeriodSeconds: 30 s leaves no margin after the preStop delay (5 s) and the server's drain (25 s): the kubelet would SIGKILL it before it ends itself",
    ]);
  });

  it('reports missing requests and memory limit', () => {
    expect(
      violations((o) => {
        serverContainer(o).resources = { limits: { cpu: '1' } };
      }),
    ).toEqual(
      ['requests.cpu', 'requests.memory', 'limits.memory'].map(
        (field) =>
          `[resources] Deployment/lab/demo-server spec.template.spec.containers[0].resources.${field}: must be set`,
      ),
    );
  });

  it('reports unnamed ports, a missing or wrong appProtocol, and a Service that selects nothing', () => {
    expect(
      violations((o) => {
        const { ports } = o.Service!.spec;
        delete ports[0].name;
        ports[1].appProtocol = 'kubernetes.io/h2c';
        o.Service!.spec.ports.push({ name: 'metrics', port: 9090, targetPort: 9090 });
      }),
    ).toEqual([
      '[services] Service/lab/demo-server spec.ports[0].name: every port needs a name (grpc, http, …)',
      '[services] Service/lab/demo-server spec.ports[1].appProtocol: port http must say http, not kubernetes.io/h2c',
      '[services] Service/lab/demo-server spec.ports[2].appProtocol: must be set',
      '[services] Service/lab/demo-server spec.ports[2].targetPort: must name a container port, so that port numbers live in one place',
    ]);
    expect(
      violations((o) => {
        o.Service!.spec.selector = { 'app.kubernetes.io/name': 'nobody' };
      }),
    ).toEqual([
      '[services] Service/lab/demo-server spec.selector: selects no pod template in these manifests',
    ]);
  });

  it('reports cluster-wide RBAC and wildcards', () => {
    expect(
      violations((o) => {
        o.Role!.kind = 'ClusterRole';
        o.RoleBinding!.roleRef.kind = 'ClusterRole';
      }),
    ).toEqual([
      '[rbac] ClusterRole/lab/reader: no cluster-wide RBAC: use a Role and a RoleBinding in the namespace',
      '[rbac] RoleBinding/lab/reader roleRef.kind: must be Role, not ClusterRole',
      '[rbac] Job/lab/client spec.template.spec.automountServiceAccountToken: mounts a token for ServiceAccount reader, which no Role binds: set it to false',
    ]);
    expect(
      violations((o) => {
        o.Role!.rules[0].verbs = ['*'];
      }),
    ).toEqual([
      '[rbac] Role/lab/reader rules[0]: grants client-grpc more than it needs ([{"apiGroups":["discovery.k8s.io"],"resources":["endpointslices"],"verbs":["get","list","watch"]}])',
      '[rbac] Role/lab/reader rules[0].verbs: no wildcards',
    ]);
  });

  it('reports access beyond what the program needs, and a token nobody needs', () => {
    expect(
      violations((o) => {
        o.Role!.rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
        serverPod(o).automountServiceAccountToken = true;
      }),
    ).toEqual([
      expect.stringMatching(/^\[rbac\] Role\/lab\/reader rules\[1\]: grants client-grpc more/),
      '[rbac] Deployment/lab/demo-server spec.template.spec.automountServiceAccountToken: mounts a token for ServiceAccount default, which no Role binds: set it to false',
    ]);
    // A program with no entry in API_ACCESS may have no Role at all.
    expect(
      violations((o) => {
        o.Job!.metadata.labels!['app.kubernetes.io/name'] = 'client-http';
        o.Job!.spec.template.metadata.labels['app.kubernetes.io/name'] = 'client-http';
      }),
    ).toContainEqual('[rbac] Role/lab/reader rules[0]: grants client-http more than it needs ([])');
  });

  it('reports missing or inconsistent labels', () => {
    expect(
      violations((o) => {
        delete o.ServiceAccount!.metadata.labels!['app.kubernetes.io/part-of'];
        o.Deployment!.spec.template.metadata.labels['app.kubernetes.io/name'] = 'other';
      }),
    ).toEqual([
      '[labels] ServiceAccount/lab/reader metadata.labels: app.kubernetes.io/part-of must be grpc-lb-lab',
      '[labels] Deployment/lab/demo-server spec.template.metadata.labels: app.kubernetes.io/name must be demo-server, as on the Deployment',
      '[services] Service/lab/demo-server spec.selector: selects no pod template in these manifests',
      '[images] Deployment/lab/demo-server spec.template.spec.containers[0].image: grpc-lb-lab/demo-server runs in a pod labelled app.kubernetes.io/name=other',
    ]);
  });

  it('reports a floating tag and a lab image that would be pulled', () => {
    expect(
      violations((o) => {
        serverContainer(o).image = 'grpc-lb-lab/demo-server';
        serverContainer(o).imagePullPolicy = 'Always';
      }),
    ).toEqual([
      '[images] Deployment/lab/demo-server spec.template.spec.containers[0].image: grpc-lb-lab/demo-server needs a fixed tag, not latest',
      '[images] Deployment/lab/demo-server spec.template.spec.containers[0].imagePullPolicy: must be IfNotPresent or Never: lab images are loaded, not pulled',
    ]);
  });
});

describe('policyViolations on a grpclb balancer', () => {
  /** The fixture's API reader as grpclb-server, behind a Service port named grpclb. */
  const asBalancer = (o: Objects) => {
    o.Job!.metadata.labels!['app.kubernetes.io/name'] = 'grpclb-server';
    o.Job!.spec.template.metadata.labels['app.kubernetes.io/name'] = 'grpclb-server';
    o.Job!.spec.template.spec.containers[0].image = 'grpc-lb-lab/grpclb-server:dev';
    o.Service!.spec.ports[0].name = 'grpclb';
  };

  it('lets grpclb-server get, list and watch EndpointSlices, and a port named grpclb speak h2c', () => {
    expect(violations(asBalancer)).toEqual([]);
  });

  it('reports more access than the balancer needs, and a grpclb port that does not say h2c', () => {
    expect(
      violations((o) => {
        asBalancer(o);
        o.Role!.rules.push({ apiGroups: [''], resources: ['pods'], verbs: ['list'] });
        o.Service!.spec.ports[0].appProtocol = 'http';
      }),
    ).toEqual([
      '[services] Service/lab/demo-server spec.ports[0].appProtocol: port grpclb must say kubernetes.io/h2c, not http',
      '[rbac] Role/lab/reader rules[1]: grants grpclb-server more than it needs ([{"apiGroups":["discovery.k8s.io"],"resources":["endpointslices"],"verbs":["get","list","watch"]}])',
    ]);
  });
});
