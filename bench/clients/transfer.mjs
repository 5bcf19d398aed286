// Large transfers against bench/apps/transfer.py, repeated until the time is
// up (at least one each), CONCURRENCY at a time, read and written at full
// speed with backpressure. Every transfer is checked (status, byte count).
//
//   node bench/clients/transfer.mjs --port P --mode download|upload
//        [--bytes N] [--concurrency C] [--seconds S]
//
// Prints one line: DONE {"transfers":..,"bytes":..,"seconds":..,"mbPerSec":..,"errors":..}
import http from 'node:http';
import { parseArgs, report } from './args.mjs';

const opts = parseArgs(process.argv.slice(2), {
  port: 8000,
  mode: 'download',
  bytes: 10 * 1024 * 1024,
  concurrency: 4,
  seconds: 10,
  timeout: 120,
});
const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
const CHUNK = Buffer.alloc(64 * 1024, 'u');

function download() {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: opts.port, path: `/download?bytes=${opts.bytes}`, agent }, (res) => {
      let got = 0;
      res.on('data', (chunk) => {
        got += chunk.length;
      });
      res.on('end', () => {
        if (res.statusCode !== 200 || got !== opts.bytes) reject(new Error(`download: status ${res.statusCode}, ${got} bytes`));
        else resolve(got);
      });
      res.on('error', reject);
    });
    req.setTimeout(opts.timeout * 1000, () => req.destroy(new Error('download timed out')));
    req.on('error', reject);
  });
}

async function writeBody(req) {
  let left = opts.bytes;
  while (left > 0) {
    const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    left -= chunk.length;
    if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
  }
  req.end();
}

function upload() {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: opts.port,
        path: '/upload',
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(opts.bytes) },
      },
      (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (s) => {
          text += s;
        });
        res.on('end', () => {
          if (res.statusCode !== 200 || Number(text.trim()) !== opts.bytes) reject(new Error(`upload: status ${res.statusCode}, answer ${text.slice(0, 80)}`));
          else resolve(opts.bytes);
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeout * 1000, () => req.destroy(new Error('upload timed out')));
    req.on('error', reject);
    writeBody(req).catch(reject);
  });
}

const transferOnce = opts.mode === 'upload' ? upload : download;
const started = performance.now();
const deadline = started + opts.seconds * 1000;
let transfers = 0;
let bytes = 0;
let errors = 0;
let lastError = null;

async function loop() {
  do {
    try {
      const n = await transferOnce();
      bytes += n;
      transfers++;
    } catch (err) {
      errors++;
      lastError = err.message;
      if (errors > 50) return;
    }
  } while (performance.now() < deadline);
}

await Promise.all(Array.from({ length: opts.concurrency }, loop));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
report('DONE', { mode: opts.mode, transfers, bytes, seconds, mbPerSec: bytes / seconds / 1e6, errors, lastError });
