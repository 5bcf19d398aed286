// The targets of issue 5, checked against one run's figures. Each target
// reads the median row of a scenario; a missing scenario or server makes it
// "not measured", never "met".

function metric(results, scenarioId, serverId, key) {
  const scenario = results.scenarios.find((s) => s.id === scenarioId);
  const row = scenario?.rows.find((r) => r.server === serverId);
  const value = row?.metrics?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

const x = (v) => `${v.toFixed(2)}×`;
const ms = (v) => `${v.toFixed(2)} ms`;
const mb = (v) => `${v.toFixed(1)} MB`;

function ratioTarget(title, scenario, key, anchor, atLeast, xgiId = 'xgi') {
  return {
    title,
    check(results) {
      const mine = metric(results, scenario, xgiId, key);
      const theirs = metric(results, scenario, anchor, key);
      if (mine === null || theirs === null || theirs === 0) return null;
      const ratio = mine / theirs;
      return { measured: x(ratio), isMet: ratio >= atLeast };
    },
  };
}

function boundTarget(title, scenario, key, { below, atMost, atLeast, format }) {
  return {
    title,
    check(results) {
      const value = metric(results, scenario, 'xgi', key);
      if (value === null) return null;
      let isMet = true;
      if (below !== undefined) isMet &&= value < below;
      if (atMost !== undefined) isMet &&= value <= atMost;
      if (atLeast !== undefined) isMet &&= value >= atLeast;
      return { measured: format(value), isMet };
    },
  };
}

export const TARGETS = [
  ratioTarget('hello keep-alive: ≥ 3.0× gunicorn-sync', 'hello', 'rps', 'gunicorn', 3.0),
  ratioTarget('hello keep-alive: ≥ 2.0× uWSGI (http router)', 'hello', 'rps', 'uwsgi', 2.0),
  boundTarget('hello keep-alive: p99 ≤ 1.5 ms', 'hello', 'p99Ms', { atMost: 1.5, format: ms }),
  ratioTarget('hello keep-alive: ≥ 0.75× bare node:http', 'hello', 'rps', 'node', 0.75),
  ratioTarget('~15 µs of Python work: ≥ 2.0× gunicorn-sync', 'work', 'rps', 'gunicorn', 2.0),
  boundTarget('1% slow / 99% instant: fast requests\' p99 < 5 ms', 'mixed', 'fastP99Ms', { below: 5, format: ms }),
  ratioTarget('hello Connection: close: ≥ 1.0× gunicorn-sync', 'hello-close', 'rps', 'gunicorn', 1.0),
  ratioTarget('64 KiB response: ≥ 2.0× gunicorn-sync', '64k', 'rps', 'gunicorn', 2.0),
  ratioTarget('16 KiB POST: ≥ 2.0× gunicorn-sync', 'post-16k', 'rps', 'gunicorn', 2.0),
  boundTarget('10 MB downloads: xgi RSS grows < 64 MB', 'download-10m', 'rssGrowthMb', { below: 64, format: mb }),
  boundTarget('100 MB uploads: xgi RSS grows < 64 MB', 'upload-100m', 'rssGrowthMb', { below: 64, format: mb }),
  boundTarget('200 slow clients: fast throughput ≥ 90% of without', 'slow-clients', 'kept', {
    atLeast: 0.9,
    format: (v) => `${(v * 100).toFixed(0)}%`,
  }),
  ratioTarget('CGI hello (sh): ≥ 1.0× lighttpd mod_cgi', 'cgi-sh', 'rps', 'lighttpd', 1.0, 'xgi-cgi'),
  ratioTarget('CGI hello (Perl): ≥ 1.0× lighttpd mod_cgi', 'cgi-perl', 'rps', 'lighttpd', 1.0, 'xgi-cgi'),
  // provisional: the static targets are to be set once static files are measured on a full run
  ratioTarget('static 4 KiB: ≥ 0.5× nginx', 'static-4k', 'rps', 'nginx', 0.5, 'xgi-static'),
  ratioTarget('static 1 MiB: ≥ 0.5× nginx', 'static-1m', 'rps', 'nginx', 0.5, 'xgi-static'),
  {
    title: 'memory: xgi idle (2 workers) RSS ≤ gunicorn\'s',
    check(results) {
      const mine = metric(results, 'idle-2000', 'xgi', 'rssIdleMb');
      const theirs = metric(results, 'idle-2000', 'gunicorn', 'rssIdleMb');
      if (mine === null || theirs === null) return null;
      return { measured: `${mb(mine)} vs ${mb(theirs)}`, isMet: mine <= theirs };
    },
  },
  boundTarget('memory: 2,000 idle keep-alives cost < 20 MB', 'idle-2000', 'rssGrowthMb', { below: 20, format: mb }),
];

/** [{ title, measured, status }] with status 'met', 'MISSED' or 'not measured'. */
export function checkTargets(results) {
  return TARGETS.map((t) => {
    const r = t.check(results);
    if (!r) return { title: t.title, measured: '—', status: 'not measured' };
    return { title: t.title, measured: r.measured, status: r.isMet ? 'met' : 'MISSED' };
  });
}
