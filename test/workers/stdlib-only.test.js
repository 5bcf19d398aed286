// The worker package runs inside the app's own interpreter and virtualenv, so
// it may import nothing but the standard library (STYLE.md: python/_xgi_worker
// is stdlib only). Two checks: every import statement in every module (also
// those inside functions) names a stdlib module or the package itself; and
// every module imports under `python3 -S -E -s` (no site-packages, no
// PYTHONPATH, no user site) and loads nothing from outside the stdlib.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PYTHON_DIR = fileURLToPath(new URL('../../python', import.meta.url));
const PACKAGE_DIR = `${PYTHON_DIR}/_xgi_worker`;
const PYTHON = process.env.XGI_TEST_PYTHON ?? 'python3';
const MODULES = readdirSync(PACKAGE_DIR).filter((f) => f.endsWith('.py')).map((f) => f.slice(0, -3)).sort();

function python(args, input) {
  const run = spawnSync(PYTHON, args, { input, encoding: 'utf8', timeout: 20000, env: { PATH: process.env.PATH } });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

// Reads {"package": [module names], "sources": {label: source}} on stdin and
// prints, per label, the imports that are neither stdlib nor the package.
const CHECK_IMPORTS = `
import ast, json, sys
job = json.load(sys.stdin)
package = set(job["package"])
problems = {}
for label, source in job["sources"].items():
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: must be a module of the package
                if node.module is not None:
                    if node.module.split(".")[0] not in package:
                        bad.append("." * node.level + node.module)
                else:
                    bad += ["." + a.name for a in node.names if a.name not in package]
                continue
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top != "_xgi_worker" and top not in sys.stdlib_module_names:
                bad.append(name)
    problems[label] = bad
print(json.dumps(problems))
`;

function nonStdlibImports(sources) {
  return python(['-c', CHECK_IMPORTS], JSON.stringify({ package: MODULES, sources }));
}

test('checker: third-party and unknown relative imports are flagged, stdlib ones are not', () => {
  const problems = nonStdlibImports({
    good: 'import os, json\nfrom collections import deque\nfrom . import protocol\nfrom .wsgi import FileWrapper\ndef f():\n    import ctypes\n',
    bad: 'import flask\nfrom werkzeug.wrappers import Request\ndef f():\n    import gevent.monkey\nfrom .nosuch import x\n',
  });
  assert.deepEqual(problems.good, []);
  assert.deepEqual(problems.bad.sort(), ['.nosuch', 'flask', 'gevent.monkey', 'werkzeug.wrappers']);
});

test('every import in python/_xgi_worker names a stdlib module or the package', () => {
  assert.ok(MODULES.includes('wsgi') && MODULES.includes('connection') && MODULES.includes('__main__'), MODULES.join());
  const sources = Object.fromEntries(MODULES.map((m) => [m, readFileSync(`${PACKAGE_DIR}/${m}.py`, 'utf8')]));
  for (const [m, source] of Object.entries(sources)) assert.ok(source.length > 0, `${m}.py read empty`);
  const problems = nonStdlibImports(sources);
  for (const m of MODULES) assert.deepEqual(problems[m], [], `${m}.py imports outside the stdlib`);
});

// Imports every module but __main__ (which would start a worker) with no site
// directories on sys.path, then lists the loaded modules whose file lies
// neither in the stdlib nor in the package.
const IMPORT_ALL = `
import importlib, json, os, sys, sysconfig
python_dir, names = sys.argv[1], sys.argv[2].split(",")
site_dirs = [p for p in sys.path if "site-packages" in p or "dist-packages" in p]
sys.path.insert(0, python_dir)
for name in names:
    importlib.import_module("_xgi_worker." + name)
roots = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}
roots.add(os.path.realpath(os.path.join(python_dir, "_xgi_worker")))
outside = []
for mod in list(sys.modules.values()):
    f = getattr(mod, "__file__", None)
    if f and not any(os.path.realpath(f).startswith(r + os.sep) for r in roots):
        outside.append("%s (%s)" % (mod.__name__, f))
print(json.dumps({"site_dirs": site_dirs, "loaded": sorted(n for n in sys.modules if n.startswith("_xgi_worker.")), "outside": outside}))
`;

test('every module imports with no site-packages and loads nothing outside the stdlib', () => {
  const names = MODULES.filter((m) => m !== '__main__');
  const result = python(['-S', '-E', '-s', '-c', IMPORT_ALL, PYTHON_DIR, names.join(',')]);
  assert.deepEqual(result.site_dirs, [], 'site directories on sys.path despite -S');
  assert.deepEqual(result.loaded, names.map((m) => `_xgi_worker.${m}`).sort());
  assert.deepEqual(result.outside, []);
});
