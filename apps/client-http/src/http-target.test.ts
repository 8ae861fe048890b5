import { describe, expect, it } from 'vitest';
import { addrUrl } from './http-target.js';

describe('addrUrl', () => {
  it('appends /addr to a base URL', () => {
    expect(addrUrl('http://127.0.0.1:8080').href).toBe('http://127.0.0.1:8080/addr');
    expect(addrUrl('http://127.0.0.1:8080/').href).toBe('http://127.0.0.1:8080/addr');
    expect(addrUrl('http://addr-server.default.svc.cluster.local:8080').href).toBe(
      'http://addr-server.default.svc.cluster.local:8080/addr',
    );
  });

  it('keeps a base path', () => {
    expect(addrUrl('http://proxy:10000/lab/').href).toBe('http://proxy:10000/lab/addr');
  });

  it.each([
    ['https://127.0.0.1:8443', /must use http:/],
    ['grpc://127.0.0.1:50051', /must use http:/],
    ['127.0.0.1:8080', /not a URL/],
    ['localhost:8080', /must use http:/],
    ['not a url', /not a URL/],
    ['http://127.0.0.1:8080/?x=1', /without a query/],
    ['http://user:secret@127.0.0.1:8080', /credentials/],
  ])('rejects %s with a one-line message', (target, message) => {
    expect(() => addrUrl(target)).toThrow(message);
    try {
      addrUrl(target);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
