/**
 * A script's whole environment (RFC 3875 §4.1, and the variables Apache adds):
 * the shared meta-variables from cgi-env.ts (HTTPS among them), then the
 * ones only a CGI host sets (GATEWAY_INTERFACE, SCRIPT_FILENAME,
 * PATH_TRANSLATED, DOCUMENT_ROOT, REMOTE_HOST, REQUEST_SCHEME, ...), then
 * PATH and the operator's `--cgi-env`. Each
 * layer wins over the one before, so a request header can never pose as a
 * server-set variable; nothing else of xgi's own environment is passed.
 *
 * AUTH_TYPE and REMOTE_USER are left unset: xgi authenticates no one, and
 * §4.1.1 says they are NULL then (an operator may set them with --cgi-env).
 * Pure apart from reading the request object; no file system, no spawning.
 */
import type { IncomingMessage } from 'node:http';
import type { CgiConfig } from '../../config/config.js';
import { buildMetaVariables, plainAddress } from '../cgi-env.js';
import type { GatewayRequest } from '../gateway.js';
import type { ResolvedScript } from './resolve-script.js';

export type ScriptEnvironment = Record<string, string>;

/** What the environment needs from the CGI config. */
export type EnvironmentConfig = Pick<CgiConfig, 'env' | 'path' | 'isAuthorizationPassed' | 'serverSoftware'>;

export interface EnvironmentInput {
  readonly request: Pick<GatewayRequest, 'req' | 'body' | 'scriptName' | 'urlScheme' | 'client' | 'mapsUnderscoreHeaders'>;
  readonly script: ResolvedScript;
  /** DOCUMENT_ROOT, and the base of PATH_TRANSLATED. */
  readonly documentRoot: string;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * node:http hands header bytes over as latin-1 strings, and a child's
 * environment is written as UTF-8: re-decode, so that a UTF-8 header reaches
 * the script as the bytes the client sent. Bytes that are not UTF-8 become
 * U+FFFD (node cannot put arbitrary bytes in an environment).
 */
function envValue(value: string | Buffer): string {
  if (typeof value !== 'string') return value.toString('utf8');
  return NON_ASCII.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}

export function buildScriptEnvironment(input: EnvironmentInput, config: EnvironmentConfig): ScriptEnvironment {
  const { request, script, documentRoot } = input;
  const { req, body } = request;
  // No prototype: a `--cgi-env __proto__=x` must be a variable like any other.
  const env = Object.create(null) as ScriptEnvironment;
  const shared = buildMetaVariables({
    req,
    scriptName: request.scriptName,
    urlScheme: request.urlScheme,
    bufferedBodyBytes: body.kind === 'buffered' ? body.bytes.length : null,
    isAuthorizationPassed: config.isAuthorizationPassed,
    client: request.client,
    mapsUnderscoreHeaders: request.mapsUnderscoreHeaders,
  });
  for (const [name, value] of shared) env[name] = envValue(value);
  env.GATEWAY_INTERFACE = 'CGI/1.1';
  env.SERVER_SOFTWARE = config.serverSoftware;
  env.SCRIPT_NAME = script.scriptName;
  env.SCRIPT_FILENAME = script.filename;
  env.PATH_INFO = script.pathInfo;
  // §4.1.6: PATH_TRANSLATED only with a PATH_INFO, mapped as a document path would be.
  if (script.pathInfo !== '') env.PATH_TRANSLATED = documentRoot + script.pathInfo;
  env.DOCUMENT_ROOT = documentRoot;
  // §4.1.9: no DNS lookups; the server MAY substitute REMOTE_ADDR.
  env.REMOTE_HOST = env.REMOTE_ADDR ?? '';
  env.REQUEST_SCHEME = request.urlScheme;
  env.SERVER_ADDR = serverAddress(req);
  env.PATH = config.path;
  for (const name in config.env) env[name] = config.env[name] as string;
  return env;
}

function serverAddress(req: IncomingMessage): string {
  return plainAddress(req.socket.localAddress);
}
