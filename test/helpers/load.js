// A bounded load for supervision tests: `concurrency` loops, each sending one
// request after another over keep-alive connections until `durationMs` has
// passed (or stop() is called). Every request carries a unique token that
// the app echoes back with its pid, so each outcome can be checked: status,
// right body, and which worker served it.
import http from 'node:http';
import { waitUntil } from './processes.js';

/**
 * Start the load; `pathFor(token)` gives each request's path (default:
 * `/echo?token=T&ms=10`, which the supervision fixture app answers "T PID").
 */
export function startLoad(xgi, { concurrency = 6, durationMs = 5000, pathFor = (token) => `/echo?token=${token}&ms=10` } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const results = [];
  let isStopped = false;
  let next = 0;
  const deadline = Date.now() + durationMs;
  const loop = async () => {
    while (!isStopped && Date.now() < deadline) {
      const token = `t${next++}`;
      results.push(await requestOnce(xgi.port, pathFor(token), token, agent));
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, loop)).then(() => {
    agent.destroy();
    return results;
  });
  return {
    results,
    done,
    /** Date.now() after which no new request is sent. */
    deadline,
    /** Stop sending and resolve with every outcome once the requests in flight are answered. */
    stop() {
      isStopped = true;
      return done;
    },
  };
}

function requestOnce(port, path, token, agent) {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const [echoed, pid] = body.split(' ');
        resolve({ token, path, status: res.statusCode, body, pid: Number(pid), isRightBody: echoed === token, sentAt, doneAt: Date.now() });
      });
      res.on('error', (error) => resolve({ token, path, status: 0, error: error.message, sentAt, doneAt: Date.now() }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout')));
    req.on('error', (error) => resolve({ token, path, status: 0, error: error.message, sentAt, doneAt: Date.now() }));
  });
}

/** Split outcomes into those that succeeded with the right body and all the others. */
export function summarize(results) {
  const ok = results.filter((r) => r.status === 200 && r.isRightBody);
  const failed = results.filter((r) => !(r.status === 200 && r.isRightBody));
  return { total: results.length, ok, failed, pids: new Set(ok.map((r) => r.pid)) };
}

/** One line per failure, for assertion messages. */
export function describeFailures(failed) {
  return failed.slice(0, 20).map((r) => `${r.path}: ${r.status} ${r.error ?? JSON.stringify(r.body)}`).join('\n');
}

/** The pid of the worker booted `nth` (0-based: the number of workers at start for the first replacement), once `load` got an answer from it. */
export async function bootedAndServing(xgi, load, nth, timeoutMs = 5000) {
  const pid = Number((await xgi.waitForLine(/Booting worker with pid: (\d+)/, timeoutMs, nth))[1]);
  await waitUntil(() => load.results.some((r) => r.pid === pid), timeoutMs, `worker ${pid} to serve`);
  return pid;
}
