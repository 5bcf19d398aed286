/**
 * (host, path, method) → gateway. For now routes match on a path prefix at
 * segment boundaries, longest prefix first; the mount point becomes the
 * request's SCRIPT_NAME. Nothing else lives here.
 */
import type { Gateway } from './gateways/gateway.js';

export interface Route {
  /** '' or '/' for the root, else '/api' (no trailing slash). */
  readonly prefix: string;
  readonly gateway: Gateway;
}

export interface RouteMatch {
  readonly gateway: Gateway;
  readonly scriptName: string;
}

export interface Router {
  match(path: string): RouteMatch | null;
  readonly gateways: readonly Gateway[];
}

export function createRouter(routes: readonly Route[]): Router {
  const sorted = routes
    .map((r) => ({ prefix: r.prefix === '/' ? '' : r.prefix.replace(/\/+$/, ''), gateway: r.gateway }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    gateways: [...new Set(routes.map((r) => r.gateway))],
    match(path: string): RouteMatch | null {
      for (const route of sorted) {
        const { prefix } = route;
        if (prefix === '') return { gateway: route.gateway, scriptName: '' };
        if (path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/' || path[prefix.length] === '?')) {
          return { gateway: route.gateway, scriptName: prefix };
        }
      }
      return null;
    },
  };
}
