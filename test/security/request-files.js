// Reads the malformed-request corpus (test/fixtures/requests/README.md):
// escapes become bytes, line breaks in the files mean nothing, {{N*text}}
// repeats. Shared by the corpus test and the fuzz run over it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REQUESTS = fileURLToPath(new URL('../fixtures/requests/', import.meta.url));

/** The manifest: [{ file, status, why }]. */
export function readManifest() {
  return JSON.parse(readFileSync(REQUESTS + 'manifest.json', 'utf8'));
}

/** The exact bytes of one request file. */
export function readRequest(file) {
  const text = readFileSync(REQUESTS + file, 'latin1').replace(/\r?\n/g, '');
  const expanded = text.replace(/\{\{(\d+)\*(.*?)\}\}/g, (_, count, part) => part.repeat(Number(count)));
  return Buffer.from(decodeEscapes(expanded), 'latin1');
}

const ESCAPES = { r: '\r', n: '\n', t: '\t', 0: '\0', '\\': '\\' };

function decodeEscapes(text) {
  return text.replace(/\\(x[0-9a-fA-F]{2}|[rnt0\\])/g, (_, code) =>
    code.startsWith('x') ? String.fromCharCode(parseInt(code.slice(1), 16)) : ESCAPES[code]);
}
