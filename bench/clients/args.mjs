// --key value pairs of the client scripts → an object of numbers and strings.
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in defaults)) throw new Error(`unknown argument ${argv[i]}`);
    const value = argv[i + 1];
    out[key] = typeof defaults[key] === 'number' ? Number(value) : value;
  }
  return out;
}

export function report(tag, value) {
  process.stdout.write(`${tag} ${JSON.stringify(value)}\n`);
}
