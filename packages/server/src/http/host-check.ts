import { InvalidArgumentError } from '@ferrite/core';
import { HttpError } from './http-error.js';

/**
 * True for an address or host name that can only reach this machine: `localhost`,
 * `127.0.0.0/8` and `::1` (with or without brackets).
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    name === 'localhost' ||
    name === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    name === '0:0:0:0:0:0:0:1'
  );
}

/**
 * The check a server applies to the `Host` of every request, against DNS rebinding: a page on
 * `evil.example` whose name the attacker re-points at 127.0.0.1 reaches a loopback server with
 * `Host: evil.example`. Loopback names always pass; so do the names in `allowed` (exact, case
 * insensitive, a port in the entry or the request ignored); `'*'` lets every name through.
 */
export function hostCheck(allowed: readonly string[]): (request: Request) => HttpError | undefined {
  const names = new Set<string>();
  for (const entry of allowed) {
    if (entry.trim() === '*') {
      names.add('*');
      continue;
    }
    let name: string | undefined;
    try {
      // The URL parser normalises case, brackets, a port and IPv4 shorthand as it does for Host.
      const url = new URL(`http://${entry.trim()}`);
      if (url.pathname === '/' && !url.username && !url.search) name = url.hostname;
    } catch {
      name = undefined;
    }
    if (!name) {
      throw new InvalidArgumentError(
        `allowedHosts entries are host names like "api.example.com", got ${JSON.stringify(entry)}`,
      );
    }
    names.add(name);
  }
  if (names.has('*')) return () => undefined;
  return (request) => {
    const hostname = new URL(request.url).hostname.toLowerCase();
    if (isLoopbackHost(hostname) || names.has(hostname)) return undefined;
    return new HttpError(
      `host ${JSON.stringify(hostname)} is not served here; add it to allowedHosts to serve it`,
      { code: 'host.not_allowed' },
    );
  };
}
