// Command-line flags of bench/run.mjs → one frozen options object.

export const USAGE = `usage: node bench/run.mjs [OPTIONS]   (npm run bench -- [OPTIONS])

Runs every scenario against xgi and the anchors, one server at a time, on
127.0.0.1, and writes bench/results/<date>.{md,json,svg} and the generated
section of BENCHMARKS.md.

  --duration S       seconds of each measured run (default 10)
  --warmup S         seconds of the warm-up before each measured run (default 2)
  --quick            smoke run: --duration 2 --warmup 1
  --only LIST        scenarios to run, comma-separated (see --list)
  --servers LIST     servers to run, comma-separated (see --list); xgi is
                     always worth keeping, the ratios are to it
  --workers N        worker processes of every WSGI server (default 2)
  --connections N    wrk connections (default 50)
  --wrk-threads N    wrk threads (default 1: the machine has 2 cores and wrk
                     shares them with the server)
  --rounds N         run every server N times per scenario, alternately,
                     and report the median (default 1)
  --out DIR          where results go (default bench/results)
  --xgi DIR          the xgi checkout to measure (default: this one), e.g.
                     another build to compare with
  --benchmarks-md    update BENCHMARKS.md even for a partial or quick run
  --no-benchmarks-md leave BENCHMARKS.md alone
  --list             print the scenarios and servers and exit
  -h, --help         this text
`;

const DEFAULTS = {
  duration: 10,
  warmup: 2,
  quick: false,
  only: null,
  servers: null,
  workers: 2,
  connections: 50,
  wrkThreads: 1,
  rounds: 1,
  out: null,
  xgi: null,
  benchmarksMd: null,
  list: false,
  help: false,
};

const NUMBER_FLAGS = {
  '--duration': 'duration',
  '--warmup': 'warmup',
  '--workers': 'workers',
  '--connections': 'connections',
  '--wrk-threads': 'wrkThreads',
  '--rounds': 'rounds',
};

const LIST_FLAGS = { '--only': 'only', '--servers': 'servers' };

function splitList(value) {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseOptions(argv) {
  const options = { ...DEFAULTS };
  const explicit = new Set();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value = null;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const takeValue = () => {
      if (value !== null) return value;
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg in NUMBER_FLAGS) {
      const n = Number(takeValue());
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${arg} needs a positive number`);
      options[NUMBER_FLAGS[arg]] = n;
      explicit.add(NUMBER_FLAGS[arg]);
    } else if (arg in LIST_FLAGS) {
      options[LIST_FLAGS[arg]] = splitList(takeValue());
    } else if (arg === '--out') {
      options.out = takeValue();
    } else if (arg === '--xgi') {
      options.xgi = takeValue();
    } else if (arg === '--quick') {
      options.quick = true;
    } else if (arg === '--benchmarks-md') {
      options.benchmarksMd = true;
    } else if (arg === '--no-benchmarks-md') {
      options.benchmarksMd = false;
    } else if (arg === '--list') {
      options.list = true;
    } else if (arg === '-h' || arg === '--help') {
      options.help = true;
    } else {
      throw new Error(`unknown argument: ${argv[i]}`);
    }
  }
  if (options.quick) {
    if (!explicit.has('duration')) options.duration = 2;
    if (!explicit.has('warmup')) options.warmup = 1;
  }
  for (const key of ['duration', 'warmup', 'workers', 'connections', 'wrkThreads', 'rounds']) {
    // wrk takes whole seconds; the others are counts
    options[key] = Math.max(1, Math.round(options[key]));
  }
  return Object.freeze(options);
}
