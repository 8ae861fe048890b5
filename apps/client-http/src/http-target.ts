/**
 * `--target` is a base URL such as `http://127.0.0.1:8080` (or a Service name
 * like `http://addr-server.default.svc.cluster.local:8080`); the client calls
 * `<target>/addr`. Only plain http: is accepted: the lab measures how TCP
 * connections are spread, and TLS would add nothing but setup.
 */
export function addrUrl(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new TypeError(`target "${target}" is not a URL (example: http://127.0.0.1:8080).`);
  }
  if (url.protocol !== 'http:') {
    throw new TypeError(
      `target "${target}" must use http: (got ${url.protocol}); this client speaks plain HTTP/1.1.`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError(`target "${target}" must be a base URL without a query or fragment.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError(`target "${target}" must not carry credentials.`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/addr`;
  return url;
}
