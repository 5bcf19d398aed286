// How long each fuzz property runs: a short run in `npm test` (a few seconds
// for all of test/fuzz/), a long one on demand:
//
//   XGI_FUZZ_RUNS=100000 node --test test/fuzz/
//
// fast-check picks a new seed each run and prints it with any failure;
// XGI_FUZZ_SEED=<seed> replays that run.
export function fuzzOptions(defaultRuns) {
  const numRuns = Number(process.env.XGI_FUZZ_RUNS) || defaultRuns;
  const seed = process.env.XGI_FUZZ_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed) };
}

/** Split `bytes` at the given cut points (any numbers; taken modulo the length). */
export function cutAt(bytes, cuts) {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const pieces = [];
  let from = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}
