import { describe, expect, it } from 'vitest';
import {
  KubernetesTargetError,
  parseKubernetesTarget,
  parseKubernetesTargetString,
  targetAuthority,
} from './resolver-target.js';

describe('parseKubernetesTargetString: the forms kuberesolver accepts', () => {
  it.each([
    [
      'kubernetes:///addr-server.grpc-lb:grpc',
      'addr-server',
      'grpc-lb',
      { kind: 'name', name: 'grpc' },
    ],
    [
      'kubernetes:///addr-server.grpc-lb:50051',
      'addr-server',
      'grpc-lb',
      { kind: 'number', number: 50051 },
    ],
    [
      'kubernetes:///addr-server:50051',
      'addr-server',
      undefined,
      { kind: 'number', number: 50051 },
    ],
    ['kubernetes:///addr-server:grpc', 'addr-server', undefined, { kind: 'name', name: 'grpc' }],
    ['kubernetes:///addr-server', 'addr-server', undefined, { kind: 'first' }],
    [
      'kubernetes:///addr-server.grpc-lb.svc.cluster.local:grpc',
      'addr-server',
      'grpc-lb',
      { kind: 'name', name: 'grpc' },
    ],
    [
      'kubernetes://grpc-lb/addr-server:grpc',
      'addr-server',
      'grpc-lb',
      { kind: 'name', name: 'grpc' },
    ],
    [
      'kubernetes://grpc-lb/addr-server:50051',
      'addr-server',
      'grpc-lb',
      { kind: 'number', number: 50051 },
    ],
    ['kubernetes://grpc-lb/addr-server', 'addr-server', 'grpc-lb', { kind: 'first' }],
    [
      'kubernetes://addr-server.grpc-lb:8080/',
      'addr-server',
      'grpc-lb',
      { kind: 'number', number: 8080 },
    ],
    [
      'kubernetes://addr-server.grpc-lb:8080',
      'addr-server',
      'grpc-lb',
      { kind: 'number', number: 8080 },
    ],
    ['kubernetes://addr-server:http/', 'addr-server', undefined, { kind: 'name', name: 'http' }],
    [
      'kubernetes:addr-server.grpc-lb:grpc',
      'addr-server',
      'grpc-lb',
      { kind: 'name', name: 'grpc' },
    ],
  ])('%s', (text, service, namespace, port) => {
    expect(parseKubernetesTargetString(text)).toEqual({ service, namespace, port });
  });
});

describe('parseKubernetesTarget: what it refuses, in one line that names the forms', () => {
  it.each([
    ['kubernetes:///', /no service/],
    ['kubernetes:///Addr-Server:grpc', /'Addr-Server' is not a Service name/],
    ['kubernetes:///addr-server.grpc_lb:grpc', /'grpc_lb' is not a namespace name/],
    ['kubernetes:///addr-server:0', /port '0' is not in 1-65535/],
    ['kubernetes:///addr-server:70000', /port '70000' is not in 1-65535/],
    ['kubernetes:///addr-server:', /port '' is neither a number nor a port name/],
    ['kubernetes:///addr-server:grpc_port', /port 'grpc_port' is neither/],
    [
      'kubernetes:///addr-server.grpc-lb.cluster.local:grpc',
      /not service.namespace or service.namespace.svc/,
    ],
    [
      'kubernetes:///addr-server.grpc-lb.svc:grpc',
      /not service.namespace or service.namespace.svc/,
    ],
    ['kubernetes://grpc-lb/addr-server.other:grpc', /the namespace is 'grpc-lb', so the service/],
    ['kubernetes://grpc-lb:80/addr-server', /must be a namespace, with no port/],
    ['kubernetes://Grpc-Lb/addr-server', /'Grpc-Lb' is not a namespace name/],
    ['kubernetes:///a/b:1', /'a\/b' is not a Service name/],
  ])('%s', (text, message) => {
    let error: unknown;
    try {
      parseKubernetesTargetString(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KubernetesTargetError);
    const line = (error as Error).message;
    expect(line).toMatch(message);
    expect(line).toContain('kubernetes:///service[.namespace][:port|:port-name]');
    expect(line).not.toContain('\n');
  });

  it('refuses a target of another scheme', () => {
    expect(() => parseKubernetesTargetString('dns:///a:1')).toThrow(/not a kubernetes: target/);
  });

  it('takes the parts grpc-js hands a resolver', () => {
    expect(parseKubernetesTarget({ authority: '', path: 'a.b:1' })).toEqual({
      service: 'a',
      namespace: 'b',
      port: { kind: 'number', number: 1 },
    });
    expect(parseKubernetesTarget({ authority: 'ns', path: 'a:p' }).namespace).toBe('ns');
  });
});

describe('targetAuthority', () => {
  it('is service.namespace, with the port when it is a number', () => {
    expect(targetAuthority(parseKubernetesTargetString('kubernetes:///a.b:80'))).toBe('a.b:80');
    expect(targetAuthority(parseKubernetesTargetString('kubernetes:///a.b:grpc'))).toBe('a.b');
    expect(targetAuthority(parseKubernetesTargetString('kubernetes:///a'))).toBe('a');
  });
});
