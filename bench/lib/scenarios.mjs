// THE table of scenarios: what each measures, with which app or script,
// against which servers, and how its runs are judged. bench/README.md
// describes the same list for people.

const WSGI_ANCHORS = ['xgi', 'gunicorn', 'uwsgi', 'mod_wsgi', 'waitress'];
const CGI_SERVERS = ['xgi-cgi', 'lighttpd', 'cgid', 'floor-1', 'floor-2'];
const STATIC_SERVERS = ['xgi-static', 'nginx', 'lighttpd-static'];

export const SCENARIOS = [
  {
    id: 'hello',
    title: 'WSGI hello world, keep-alive',
    kind: 'wrk',
    app: 'hello',
    lua: 'hello.lua',
    servers: [...WSGI_ANCHORS, 'node'],
    what: 'GET / on bench/apps/hello.py (13-byte body, Content-Length), HTTP/1.1 keep-alive. node:http (bare) answers itself: the ceiling of the front.',
  },
  {
    id: 'hello-close',
    title: 'WSGI hello world, Connection: close',
    kind: 'wrk',
    app: 'hello',
    lua: 'close.lua',
    servers: [...WSGI_ANCHORS, 'node'],
    what: 'As hello, but every request carries Connection: close, so every request pays for a new TCP connection.',
    notes: {
      uwsgi: 'uWSGI\'s router closes the connection without answering `Connection: close`, so wrk takes the connection for kept alive, meets the close on its next request, counts a read error and reconnects: its errors are one per request, its responses are all counted.',
    },
  },
  {
    id: 'work',
    title: 'App with ~15 µs of Python work',
    kind: 'wrk',
    app: 'work',
    lua: 'hello.lua',
    servers: WSGI_ANCHORS,
    what: 'GET / on bench/apps/work.py: a fixed 500-turn multiply-add loop per request (its cost on this machine is in the header above), keep-alive.',
  },
  {
    id: 'mixed',
    title: 'Head-of-line: 1% slow (100 ms), 99% instant',
    kind: 'mixed',
    app: 'mixed',
    lua: 'mixed.lua',
    servers: [...WSGI_ANCHORS, 'node'],
    notes: {
      node: 'no Python: node:http answers in its event loop (the slow ones after a 100 ms timer), so its fast p99 is the floor this machine gives at this load (wake-ups of idle cores included).',
    },
    what: 'Every 100th request sleeps 100 ms, the rest answer at once; each of the 50 connections waits 100 ms between requests (~490 req/s offered, the slow ones keep about half of one worker busy). Latency per kind is timed by the wrk script itself (bench/lua/mixed.lua); the figure that matters is the fast requests\' p99.',
  },
  {
    id: '64k',
    title: '64 KiB response',
    kind: 'wrk',
    app: 'big',
    lua: 'hello.lua',
    servers: WSGI_ANCHORS,
    what: 'GET / on bench/apps/big.py: one 64 KiB body with Content-Length, keep-alive.',
    notes: {
      uwsgi: 'uWSGI\'s router relays a response larger than its buffer (32 KiB here) in pieces, and the last piece waits for a delayed ACK (Nagle), about 40 ms a request. A 64 KiB buffer would avoid it for this response but breaks request bodies (see the server notes above).',
    },
  },
  {
    id: 'post-16k',
    title: '16 KiB POST, echoed',
    kind: 'wrk',
    app: 'echo',
    lua: 'post16k.lua',
    servers: WSGI_ANCHORS,
    what: 'POST / with a 16 KiB body (bench/lua/post16k.lua), which bench/apps/echo.py reads and sends back, keep-alive.',
  },
  {
    id: 'download-10m',
    title: '10 MB download',
    kind: 'transfer',
    app: 'transfer',
    mode: 'download',
    bytes: 10 * 1024 * 1024,
    servers: WSGI_ANCHORS,
    what: 'bench/clients/transfer.mjs: 4 concurrent clients download 10 MiB each (a generator of 64 KiB blocks), again and again until the time is up, reading at full speed; RSS growth = peak during the run minus the RSS after warm-up.',
  },
  {
    id: 'upload-100m',
    title: '100 MB upload',
    kind: 'transfer',
    app: 'transfer',
    mode: 'upload',
    bytes: 100 * 1024 * 1024,
    servers: WSGI_ANCHORS,
    what: 'bench/clients/transfer.mjs: 4 concurrent clients upload 100 MiB each (Content-Length, written at full speed with backpressure), which the app reads in 64 KiB reads and counts; RSS growth as for the download.',
  },
  {
    id: 'cgi-sh',
    title: 'CGI hello world, sh',
    kind: 'cgi',
    script: 'hello.sh',
    lua: 'hello.lua',
    servers: CGI_SERVERS,
    what: 'GET /cgi-bin/hello.sh (#!/bin/sh, one printf), keep-alive. The floor rows are bench/cgi/spawn-loop.c: posix_spawn the script, read its output, reap it, in a tight loop (1 loop, and 2 side by side), in execs/s.',
  },
  {
    id: 'cgi-perl',
    title: 'CGI hello world, Perl',
    kind: 'cgi',
    script: 'hello.pl',
    lua: 'hello.lua',
    servers: CGI_SERVERS,
    what: 'As cgi-sh with bench/cgi/hello.pl (#!/usr/bin/perl, one print).',
  },
  {
    id: 'static-4k',
    title: 'Static file, 4 KiB',
    kind: 'static',
    file: '4k.bin',
    bytes: 4 * 1024,
    lua: 'hello.lua',
    servers: STATIC_SERVERS,
    what: 'GET /4k.bin: a 4 KiB file of random bytes, generated into the run\'s temporary directory and served from there by every server (its root), keep-alive. Each server\'s answer is checked byte for byte before the load. xgi: its static app, one process; nginx: master + 2 workers, sendfile on; lighttpd: one process, its defaults (sendfile backend, stat cache).',
  },
  {
    id: 'static-1m',
    title: 'Static file, 1 MiB',
    kind: 'static',
    file: '1m.bin',
    bytes: 1024 * 1024,
    lua: 'hello.lua',
    servers: STATIC_SERVERS,
    what: 'As static-4k with /1m.bin, a 1 MiB file. MB/s is what wrk read, headers included.',
    notes: {
      'xgi-static': 'no sendfile(2): node reads the file in 64 KiB pieces and writes them to the socket (docs/static.md), where nginx and lighttpd hand the file to the kernel.',
    },
  },
  {
    id: 'slow-clients',
    title: 'Fast clients while 200 slow clients trickle',
    kind: 'slow',
    app: 'form',
    lua: 'hello.lua',
    slowCount: 200,
    servers: WSGI_ANCHORS,
    what: 'wrk measures GET / on bench/apps/form.py twice on the same server: alone, then while bench/clients/slow-clients.mjs keeps 200 sockets open that trickle one byte a second (100 an unfinished request head, 100 a 1,000,000-byte POST body after a complete head; reopened when closed). "kept" = with ÷ without.',
  },
  {
    id: 'idle-2000',
    title: '2,000 idle keep-alive connections (memory)',
    kind: 'idle',
    app: 'hello',
    lua: 'hello.lua',
    idleCount: 2000,
    keepAliveSeconds: 60,
    maxConnections: 4000,
    servers: WSGI_ANCHORS,
    notes: {
      mod_wsgi: 'Apache\'s event MPM, at its compiled-in limits (16 processes of 25 threads), holds about 1,200 connections and stops accepting past that; the connections it holds cost it the processes it starts for them.',
    },
    what: 'RSS of the whole server 1 s after warm-up ("warm"); then while bench/clients/idle-conns.mjs holds 2,000 connections that each made one request and stay open (keep-alive timeouts raised to 60 s and connection limits to 4,000 where the command line sets them), the growth being over "warm"; then RSS (and PSS) once the connections are closed and no request has come for 14 s ("idle": xgi\'s front gives back the memory V8 grew under load 6 to 12 s after its last request). gunicorn\'s sync workers close every connection after its response, so it holds none.',
  },
];

/** Pseudo-servers of the CGI scenarios that are not servers. */
export const FLOORS = {
  'floor-1': { label: 'floor: C posix_spawn loop ×1', loops: 1 },
  'floor-2': { label: 'floor: C posix_spawn loop ×2', loops: 2 },
};

/** How long one server's part of a scenario takes, in seconds (estimate). */
export function estimateSeconds(scenario, serverId, { duration, warmup }) {
  const start = 3; // start, readiness, stop
  if (serverId in FLOORS) return duration;
  switch (scenario.kind) {
    case 'slow':
      return start + warmup + duration + 3 + duration + 2;
    case 'idle':
      // Apache stops accepting at ~1,200: the client gives up after 30 s
      return start + warmup + 2 + 15 + (serverId === 'mod_wsgi' ? 38 : 8);
    case 'transfer':
      return start + warmup + duration + 2;
    default:
      return start + warmup + duration;
  }
}
