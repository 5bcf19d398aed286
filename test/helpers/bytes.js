// Byte helpers for golden-byte and chunking tests.

/** Golden bytes are written as hex with spaces between fields. */
export const hex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** mulberry32: a small seeded PRNG, so a failing chunking can be replayed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
