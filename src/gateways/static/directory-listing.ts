/**
 * The HTML page for a directory without an index file, when
 * list_directories is on (nginx's autoindex, Apache's mod_autoindex in its
 * plainest form): directories first, then files, each sorted by name.
 *
 * A listing shows only what a request could fetch: the same rules
 * (resolve-file.ts) drop symlinks that are not followed or lead out of the
 * root, FIFOs and the like, and dotfiles unless they are served. Names are
 * percent-encoded in hrefs and HTML-escaped everywhere, since a file name is
 * attacker-controlled text.
 */
import { readdir } from 'node:fs/promises';
import { resolveEntry, type ResolveOptions } from './resolve-file.js';

export interface ListingEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

/** The entries of the real directory `path` a request could fetch, sorted. */
export async function listDirectory(options: ResolveOptions, path: string, isDotfileAllowed: boolean): Promise<ListingEntry[]> {
  const names = (await readdir(path)).filter((name) => isDotfileAllowed || !name.startsWith('.'));
  const entries: ListingEntry[] = [];
  for (const name of names) {
    const entry = resolveEntry(options, path, name);
    if (entry.kind !== 'refused') entries.push({ name, isDirectory: entry.kind === 'directory' });
  }
  return entries.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || compareNames(a.name, b.name));
}

/**
 * The page for `displayPath` (the decoded request path, `/static/docs/`);
 * `hasParent` adds a `../` link (not at the mount's root).
 */
export function renderListing(displayPath: string, entries: readonly ListingEntry[], hasParent: boolean): string {
  const title = `Index of ${escapeHtml(displayPath)}`;
  const items = entries.map(({ name, isDirectory }) => {
    const slash = isDirectory ? '/' : '';
    // encodeURIComponent leaves no `:`, so a name like `javascript:x` stays a relative path.
    return `<li><a href="${escapeHtml(encodeURIComponent(name) + slash)}">${escapeHtml(name + slash)}</a></li>\n`;
  });
  if (hasParent) items.unshift('<li><a href="../">../</a></li>\n');
  return `<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>${title}</title></head>\n` +
    `<body>\n<h1>${title}</h1>\n<ul>\n${items.join('')}</ul>\n</body>\n</html>\n`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
