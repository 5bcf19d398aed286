// The ceiling of the front: node:http answering hello world itself, in one
// process, as xgi's front is one process. Same body and headers as
// bench/apps/hello.py. With an X-Bench-T request header it plays
// bench/apps/mixed.py instead (echo, /slow after 100 ms): the latency floor of
// the machine at the mixed scenario's load.
//
//   node bench/servers/node-bare.mjs PORT [KEEPALIVE_SECONDS]
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 8000);
const keepAliveSeconds = Number(process.argv[3] ?? 5);
const BODY = Buffer.from('Hello World!\n');
const HEADERS = { 'Content-Type': 'text/plain', 'Content-Length': String(BODY.length) };

const server = createServer((req, res) => {
  req.resume();
  const stamp = req.headers['x-bench-t'];
  if (stamp === undefined) {
    res.writeHead(200, HEADERS);
    res.end(BODY);
    return;
  }
  // the mixed scenario (bench/apps/mixed.py's contract): echo the stamp, /slow after 100 ms
  const answer = () => {
    res.writeHead(200, { ...HEADERS, 'X-Bench-T': stamp });
    res.end(BODY);
  };
  if (req.url === '/slow') setTimeout(answer, 100);
  else answer();
});
server.keepAliveTimeout = keepAliveSeconds * 1000;
server.listen(port, '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
