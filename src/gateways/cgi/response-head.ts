/**
 * The CGI response head (RFC 3875 §6), parsed from a script's standard
 * output as it arrives: header lines ended by LF or CRLF, up to the blank
 * line, then classified as one of the RFC's response types — document,
 * local redirect, client redirect, client redirect with document — with
 * the status that goes to the client. Hands back the bytes that followed
 * the head; the body itself is not looked at here.
 *
 * Pure: bytes in, values out. No I/O, no timers, no logging, and no
 * knowledge of node:http; the caller turns an error code into a 502.
 * Not for NPH scripts, whose output is raw HTTP and is not parsed.
 */

/** Why a head was refused: stable codes for the log line. */
export type HeadErrorCode =
  | 'XGI_CGI_NO_OUTPUT' // nothing at all on stdout
  | 'XGI_CGI_NO_HEADERS' // output, but no complete head (blank first line, or EOF before the blank line)
  | 'XGI_CGI_MALFORMED_HEADER' // a line that is not `name: value`, a bad name, a control byte, a repeated field
  | 'XGI_CGI_BAD_STATUS' // Status: that is not a 3-digit final status
  | 'XGI_CGI_HEAD_TOO_LARGE'
  | 'XGI_CGI_NO_CONTENT_TYPE'; // neither Content-Type, Status nor Location: not a CGI response

export type ResponseKind = 'document' | 'local-redirect' | 'client-redirect' | 'client-redirect-document';

export interface ResponseHead {
  readonly kind: ResponseKind;
  /** The status for the client; 200 for a local redirect (which never reaches the client itself). */
  readonly status: number;
  /** The reason phrase the script gave, or null for the standard one. */
  readonly reason: string | null;
  /** Header fields for the client, names and values alternating, without Status and hop-by-hop fields. */
  readonly headers: readonly string[];
  /** The Location value, or null. */
  readonly location: string | null;
  /**
   * False when the script sent no Content-Type: then any body byte is an
   * error (RFC 3875 §6.3.1: a document response MUST have a Content-Type).
   */
  readonly isBodyAllowed: boolean;
  /** The script's Content-Length, or null when it gave none. */
  readonly contentLength: number | null;
}

export type HeadStep =
  | { readonly kind: 'more' }
  | { readonly kind: 'head'; readonly head: ResponseHead; readonly rest: Buffer }
  | { readonly kind: 'error'; readonly code: HeadErrorCode; readonly detail: string };

const LF = 0x0a;
const CR = 0x0d;
const MORE: HeadStep = Object.freeze({ kind: 'more' });
export const DEFAULT_MAX_HEAD_BYTES = 64 * 1024;

/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible ASCII, obs-text, space and tab (what node:http will send). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const STATUS = /^([0-9]{3})(?:[ \t]+(.*))?$/;

/**
 * Framing is the server's (RFC 3875 §6.3.4, RFC 9110 §7.6.1): the script's
 * hop-by-hop fields are dropped, node:http frames the body itself.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);
/** Fields that may appear once; a second one is a malformed head. */
const SINGLE = new Set(['status', 'location', 'content-type', 'content-length']);

interface Fields {
  readonly headers: string[];
  status: string | null;
  location: string | null;
  hasContentType: boolean;
  contentLength: string | null;
  readonly seen: Set<string>;
}

/**
 * Feeds a script's stdout through the head, in chunks of any size: `push`
 * each chunk, `end` at EOF. Once it has answered 'head' or 'error' it is
 * done and must not be fed again.
 */
export class ResponseHeadParser {
  readonly #maxHeadBytes: number;
  /** The bytes so far: a chunk as it came, or a growing copy once there are several. */
  #buffer: Buffer = Buffer.alloc(0);
  #length = 0;
  /** Where the current (incomplete) line starts in #buffer. */
  #lineStart = 0;
  /** Where to look for the next LF. */
  #scanFrom = 0;
  #lineCount = 0;
  #fields: Fields = { headers: [], status: null, location: null, hasContentType: false, contentLength: null, seen: new Set() };

  constructor(maxHeadBytes = DEFAULT_MAX_HEAD_BYTES) {
    this.#maxHeadBytes = maxHeadBytes;
  }

  push(chunk: Buffer): HeadStep {
    this.#append(chunk);
    for (;;) {
      const lf = this.#buffer.subarray(0, this.#length).indexOf(LF, this.#scanFrom);
      if (lf < 0) break;
      const end = lf > this.#lineStart && this.#buffer[lf - 1] === CR ? lf - 1 : lf;
      const line = this.#buffer.toString('latin1', this.#lineStart, end);
      this.#lineStart = this.#scanFrom = lf + 1;
      if (this.#lineStart > this.#maxHeadBytes) return this.#tooLarge();
      if (line === '') return this.#finish();
      this.#lineCount++;
      const problem = addField(this.#fields, line);
      if (problem !== null) return problem;
    }
    this.#scanFrom = this.#length;
    return this.#length > this.#maxHeadBytes ? this.#tooLarge() : MORE;
  }

  /**
   * Keep the bytes in one buffer that grows by doubling: a script that writes
   * its head a byte at a time must not cost a copy of the whole head per byte.
   */
  #append(chunk: Buffer): void {
    if (this.#length === 0) {
      this.#buffer = chunk;
      this.#length = chunk.length;
      return;
    }
    const needed = this.#length + chunk.length;
    if (this.#buffer.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.#buffer.length * 2, needed + this.#maxHeadBytes)));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    chunk.copy(this.#buffer, this.#length);
    this.#length = needed;
  }

  /** The script's stdout ended before the head did. */
  end(): HeadStep {
    if (this.#length === 0) return error('XGI_CGI_NO_OUTPUT', 'no output');
    return error('XGI_CGI_NO_HEADERS', 'output ended before the blank line that ends the head');
  }

  #tooLarge(): HeadStep {
    return error('XGI_CGI_HEAD_TOO_LARGE', `the head is longer than ${this.#maxHeadBytes} bytes`);
  }

  #finish(): HeadStep {
    if (this.#lineCount === 0) {
      return error('XGI_CGI_NO_HEADERS', 'a blank line before any header field');
    }
    const classified = classify(this.#fields);
    if ('code' in classified) return { kind: 'error', code: classified.code, detail: classified.detail };
    return { kind: 'head', head: classified, rest: this.#buffer.subarray(this.#lineStart, this.#length) };
  }
}

function error(code: HeadErrorCode, detail: string): HeadStep {
  return { kind: 'error', code, detail };
}

/** One `name: value` line (RFC 3875 §6.3: no space before the colon, any after it). */
function addField(fields: Fields, line: string): HeadStep | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return error('XGI_CGI_MALFORMED_HEADER', `not a header field: ${JSON.stringify(line.slice(0, 80))}`);
  const name = line.slice(0, colon);
  if (!TOKEN.test(name)) return error('XGI_CGI_MALFORMED_HEADER', `bad field name ${JSON.stringify(name.slice(0, 80))}`);
  const value = trimSpace(line.slice(colon + 1));
  if (!FIELD_VALUE.test(value)) return error('XGI_CGI_MALFORMED_HEADER', `control character in the value of ${name}`);
  const lower = name.toLowerCase();
  if (SINGLE.has(lower)) {
    if (fields.seen.has(lower)) return error('XGI_CGI_MALFORMED_HEADER', `${name} given twice`);
    fields.seen.add(lower);
  }
  switch (lower) {
    case 'status':
      fields.status = value;
      return null;
    case 'location':
      fields.location = value;
      return null;
    case 'content-type':
      fields.hasContentType = true;
      break;
    case 'content-length':
      if (!/^[0-9]{1,15}$/.test(value)) return error('XGI_CGI_MALFORMED_HEADER', `bad Content-Length ${JSON.stringify(value)}`);
      fields.contentLength = value;
      break;
    default:
      if (HOP_BY_HOP.has(lower)) return null;
  }
  fields.headers.push(name, value);
  return null;
}

function trimSpace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return value.slice(start, end);
}

type Classified = ResponseHead | { readonly code: HeadErrorCode; readonly detail: string };

/** RFC 3875 §6.2: which response the fields make, and its status. */
function classify(fields: Fields): Classified {
  let status: number | null = null;
  let reason: string | null = null;
  if (fields.status !== null) {
    const match = STATUS.exec(fields.status);
    const code = match ? Number(match[1]) : 0;
    // 1xx cannot be a final response; node:http refuses codes past 999 and clients past 599.
    if (code < 200 || code > 599) return { code: 'XGI_CGI_BAD_STATUS', detail: `bad Status ${JSON.stringify(fields.status)}` };
    status = code;
    reason = match?.[2] || null;
  }
  const { location, hasContentType, headers } = fields;
  const contentLength = fields.contentLength === null ? null : Number(fields.contentLength);
  const base = { reason, location, isBodyAllowed: hasContentType, contentLength };
  if (location !== null) {
    // §6.2.2: a local redirect is a Location that is a path; Apache takes it
    // as one only while the status is 200, as xgi does.
    if (location.startsWith('/') && (status === null || status === 200)) {
      return { ...base, kind: 'local-redirect', status: 200, headers: [] };
    }
    // §6.2.3/§6.2.4: anything else goes to the client, 302 unless Status says otherwise.
    headers.push('Location', location);
    const kind = hasContentType ? 'client-redirect-document' : 'client-redirect';
    return { ...base, kind, status: status ?? 302, headers };
  }
  if (!hasContentType && status === null) {
    return { code: 'XGI_CGI_NO_CONTENT_TYPE', detail: 'no Content-Type, Status or Location field' };
  }
  return { ...base, kind: 'document', status: status ?? 200, headers };
}
