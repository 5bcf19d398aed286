// docs/protocol.md comes first: its frame-type table, header size, frame
// limit and END flag must equal FrameType / HEADER_BYTES / MAX_FRAME_BYTES /
// END in src/workers/protocol/frames.ts and FRAME_TYPES / HEADER_BYTES /
// MAX_FRAME_BYTES / END in python/_xgi_worker/protocol.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { END, FrameType, HEADER_BYTES, MAX_FRAME_BYTES, frameTypeName } from '../../../dist/workers/protocol/frames.js';

const DOC = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const PYTHONPATH = fileURLToPath(new URL('../../../python', import.meta.url));

/** The markdown table whose header row starts `| code | name | direction`. */
function parseFrameTable(markdown) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^\|\s*code\s*\|\s*name\s*\|\s*direction\s*\|/.test(l));
  assert.ok(start >= 0, 'docs/protocol.md has a "| code | name | direction |" table');
  assert.match(lines[start + 1] ?? '', /^\|[\s:|-]+\|$/, 'the header row is followed by a delimiter row');
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const [code, name, direction] = cells;
    assert.match(code, /^0x[0-9a-fA-F]{2}$/, `code cell in: ${line}`);
    assert.match(name, /^[A-Z_]+$/, `name cell in: ${line}`);
    rows.push({ code: Number.parseInt(code, 16), name, direction });
  }
  assert.ok(rows.length > 0, 'the frame table has rows');
  return rows;
}

function pythonConstants() {
  const script = `
import json
from _xgi_worker import protocol as p
print(json.dumps({"FRAME_TYPES": p.FRAME_TYPES, "HEADER_BYTES": p.HEADER_BYTES,
                  "MAX_FRAME_BYTES": p.MAX_FRAME_BYTES, "END": p.END,
                  "named": {n: getattr(p, n, None) for n in p.FRAME_TYPES},
                  "header_struct_size": p.HEADER.size}))`;
  const result = spawnSync(process.env.XGI_TEST_PYTHON ?? 'python3', ['-c', script], {
    env: { ...process.env, PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const sortByCode = (entries) => [...entries].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
const DOC_ROWS = parseFrameTable(DOC);
const DOC_TYPES = sortByCode(DOC_ROWS.map((r) => [r.name, r.code]));

test('the doc table has no duplicate codes or names', () => {
  const codes = DOC_ROWS.map((r) => r.code);
  const names = DOC_ROWS.map((r) => r.name);
  assert.equal(new Set(codes).size, codes.length, `duplicate code in ${JSON.stringify(codes)}`);
  assert.equal(new Set(names).size, names.length, `duplicate name in ${JSON.stringify(names)}`);
});

test('the doc table: every direction is front → worker or worker → front', () => {
  for (const { code, name, direction } of DOC_ROWS) {
    assert.ok(['front → worker', 'worker → front'].includes(direction), `${name} (0x${code.toString(16)}): ${direction}`);
  }
});

test('doc frame table == FrameType in frames.ts', () => {
  assert.deepEqual(sortByCode(Object.entries(FrameType)), DOC_TYPES);
  for (const [name, code] of DOC_TYPES) assert.equal(frameTypeName(code), name);
});

test('doc frame table == FRAME_TYPES in protocol.py (and its module constants)', () => {
  const py = pythonConstants();
  assert.deepEqual(sortByCode(Object.entries(py.FRAME_TYPES)), DOC_TYPES);
  assert.deepEqual(py.named, py.FRAME_TYPES, 'each FRAME_TYPES entry equals the module constant of that name');
});

test('HEADER_BYTES: doc, diagram, TS and Python agree on 10', () => {
  const prose = /Every frame is a (\d+)-byte header/.exec(DOC);
  assert.ok(prose, 'the doc states the header size as "Every frame is a N-byte header"');
  const docBytes = Number(prose[1]);
  // The diagram's offset ruler ends at the header size: " 0   4   5   6   10".
  const ruler = DOC.split('\n').find((l) => /^\s*0\s+4\s+5\s+6\s+\d+\s*$/.test(l));
  assert.ok(ruler, 'the doc has the frame diagram offset ruler');
  const rulerBytes = Number(ruler.trim().split(/\s+/).at(-1));
  const py = pythonConstants();
  assert.deepEqual(
    { doc: docBytes, diagram: rulerBytes, ts: HEADER_BYTES, python: py.HEADER_BYTES, pythonStruct: py.header_struct_size },
    { doc: 10, diagram: 10, ts: 10, python: 10, pythonStruct: 10 },
  );
});

test('MAX_FRAME_BYTES: doc, TS and Python agree', () => {
  const match = /longer than (\d+) (MiB|KiB|bytes)\s*\(`MAX_FRAME_BYTES`\)/.exec(DOC.replace(/\s+/g, ' '));
  assert.ok(match, 'the doc states "longer than N MiB (`MAX_FRAME_BYTES`)"');
  const unit = { MiB: 1024 * 1024, KiB: 1024, bytes: 1 }[match[2]];
  const docMax = Number(match[1]) * unit;
  const py = pythonConstants();
  assert.deepEqual({ ts: MAX_FRAME_BYTES, python: py.MAX_FRAME_BYTES }, { ts: docMax, python: docMax });
});

test('END: the doc says flags bit 0; TS and Python agree', () => {
  assert.match(DOC, /`flags` bit 0 is `END`/);
  const py = pythonConstants();
  assert.deepEqual({ ts: END, python: py.END }, { ts: 1 << 0, python: 1 << 0 });
});
