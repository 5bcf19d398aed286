/**
 * Which precompressed variant of a file to send, from the request's
 * Accept-Encoding (RFC 9110 §12.5.3): nginx's gzip_static and brotli_static,
 * choosing between them as content negotiation says. The files themselves
 * (`name.br`, `name.gz`) are found by serve-file.ts.
 *
 * Pure: header text in, a content coding (or none) out. Nothing here
 * compresses; a file without a variant is sent as it is.
 */

export type Coding = 'br' | 'gzip';

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The variants looked for beside a file, in the server's order of preference. */
export const VARIANTS: readonly { readonly coding: Coding; readonly suffix: string }[] = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
];

/**
 * The coding to send among those `available`, or null for the file itself.
 * No Accept-Encoding: null (RFC 9110 allows any coding then, but a client
 * that says nothing may not decode one; nginx sends identity too). Else the
 * acceptable (q > 0) coding with the highest q, `*` standing for codings
 * not named and `x-gzip` for gzip (§8.4.1.3); ties go to br, then gzip.
 * Identity wins only when the client names it (or `*`) with a strictly
 * higher q. When nothing is acceptable the file itself is sent, not 406,
 * as nginx does.
 */
export function chooseCoding(acceptEncoding: string | undefined, available: readonly Coding[]): Coding | null {
  if (acceptEncoding === undefined || available.length === 0) return null;
  const weights = parseAcceptEncoding(acceptEncoding);
  const weightOf = (coding: string): number => weights.get(coding) ?? weights.get('*') ?? 0;
  let best: Coding | null = null;
  let bestQ = 0;
  for (const { coding } of VARIANTS) {
    const q = weightOf(coding);
    if (available.includes(coding) && q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  // Not named, identity has no weight to compare: `br;q=0.9` alone still means br.
  const identityQ = weights.get('identity') ?? weights.get('*') ?? 0;
  return identityQ > bestQ ? null : best;
}

/**
 * `gzip;q=0.8, br` → gzip 0.8, br 1; names lower-cased; an element whose q
 * is not a qvalue (§12.4.2: 0 to 1, three decimals at most) is dropped.
 */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const element of header.split(',')) {
    const [name = '', ...params] = element.split(';').map((part) => part.trim());
    if (name === '') continue;
    let q = 1;
    for (const param of params) {
      const match = /^q\s*=\s*(.*)$/i.exec(param);
      if (match !== null) q = QVALUE.test(match[1] ?? '') ? Number(match[1]) : NaN;
    }
    if (Number.isNaN(q)) continue;
    const coding = name.toLowerCase() === 'x-gzip' ? 'gzip' : name.toLowerCase();
    // A coding named twice keeps its first weight.
    if (!weights.has(coding)) weights.set(coding, q);
  }
  return weights;
}
