/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and
 * 2), receiving side: the few bytes a trusted load balancer sends before
 * the HTTP request to say whom the connection is really from. Pure: bytes
 * in, values out, no sockets; connection-gate.ts decides who may send one.
 *
 *   v1:  "PROXY TCP4 192.0.2.1 192.0.2.9 56324 443\r\n"   (at most 107 bytes)
 *   v2:  signature (12) | ver/cmd (1) | family/transport (1) | len (u16) | addresses | TLVs
 *        \r\n\r\n\0\r\nQUIT\n  0x2X      0xFT                BE
 *
 * A LOCAL command (health checks), UNKNOWN (v1), and families other than
 * TCP over IPv4/IPv6 carry no client address: the parse succeeds with
 * `source: null` and the connection keeps its real peer. TLVs are skipped.
 */
import { isIP } from 'node:net';

export interface ProxiedAddress {
  readonly address: string;
  readonly port: number;
}

export type ProxyParse =
  | { readonly kind: 'more' }
  | { readonly kind: 'invalid'; readonly reason: string }
  /** `length` bytes were the header; the HTTP request starts after them. */
  | { readonly kind: 'header'; readonly length: number; readonly source: ProxiedAddress | null };

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V1_MAX_BYTES = 107;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_HEADER_BYTES = 16;
/** The most bytes a header may take (v2's u16 length); a reader never needs more. */
export const MAX_PROXY_HEADER_BYTES = V2_HEADER_BYTES + 0xffff;

const MORE: ProxyParse = Object.freeze({ kind: 'more' });

/** Parse the start of a connection's bytes. */
export function parseProxyHeader(bytes: Buffer): ProxyParse {
  if (startsWith(bytes, V2_SIGNATURE)) return bytes.length < V2_SIGNATURE.length ? MORE : parseV2(bytes);
  if (startsWith(bytes, V1_PREFIX)) return bytes.length < V1_PREFIX.length ? MORE : parseV1(bytes);
  return invalid('the connection does not begin with a PROXY protocol header');
}

/** True when the shorter of the two is a prefix of the other. */
function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  const n = Math.min(bytes.length, prefix.length);
  return bytes.subarray(0, n).equals(prefix.subarray(0, n));
}

function invalid(reason: string): ProxyParse {
  return { kind: 'invalid', reason };
}

function parseV1(bytes: Buffer): ProxyParse {
  const end = bytes.indexOf('\r\n', 0, 'latin1');
  if (end < 0) return bytes.length >= V1_MAX_BYTES ? invalid('PROXY v1 line longer than 107 bytes') : MORE;
  if (end + 2 > V1_MAX_BYTES) return invalid('PROXY v1 line longer than 107 bytes');
  const line = bytes.toString('latin1', 0, end);
  const fields = line.split(' ');
  if (fields[1] === 'UNKNOWN') return { kind: 'header', length: end + 2, source: null };
  if (fields.length !== 6 || (fields[1] !== 'TCP4' && fields[1] !== 'TCP6')) {
    return invalid(`malformed PROXY v1 line ${JSON.stringify(line)}`);
  }
  const [, protocol, source = '', destination = '', sourcePort = '', destinationPort = ''] = fields;
  const family = protocol === 'TCP4' ? 4 : 6;
  if (isIP(source) !== family || isIP(destination) !== family || !isPort(sourcePort) || !isPort(destinationPort)) {
    return invalid(`malformed PROXY v1 line ${JSON.stringify(line)}`);
  }
  return { kind: 'header', length: end + 2, source: { address: source, port: Number(sourcePort) } };
}

function isPort(text: string): boolean {
  return /^(?:0|[1-9]\d{0,4})$/.test(text) && Number(text) <= 65535;
}

/** Address block sizes by family (high nibble of byte 13). */
const V2_ADDRESS_BYTES: Readonly<Record<number, number>> = { 0x0: 0, 0x1: 12, 0x2: 36, 0x3: 216 };

function parseV2(bytes: Buffer): ProxyParse {
  if (bytes.length < V2_HEADER_BYTES) return MORE;
  const versionCommand = bytes[12] as number;
  const familyTransport = bytes[13] as number;
  const length = bytes.readUInt16BE(14);
  if (versionCommand >> 4 !== 2) return invalid(`PROXY v2 header with version ${versionCommand >> 4}`);
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid(`PROXY v2 header with unknown command ${command}`);
  const family = familyTransport >> 4;
  const needed = V2_ADDRESS_BYTES[family];
  if (needed === undefined || (familyTransport & 0x0f) > 2) {
    return invalid(`PROXY v2 header with unknown family/transport 0x${familyTransport.toString(16)}`);
  }
  if (length < needed) return invalid(`PROXY v2 address block of ${length} bytes, ${needed} needed`);
  if (bytes.length < V2_HEADER_BYTES + length) return MORE;
  const total = V2_HEADER_BYTES + length;
  // LOCAL (health checks), UNSPEC, UNIX and datagrams: keep the real peer.
  if (command === 0 || (familyTransport & 0x0f) !== 1 || (family !== 1 && family !== 2)) {
    return { kind: 'header', length: total, source: null };
  }
  const at = V2_HEADER_BYTES;
  const source = family === 1 ? ipv4(bytes, at) : ipv6(bytes, at);
  const port = bytes.readUInt16BE(at + (family === 1 ? 8 : 32));
  return { kind: 'header', length: total, source: { address: source, port } };
}

function ipv4(bytes: Buffer, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/** The 16 bytes at `at` in the usual compressed text form (`2001:db8::1`). */
function ipv6(bytes: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(at + 2 * i));
  // An IPv4-mapped address keeps its dotted tail, as node shows peers (`::ffff:192.0.2.1`).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${ipv4(bytes, at + 12)}`;
  // The longest run of two or more zero groups becomes "::" (RFC 5952 §4.2).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
