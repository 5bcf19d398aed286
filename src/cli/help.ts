/**
 * The `--help` text, rendered from the settings table in argparse's layout
 * (gunicorn's `--help` is argparse's), and the `--version` text, read from
 * package.json so there is one version number in the project.
 *
 * It only renders text; printing it and exiting is main.ts's job.
 */
import { readFileSync } from 'node:fs';
import { SECTIONS, SETTING_ENTRIES } from '../config/settings.js';
import type { Section, Setting } from '../config/settings.js';

const WIDTH = 79;
/** argparse's help column: flags shorter than this share a line with their help. */
const HELP_COLUMN = 24;

let packageVersion: string | null = null;

/** The `version` field of xgi's package.json (dist/cli/help.js → ../../package.json). */
export function readPackageVersion(): string {
  if (packageVersion !== null) return packageVersion;
  const path = new URL('../../package.json', import.meta.url);
  const manifest: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const version = (manifest as { version?: unknown } | null)?.version;
  if (typeof version !== 'string') throw new Error(`cli: ${path.pathname} has no "version" string`);
  packageVersion = version;
  return version;
}

/** `xgi 0.1.0` and a newline. */
export function renderVersion(): string {
  return `xgi ${readPackageVersion()}\n`;
}

/** The whole `--help` text, ending with a newline. */
export function renderHelp(): string {
  const blocks = [
    'usage: xgi [OPTIONS] [APP_MODULE]',
    wrap('Serve a WSGI application with a supervised pool of Python worker processes behind an HTTP front end. '
      + "Options are gunicorn's; settings also come from the environment and XGI_CMD_ARGS "
      + '(see docs/configuration.md).', 0),
    ...SECTIONS.map(renderSection).filter((block) => block !== ''),
  ];
  return `${blocks.join('\n\n')}\n`;
}

function renderSection(section: Section): string {
  const settings = SETTING_ENTRIES.filter(([, setting]) => setting.section === section);
  if (settings.length === 0) return '';
  const title = section === 'Application' ? 'positional arguments:' : `${section}:`;
  return [title, ...settings.map(([, setting]) => renderOption(setting))].join('\n');
}

/** One option in argparse's layout: flags, then help indented to the help column. */
function renderOption(setting: Setting<unknown>): string {
  const flags = `  ${optionFlags(setting)}`;
  const help = wrap(`${setting.help}${describeSources(setting)}`, HELP_COLUMN);
  return flags.length <= HELP_COLUMN - 2
    ? flags.padEnd(HELP_COLUMN) + help.slice(HELP_COLUMN)
    : `${flags}\n${help}`;
}

/** `-b ADDRESS, --bind ADDRESS`, `-h, --help`, `APP_MODULE`. */
function optionFlags(setting: Setting<unknown>): string {
  if (setting.arity === 'positional') return setting.metavar;
  if (setting.arity === 'switch') return setting.flags.join(', ');
  return setting.flags.map((flag) => `${flag} ${setting.metavar}`).join(', ');
}

function describeSources(setting: Setting<unknown>): string {
  if (setting.arity === 'switch' || setting.arity === 'positional') return '';
  const env = setting.env === null ? '' : `; env ${setting.env.name}`;
  return ` [default: ${setting.defaultDoc}${env}]`;
}

/** Greedy word wrap to WIDTH, every line indented by `indent` spaces. */
function wrap(text: string, indent: number): string {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && pad.length + line.length + 1 + word.length > WIDTH) {
      lines.push(pad + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(pad + line);
  return lines.join('\n');
}
