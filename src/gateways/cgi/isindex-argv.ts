/**
 * The script's command line (RFC 3875 §4.4): a query string with no
 * unencoded `=` is an ISINDEX search string, split at `+` and percent-decoded
 * into arguments. xgi does this only when `--cgi-isindex-argv` asks for it:
 * it is how `?-s` reached php-cgi as an option (CVE-2012-1823).
 *
 * Pure. When any word cannot be made into an argument, there are none at
 * all, as §4.4 requires ("MUST NOT generate any command line information").
 */
import { percentDecode } from '../cgi-env.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `a+b%20c` → `['a', 'b c']`; `x=1`, `''`, `a++b` → `[]`. */
export function isindexArgv(query: string): string[] {
  if (query === '' || query.includes('=')) return [];
  const words = query.split('+');
  const argv: string[] = [];
  for (const word of words) {
    // search-word = 1*schar: an empty word makes the whole string invalid.
    if (word === '') return [];
    const decoded = percentDecode(word);
    const bytes = typeof decoded === 'string' ? Buffer.from(decoded, 'latin1') : decoded;
    if (bytes.includes(0)) return [];
    try {
      argv.push(STRICT_UTF8.decode(bytes));
    } catch {
      return [];
    }
  }
  return argv;
}
