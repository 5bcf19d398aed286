// COUNT idle keep-alive connections: each sends one GET, reads the whole
// answer, then holds the connection open and silent for HOLD seconds.
// BATCH are being opened at a time, for at most OPENSECONDS. Loopback only.
//
//   node bench/clients/idle-conns.mjs --port P [--count 2000] [--hold S] [--path /] [--batch 100] [--openSeconds 30]
//
// Prints READY {"open":..,"answered":..,"failed":..} once all have been
// answered, and DONE {"openAtEnd":..,"closedByServer":..} at the end.
import net from 'node:net';
import { parseArgs, report } from './args.mjs';

const opts = parseArgs(process.argv.slice(2), { port: 8000, count: 2000, hold: 5, path: '/', batch: 100, openSeconds: 30 });
const REQUEST = `GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
const sockets = [];
const stats = { answered: 0, failed: 0, closedByServer: 0 };
let holding = false;

function responseComplete(text) {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
  if (!match) return true; // hello world answers are tiny: the head is enough
  return Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(match[1]);
}

function openOne() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: opts.port });
    let text = '';
    let settled = false;
    const settle = (ok) => {
      if (settled) return;
      settled = true;
      if (ok) stats.answered++;
      else stats.failed++;
      resolve();
    };
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('connect', () => socket.write(REQUEST));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (!settled && responseComplete(text)) {
        socket.setTimeout(0);
        sockets.push(socket);
        settle(true);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (holding || settled) stats.closedByServer++;
      settle(false);
    });
  });
}

// BATCH openers at a time, until COUNT have been tried or the time is up
// (a server that stops accepting must not hold the run)
const openDeadline = Date.now() + opts.openSeconds * 1000;
let tried = 0;
async function opener() {
  while (tried < opts.count && Date.now() < openDeadline) {
    tried++;
    await openOne();
  }
}
await Promise.all(Array.from({ length: opts.batch }, opener));
stats.notTried = opts.count - tried;
holding = true;
const open = () => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
report('READY', { open: open(), ...stats });
await new Promise((r) => setTimeout(r, opts.hold * 1000));
report('DONE', { openAtEnd: open(), ...stats });
for (const s of sockets) s.destroy();
process.exit(0);
