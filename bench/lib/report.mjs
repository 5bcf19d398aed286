// One run's results → markdown: the header (machine, versions, settings),
// the targets, and one table per scenario with the ratio of xgi to each row.

import { checkTargets } from './targets.mjs';

const int = (v) => (v == null ? '—' : Math.round(v).toLocaleString('en-US'));
const f2 = (v) => (v == null ? '—' : v.toFixed(2));
const f1 = (v) => (v == null ? '—' : v.toFixed(1));
const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(0)}%`);

// Per kind: the columns, and the figure the "xgi vs this" ratio compares
// (> 1 always means xgi does better: for throughput xgi ÷ this, for latency
// and memory this ÷ xgi).
const LAYOUTS = {
  wrk: {
    columns: [['req/s', 'rps', int], ['p50 ms', 'p50Ms', f2], ['p99 ms', 'p99Ms', f2], ['errors', 'errors', int], ['RSS peak MB', 'rssPeakMb', f1]],
    ratio: { key: 'rps', higherIsBetter: true },
  },
  mixed: {
    columns: [
      ['req/s', 'rps', int],
      ['fast p50 ms', 'fastP50Ms', f2],
      ['**fast p99 ms**', 'fastP99Ms', f2],
      ['fast p99.9 ms', 'fastP999Ms', f2],
      ['slow p50 ms', 'slowP50Ms', f2],
      ['slow p99 ms', 'slowP99Ms', f2],
      ['fast / slow requests', null, (m) => `${int(m.fastCount)} / ${int(m.slowCount)}`],
      ['errors', 'errors', int],
      ['RSS peak MB', 'rssPeakMb', f1],
    ],
    ratio: { key: 'fastP99Ms', higherIsBetter: false },
  },
  transfer: {
    columns: [
      ['MB/s', 'mbPerSec', int],
      ['transfers', 'transfers', int],
      ['errors', 'errors', int],
      ['RSS before MB', 'rssBeforeMb', f1],
      ['RSS peak MB', 'rssPeakMb', f1],
      ['RSS growth MB', 'rssGrowthMb', f1],
    ],
    ratio: { key: 'mbPerSec', higherIsBetter: true },
  },
  slow: {
    columns: [
      ['req/s alone', 'rpsAlone', int],
      ['req/s with slow clients', 'rps', int],
      ['kept', 'kept', pct],
      ['p99 ms alone', 'p99AloneMs', f2],
      ['p99 ms with', 'p99Ms', f2],
      ['errors with', 'errors', int],
      ['slow sockets open / reopened', null, (m) => `${int(m.slowOpen)} / ${int(m.slowReopened)}`],
      ['RSS peak MB', 'rssPeakMb', f1],
    ],
    ratio: { key: 'rps', higherIsBetter: true },
  },
  idle: {
    columns: [
      ['RSS warm MB', 'rssWarmMb', f1],
      ['RSS with 2,000 MB', 'rssHeldMb', f1],
      ['RSS growth MB', 'rssGrowthMb', f1],
      ['PSS growth MB', 'pssGrowthMb', f1],
      ['conns open after answer / after hold', null, (m) => `${int(m.open)} / ${int(m.openAtEnd)}`],
      ['RSS idle MB', 'rssIdleMb', f1],
      ['PSS idle MB', 'pssIdleMb', f1],
      ['processes', 'processes', int],
    ],
    ratio: { key: 'rssHeldMb', higherIsBetter: false },
  },
};
LAYOUTS.cgi = LAYOUTS.wrk;
LAYOUTS.static = {
  columns: [...LAYOUTS.wrk.columns.slice(0, 1), ['MB/s', 'wireMbPerSec', int], ...LAYOUTS.wrk.columns.slice(1)],
  ratio: LAYOUTS.wrk.ratio,
};

// xgi's row: 'xgi', or its CGI or static variant
const isXgi = (id) => id === 'xgi' || id === 'xgi-cgi' || id === 'xgi-static';

function xgiRow(scenario) {
  return scenario.rows.find((r) => isXgi(r.server));
}

function ratioCell(layout, mine, row) {
  if (!mine?.metrics || !row.metrics) return '—';
  const a = mine.metrics[layout.ratio.key];
  const b = row.metrics[layout.ratio.key];
  if (typeof a !== 'number' || typeof b !== 'number' || a <= 0 || b <= 0) return '—';
  if (row === mine) return '1.00×';
  return `${(layout.ratio.higherIsBetter ? a / b : b / a).toFixed(2)}×`;
}

function scenarioTable(scenario) {
  const layout = LAYOUTS[scenario.kind];
  const mine = xgiRow(scenario);
  const head = ['server', ...layout.columns.map(([title]) => title), 'xgi vs this'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`];
  for (const row of scenario.rows) {
    let cells;
    if (row.metrics) {
      cells = layout.columns.map(([, key, fmt]) => (key ? fmt(row.metrics[key]) : fmt(row.metrics)));
    } else {
      const why = (row.skipped ?? `failed: ${row.error}`).split('\n')[0].replace(/\|/g, '/');
      cells = [why, ...layout.columns.slice(1).map(() => '')];
    }
    const name = row.server === mine?.server ? `**${row.label}**` : row.label;
    lines.push(`| ${[name, ...cells, ratioCell(layout, mine, row)].join(' | ')} |`);
  }
  return lines.join('\n');
}

function headerLines(meta) {
  const o = meta.options;
  const v = meta.versions;
  return [
    `Run ${meta.date} with \`${meta.command}\`${meta.quick ? ' (**quick smoke run: 2 s per measurement, not for comparison**)' : ''}.`,
    '',
    `- Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memGb} GB, Linux ${meta.machine.kernel}; load generator and servers share it, all traffic on 127.0.0.1.`,
    `- Load: wrk ${v.wrk}, \`-t${o.wrkThreads} -c${o.connections}\`, ${o.warmup} s warm-up then ${o.duration} s measured per server${o.rounds > 1 ? `, median of ${o.rounds} rounds run alternately` : ''}; one server runs at a time, each scenario runs every server in turn.`,
    `- Workers: ${o.workers} processes for every WSGI server (waitress: 1 process with ${Math.max(4, o.workers)} threads; mod_wsgi: daemon mode, processes=${o.workers} threads=1), same app file, same interpreter (${v.python}).`,
    `- Versions: xgi ${v.xgi}, node ${v.node}, gunicorn ${v.gunicorn}, uWSGI ${v.uwsgi}, Apache ${v.apache2} + mod_wsgi ${v.mod_wsgi}, waitress ${v.waitress}, lighttpd ${v.lighttpd}${v.nginx ? `, nginx ${v.nginx}` : ''}.`,
    ...(meta.workCostUs == null ? [] : [`- bench/apps/work.py's work() costs ${meta.workCostUs.toFixed(1)} µs per call here (timeit, before the run).`]),
    '- RSS = sum of VmRSS over the server\'s whole process tree (front, router, workers, CGI children), sampled every 0.5 s during the measured run, peak. Errors = HTTP 4xx/5xx (non-2xx in the mixed scenario) + socket errors (connect, read, write, timeout at 5 s).',
    '- "xgi vs this": > 1 means xgi does better by that factor (throughput: xgi ÷ this; latency and memory: this ÷ xgi).',
    '- How each server runs (each with its own config in a temporary directory, on a free loopback port, started and stopped by the harness):',
    ...Object.values(meta.servers ?? {}).map((s) => `  - ${s.label}: ${s.describe}`),
  ];
}

/** The report's body; `level` is the markdown level of its top headings. */
export function renderBody(results, { level = 2, chartHref = null } = {}) {
  const h = '#'.repeat(level);
  const out = [...headerLines(results.meta), ''];
  out.push(`${h} Targets (issue 5)`, '');
  const targets = checkTargets(results).filter((t) => !results.meta.partial || t.status !== 'not measured');
  if (results.meta.partial) out.push('(partial run: only the targets of the scenarios run are listed)', '');
  out.push('| target | measured | status |', '|---|---:|---|');
  for (const t of targets) out.push(`| ${t.title} | ${t.measured} | ${t.status === 'MISSED' ? '**MISSED**' : t.status} |`);
  out.push('');
  if (chartHref) out.push(`![requests per second, per scenario and server](${chartHref})`, '');
  for (const scenario of results.scenarios) {
    out.push(`${h} ${scenario.id}: ${scenario.title}`, '', scenario.what, '', scenarioTable(scenario), '');
    const notes = Object.entries(scenario.notes ?? {}).filter(([id]) => scenario.rows.some((r) => r.server === id && r.metrics));
    for (const [id, note] of notes) out.push(`- ${scenario.rows.find((r) => r.server === id).label}: ${note}`);
    if (notes.length) out.push('');
  }
  return out.join('\n');
}

export function renderReport(results, { chartHref }) {
  return `# xgi benchmarks, ${results.meta.date}\n\n${renderBody(results, { level: 2, chartHref })}`;
}

/** The figure by which a kind's repeated runs are ranked (the ratio's). */
export function primaryMetric(kind) {
  return LAYOUTS[kind].ratio;
}
