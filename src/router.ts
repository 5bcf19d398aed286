/**
 * (host, path, method) → gateway. Routes are tried in order and the first
 * that matches wins (NGINX Unit's rule: the order is the config's); a route
 * with no conditions is a default. A path prefix matches at segment
 * boundaries (`/api` matches `/api`, `/api/x` and `/api?q`, not `/apix`) and
 * becomes the request's SCRIPT_NAME. Nothing else lives here.
 */
import type { Gateway } from './gateways/gateway.js';

export interface Route {
  /**
   * Host patterns, any of which matches: `example.com`, `*.example.com` (any
   * subdomain, not the domain itself), `*` (any); case-insensitive, the port
   * ignored. Empty: any host.
   */
  readonly hosts: readonly string[];
  /** '' or '/' for the root, else '/api' (a trailing slash is ignored). */
  readonly prefix: string;
  /** Upper-case methods, any of which matches; empty: any method. */
  readonly methods: readonly string[];
  readonly gateway: Gateway;
}

/** What the front knows of a request when it routes it. */
export interface RouteTarget {
  /** The Host header (or HTTP/2 :authority, or a trusted forwarded host); may carry a port. */
  readonly host: string;
  /** The request target, query included. */
  readonly path: string;
  readonly method: string;
}

export interface RouteMatch {
  readonly gateway: Gateway;
  readonly scriptName: string;
}

export interface Router {
  match(target: RouteTarget): RouteMatch | null;
  readonly gateways: readonly Gateway[];
}

interface CompiledRoute {
  readonly prefix: string;
  readonly matchesHost: ((host: string) => boolean) | null;
  readonly methods: ReadonlySet<string> | null;
  readonly gateway: Gateway;
}

export function createRouter(routes: readonly Route[]): Router {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    prefix: route.prefix.replace(/\/+$/, ''),
    matchesHost: route.hosts.length === 0 ? null : hostMatcher(route.hosts),
    methods: route.methods.length === 0 ? null : new Set(route.methods),
    gateway: route.gateway,
  }));
  return {
    gateways: [...new Set(routes.map((r) => r.gateway))],
    match(target: RouteTarget): RouteMatch | null {
      for (const route of compiled) {
        if (route.methods !== null && !route.methods.has(target.method)) continue;
        if (route.matchesHost !== null && !route.matchesHost(target.host)) continue;
        if (!isUnderPrefix(target.path, route.prefix)) continue;
        return { gateway: route.gateway, scriptName: route.prefix };
      }
      return null;
    },
  };
}

function isUnderPrefix(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  if (!path.startsWith(prefix)) return false;
  const next = path[prefix.length];
  return next === undefined || next === '/' || next === '?';
}

/** One function for a route's host patterns, compiled once. */
function hostMatcher(patterns: readonly string[]): (host: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let isAny = false;
  for (const pattern of patterns.map((p) => p.toLowerCase())) {
    if (pattern === '*') isAny = true;
    else if (pattern.startsWith('*.')) suffixes.push(pattern.slice(1)); // '.example.com'
    else exact.add(pattern);
  }
  return (header: string): boolean => {
    if (isAny) return true;
    const host = hostName(header);
    if (exact.has(host)) return true;
    return suffixes.some((suffix) => host.length > suffix.length && host.endsWith(suffix));
  };
}

/** `Example.COM:8080` → `example.com`; `[::1]:8080` → `[::1]`; a trailing dot dropped. */
export function hostName(header: string): string {
  let host = header.toLowerCase();
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && colon > host.lastIndexOf(']')) host = host.slice(0, colon);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
