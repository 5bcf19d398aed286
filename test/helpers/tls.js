// Throwaway certificates for the TLS tests, made by the openssl CLI into a
// temporary directory: a self-signed server certificate for localhost and
// 127.0.0.1, and a client CA with one client certificate it signed. Made
// once per test file (each file is its own process) and removed at exit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let made = null;

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * { dir, certFile, keyFile, cert, key, caFile, ca, clientCertFile,
 * clientKeyFile, clientCert, clientKey, otherClientCert, otherClientKey }:
 * `cert`/`key` are the server's, `ca` signed `clientCert`; `otherClient*`
 * is a self-signed client certificate the CA never saw.
 */
export function certificates() {
  if (made !== null) return made;
  const dir = mkdtempSync(join(tmpdir(), 'xgi-tls-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const selfSigned = (name, cn, extra = []) => openssl(dir, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, ...extra, '-days', '2',
    '-keyout', `${name}.key`, '-out', `${name}.pem`,
  ]);
  selfSigned('server', 'localhost', ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  selfSigned('ca', 'xgi test client CA', ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=keyCertSign']);
  selfSigned('stranger', 'stranger');
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=client', '-keyout', 'client.key', '-out', 'client.csr']);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(dir, ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'client.ext', '-out', 'client.pem']);
  const file = (name) => join(dir, name);
  made = {
    dir,
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    cert: readFileSync(file('server.pem')),
    key: readFileSync(file('server.key')),
    caFile: file('ca.pem'),
    ca: readFileSync(file('ca.pem')),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    clientCert: readFileSync(file('client.pem')),
    clientKey: readFileSync(file('client.key')),
    otherClientCert: readFileSync(file('stranger.pem')),
    otherClientKey: readFileSync(file('stranger.key')),
  };
  return made;
}

/** `--certfile C --keyfile K` for the server certificate. */
export function tlsArgs() {
  const { certFile, keyFile } = certificates();
  return ['--certfile', certFile, '--keyfile', keyFile];
}
