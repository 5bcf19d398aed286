// COUNT slow clients that trickle one byte a second for SECONDS: half send a
// request head one byte at a time (never finishing it), half send a complete
// POST head and then its 1,000,000-byte body one byte at a time. A socket the
// server closes is opened again, so COUNT stay open. Loopback only.
//
//   node bench/clients/slow-clients.mjs --port P [--count 200] [--seconds S] [--path /]
//
// Prints READY {...} once all are open, and DONE {...} at the end.
import net from 'node:net';
import { parseArgs, report } from './args.mjs';

const opts = parseArgs(process.argv.slice(2), { port: 8000, count: 200, seconds: 15, path: '/' });
const deadline = Date.now() + opts.seconds * 1000;
const stats = { opened: 0, closedByServer: 0, connectErrors: 0, answered: 0, bytesTrickled: 0 };
const sockets = new Set();
let stopping = false;

function headPrefix(kind) {
  if (kind === 'head') return `GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: `;
  return `POST ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n`;
}

function open(kind) {
  if (stopping || Date.now() >= deadline) return;
  const socket = net.connect({ host: '127.0.0.1', port: opts.port });
  let connected = false;
  socket.on('connect', () => {
    connected = true;
    stats.opened++;
    sockets.add(socket);
    socket.write(headPrefix(kind));
  });
  socket.on('data', () => {
    stats.answered++; // the server gave up on us (408, 400, ...) or answered early
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    sockets.delete(socket);
    if (stopping) return;
    if (connected) stats.closedByServer++;
    else stats.connectErrors++;
    setTimeout(() => open(kind), 100);
  });
}

// open them over about a second, alternating the two kinds
for (let i = 0; i < opts.count; i++) {
  setTimeout(() => open(i % 2 ? 'body' : 'head'), Math.floor((i * 1000) / opts.count));
}

setTimeout(() => report('READY', { open: sockets.size, ...stats }), 1200);

const trickle = setInterval(() => {
  for (const socket of sockets) {
    if (socket.writable) {
      socket.write('a');
      stats.bytesTrickled++;
    }
  }
}, 1000);

setTimeout(() => {
  const openAtEnd = sockets.size;
  stopping = true;
  clearInterval(trickle);
  for (const socket of sockets) socket.destroy();
  report('DONE', { openAtEnd, ...stats });
  process.exit(0);
}, Math.max(0, deadline - Date.now()));
