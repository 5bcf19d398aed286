#!/usr/bin/env node
// Installs, when missing, the Debian packages the integration tests use
// (`npm test` runs this first). One `apt-get update`, then one
// `apt-get install -y` of whatever is missing; nothing when all are there.
import { execFileSync, spawnSync } from 'node:child_process';

const PACKAGES = [
  'python3', // Debian's /usr/bin/python3, where python3-* packages live
  'python3-flask', // the Flask end-to-end test (--python /usr/bin/python3)
  'curl', // the README transcript test; test/server/tls.test.js (Debian's curl speaks HTTP/2: curl -V lists HTTP2)
  'openssl', // test/helpers/tls.js: throwaway certificates for the TLS and HTTP/2 tests
  'haproxy', // test/security/haproxy.test.js: two xgi behind a real load balancer (PROXY protocol v2)
  'git', // CGI: git clone/push through git http-backend (test/gateways/cgi/git.test.js)
  'perl', // CGI: Perl fixture scripts
  'libcgi-pm-perl', // CGI: a CGI.pm form and upload (test/gateways/cgi/cgi-pm.test.js)
];

function isInstalled(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

const missing = PACKAGES.filter((name) => !isInstalled(name));
if (missing.length === 0) process.exit(0);
if (process.getuid?.() !== 0) {
  console.error(`xgi tests need these Debian packages: ${missing.join(' ')}\n` +
    `install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.error(`installing test dependencies: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update'], { stdio: ['ignore', 'inherit', 'inherit'], env });
execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: ['ignore', 'inherit', 'inherit'], env });
