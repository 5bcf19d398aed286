// Requests per second per scenario per server as a hand-written SVG: one
// panel per throughput scenario, horizontal bars, each panel on its own scale
// (CGI runs at thousands, hello world at tens of thousands), value at the
// end of each bar. No dependencies.

const COLORS = {
  xgi: '#d62728',
  'xgi-cgi': '#d62728',
  'xgi-static': '#d62728',
  gunicorn: '#1f77b4',
  uwsgi: '#2ca02c',
  mod_wsgi: '#9467bd',
  waitress: '#8c564b',
  node: '#7f7f7f',
  lighttpd: '#17becf',
  'lighttpd-static': '#17becf',
  nginx: '#009639',
  cgid: '#9467bd',
  'floor-1': '#bcbd22',
  'floor-2': '#dbdb8d',
};

const WIDTH = 920;
const LABEL_W = 230;
const BAR_MAX_W = 440;
const BAR_H = 18;
const BAR_GAP = 5;
const TITLE_H = 26;
const PANEL_GAP = 18;

const escapeXml = (s) => String(s).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The value charted for a scenario's row, or null. */
function chartValue(scenario, row) {
  const v = row.metrics?.rps;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const CHARTED_KINDS = new Set(['wrk', 'cgi', 'static', 'slow']);

export function renderChart(results) {
  const panels = results.scenarios
    .filter((s) => CHARTED_KINDS.has(s.kind))
    .map((s) => ({ s, rows: s.rows.filter((r) => chartValue(s, r) !== null) }))
    .filter((p) => p.rows.length);
  const parts = [];
  let y = 40;
  for (const { s, rows } of panels) {
    const max = Math.max(...rows.map((r) => chartValue(s, r)));
    const mine = rows.find((r) => r.server === 'xgi' || r.server === 'xgi-cgi' || r.server === 'xgi-static');
    const xgiValue = mine ? chartValue(s, mine) : null;
    const title = s.kind === 'slow' ? `${s.id}: ${s.title} (req/s with the slow clients)` : `${s.id}: ${s.title}`;
    parts.push(`<text x="10" y="${y + 16}" class="title">${escapeXml(title)}</text>`);
    y += TITLE_H;
    for (const row of rows) {
      const value = chartValue(s, row);
      const w = max > 0 ? Math.max(1, (value / max) * BAR_MAX_W) : 1;
      const color = COLORS[row.server] ?? '#999999';
      const unit = row.server.startsWith('floor') ? 'execs/s' : 'req/s';
      parts.push(`<text x="${LABEL_W - 8}" y="${y + BAR_H - 5}" class="label">${escapeXml(row.label)}</text>`);
      parts.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"/>`);
      const notes = [];
      if (s.kind === 'slow' && typeof row.metrics.rpsAlone === 'number') notes.push(`alone ${Math.round(row.metrics.rpsAlone).toLocaleString('en-US')}`);
      if (xgiValue && value > 0 && row !== mine && !row.server.startsWith('floor')) notes.push(`xgi ${(xgiValue / value).toFixed(2)}×`);
      const text = `${Math.round(value).toLocaleString('en-US')} ${unit}${notes.length ? `   (${notes.join(', ')})` : ''}`;
      parts.push(`<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + BAR_H - 5}" class="value">${escapeXml(text)}</text>`);
      y += BAR_H + BAR_GAP;
    }
    y += PANEL_GAP;
  }
  const height = y + 10;
  const heading = `xgi benchmarks, ${results.meta.date}${results.meta.quick ? ' (quick smoke run)' : ''}: requests per second, higher is better`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    '<style>text{font-family:Helvetica,Arial,sans-serif;font-size:12px;fill:#222}.title{font-weight:bold;font-size:13px}.label{text-anchor:end}.head{font-size:15px;font-weight:bold}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="24" class="head">${escapeXml(heading)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
