// The hostile-path corpus (data, not a test): every spelling of "up", "here",
// "slash" and "NUL" a client might send below a CGI mount, with the status
// xgi answers. Used by script-path.test.js (pure) and paths.test.js (HTTP).

/** [path below the mount, status]. */
export const HOSTILE_PATHS = [
  ['/..', 403],
  ['/../etc/passwd', 403],
  ['/hello.sh/../../etc/passwd', 403],
  ['/sub/../hello.sh', 403],
  ['/./hello.sh', 403],
  ['/hello.sh/.', 403],
  ['/%2e%2e/etc/passwd', 403],
  ['/%2E%2E/etc/passwd', 403],
  ['/.%2e/etc/passwd', 403],
  ['/%2e./etc/passwd', 403],
  ['/%2e/hello.sh', 403],
  ['/sub%2f..%2fhello.sh', 404],
  ['/sub%2Fdeep.sh', 404],
  ['/..%2fetc%2fpasswd', 404],
  ['/hello.sh%00.txt', 404],
  ['/hello.sh%00', 404],
  ['/%00', 404],
  ['/hello.sh/x%2fy', 404],
  ['/hello.sh/%00', 404],
];
