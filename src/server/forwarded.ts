/**
 * Who the client is when a proxy stands in front: `Forwarded` (RFC 7239)
 * or X-Forwarded-For / -Proto / -Host, believed only from a peer in
 * `--forwarded-allow-ips` (the socket's peer, or the client a PROXY header
 * named). gunicorn's rule, with uvicorn's address walk: the client is the
 * rightmost address in the chain that is not itself a trusted proxy, so a
 * client cannot prepend a false address past the proxies it went through.
 *
 * Scheme: the value the nearest proxy appended (X-Forwarded-Proto, Forwarded
 * proto=), plus gunicorn's secure_scheme_headers X-Forwarded-Protocol: ssl
 * and X-Forwarded-Ssl: on; signals that disagree refuse the request (400),
 * as gunicorn's InvalidSchemeHeaders does. `Forwarded`, when present and
 * well formed, wins over the X-Forwarded-* headers. An untrusted peer's
 * headers change nothing here (the app still sees them as HTTP_*).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { ClientView } from '../gateways/gateway.js';
import type { AddressTrust } from './address-trust.js';

export type ClientResolution =
  | { readonly ok: true; readonly client: ClientView; readonly urlScheme: 'http' | 'https' }
  | { readonly ok: false; readonly reason: string };

interface Hop {
  readonly address: string;
  readonly port: string;
}

interface ForwardedView {
  readonly hops: ReadonlyArray<Hop | null>;
  readonly proto: string | undefined;
  readonly host: string | undefined;
}

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-protocol', 'x-forwarded-ssl', 'x-forwarded-host'];

/** RFC 9110 §7.2 Host: uri-host [ ":" port ] (reg-name or IP-literal). */
export const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/**
 * The client, scheme and host of one request whose connection is from
 * `peer`; null when nothing changes (no forwarding headers, or an untrusted
 * peer): the peer is the client and the scheme is the connection's own
 * (`ownScheme`: https on a TLS listener), which is also what a trusted proxy
 * that names no scheme leaves it at.
 */
export function resolveClient(headers: IncomingHttpHeaders, peer: ClientView, trust: AddressTrust, ownScheme: 'http' | 'https' = 'http'): ClientResolution | null {
  if (!FORWARDING_HEADERS.some((name) => headers[name] !== undefined)) return null;
  if (!trust.trusts(peer.address === '' ? undefined : peer.address)) return null;
  const view = (headers.forwarded === undefined ? null : parseForwarded(headers.forwarded)) ?? xForwarded(headers);
  const scheme = schemeOf(view.proto, headers, ownScheme);
  if (typeof scheme === 'object') return { ok: false, reason: scheme.problem };
  const client = clientOf(view.hops, trust) ?? peer;
  const host = view.host !== undefined && view.host !== '' && HOST.test(view.host) ? view.host : null;
  return { ok: true, client: { address: client.address, port: client.port, forwardedHost: host }, urlScheme: scheme };
}

/**
 * The rightmost hop that is not a trusted proxy, walking from the proxy next
 * to us; when every hop is trusted, the leftmost. A hop that is not an
 * address (`unknown`, an obfuscated name, garbage) ends the walk: the hop
 * after it, a trusted proxy, is as far as anything can be believed.
 */
function clientOf(hops: ReadonlyArray<Hop | null>, trust: AddressTrust): Hop | null {
  let believed: Hop | null = null;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? null;
    if (hop === null) return believed;
    if (!trust.trusts(hop.address)) return hop;
    believed = hop;
  }
  return believed;
}

function schemeOf(proto: string | undefined, headers: IncomingHttpHeaders, ownScheme: 'http' | 'https'): 'http' | 'https' | { problem: string } {
  const signals: Array<[string, boolean]> = [];
  if (proto !== undefined) {
    const value = proto.toLowerCase();
    if (value === 'https' || value === 'wss') signals.push(['proto', true]);
    else if (value === 'http' || value === 'ws') signals.push(['proto', false]);
  }
  const protocol = lastOf(headers['x-forwarded-protocol']);
  if (protocol !== undefined) signals.push(['X-Forwarded-Protocol', protocol.toLowerCase() === 'ssl']);
  const ssl = lastOf(headers['x-forwarded-ssl']);
  if (ssl !== undefined) signals.push(['X-Forwarded-Ssl', ssl.toLowerCase() === 'on']);
  if (signals.length === 0) return ownScheme;
  const isSecure = signals[0]?.[1] === true;
  if (signals.some(([, secure]) => secure !== isSecure)) {
    return { problem: `the proxy's scheme headers disagree (${signals.map(([name, secure]) => `${name}: ${secure ? 'https' : 'http'}`).join(', ')})` };
  }
  return isSecure ? 'https' : 'http';
}

/** The last element of a comma-separated header: what the nearest proxy appended. */
function lastOf(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  const at = text.lastIndexOf(',');
  return text.slice(at + 1).trim();
}

function xForwarded(headers: IncomingHttpHeaders): ForwardedView {
  const chain = headers['x-forwarded-for'];
  const hops = chain === undefined ? [] : String(chain).split(',').map((entry) => parseHop(entry.trim()));
  return { hops, proto: lastOf(headers['x-forwarded-proto']), host: lastOf(headers['x-forwarded-host']) };
}

/** `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`; null for anything else. */
function parseHop(text: string): Hop | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return isIP(bracketed[1] ?? '') === 6 ? { address: bracketed[1] as string, port: bracketed[2] ?? '' } : null;
  if (isIP(text) !== 0) return { address: text.startsWith('::ffff:') && isIP(text.slice(7)) === 4 ? text.slice(7) : text, port: '' };
  const withPort = /^([0-9.]+):(\d{1,5})$/.exec(text);
  if (withPort && isIP(withPort[1] ?? '') === 4) return { address: withPort[1] as string, port: withPort[2] as string };
  return null;
}

/**
 * RFC 7239 §4: `for=192.0.2.60;proto=https;host=example.com, for="[2001:db8::1]:4711"`.
 * Null when the header is not well formed (then X-Forwarded-* count instead).
 */
export function parseForwarded(text: string): ForwardedView | null {
  const elements = splitElements(text);
  if (elements === null || elements.length === 0) return null;
  const last = elements[elements.length - 1] as Map<string, string>;
  return {
    hops: elements.map((element) => {
      const forValue = element.get('for');
      return forValue === undefined ? null : parseHop(forValue);
    }),
    proto: last.get('proto'),
    host: last.get('host'),
  };
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Elements, each a map of lower-cased parameter names to unquoted values. */
function splitElements(text: string): Array<Map<string, string>> | null {
  const elements: Array<Map<string, string>> = [new Map()];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === ';') {
      i++;
    } else if (c === ',') {
      elements.push(new Map());
      i++;
    } else {
      const pair = readPair(text, i);
      if (pair === null) return null;
      (elements[elements.length - 1] as Map<string, string>).set(pair.name, pair.value);
      i = pair.end;
    }
  }
  return elements.filter((element) => element.size > 0);
}

function readPair(text: string, start: number): { name: string; value: string; end: number } | null {
  let i = start;
  while (i < text.length && TOKEN_CHAR.test(text[i] as string)) i++;
  if (i === start || text[i] !== '=') return null;
  const name = text.slice(start, i).toLowerCase();
  i++;
  if (text[i] !== '"') {
    const valueStart = i;
    while (i < text.length && TOKEN_CHAR.test(text[i] as string)) i++;
    return i === valueStart ? null : { name, value: text.slice(valueStart, i), end: i };
  }
  let value = '';
  for (i++; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') return { name, value, end: i + 1 };
    if (c === '\\') i++;
    value += text[i] ?? '';
  }
  return null; // unterminated quoted-string
}
