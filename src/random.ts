/**
 * A small seeded random generator: xoshiro128** (Blackman & Vigna), seeded through
 * splitmix32, with Box-Muller normals. The same seed gives the same numbers on every
 * platform (only 32-bit integer arithmetic and IEEE doubles are involved).
 *
 * The project's seeded generator, at the bottom (it imports nothing): baseline samplers,
 * methods and the methods' test inputs draw from it. (engine/gradcheck.ts and the tfjs
 * test models keep their own small generators: their finite-difference tests were
 * tuned on those exact inputs, some close to kinks.)
 *
 * Streams: `rngFor(seed, a, b, ...)` derives an independent generator per stream id
 * (e.g. one per example), so an example's random draws do not depend on how many
 * other examples run beside it or on how the work is batched.
 */

/** splitmix32's output for the state after `k` steps from `state` (k = 1..4 seed the four words). */
function splitmix32(state: number, k: number): number {
  let z = (state + Math.imul(0x9e3779b9, k)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashNumber(h: number, value: number): number {
  // Mix an integer (or the two 32-bit halves of a float) into h (allocation-free: generators
  // are made per example and per draw, thousands per metric call).
  const lo = value | 0;
  const hi = Number.isInteger(value) ? Math.floor(value / 4294967296) | 0 : Math.floor(value * 4294967296) | 0;
  h = Math.imul(h ^ lo, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h ^ hi, 0x9e3779b1);
  h ^= h >>> 15;
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  /** A generator from a seed (any finite number) and optional stream ids. */
  constructor(seed = 0, ...stream: number[]) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    let h = hashNumber(0x6a09e667, seed);
    for (let i = 0; i < stream.length; i++) h = hashNumber(h, stream[i]);
    this.a = splitmix32(h, 1);
    this.b = splitmix32(h, 2);
    this.c = splitmix32(h, 3);
    this.d = splitmix32(h, 4);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next unsigned 32-bit integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1), 53 bits. */
  float(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`int(n) needs n >= 1, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u1 = 1 - this.float(); // (0, 1]
    const u2 = this.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Fill with N(mean, sd). */
  fillNormal(dest: Float32Array, mean = 0, sd = 1): Float32Array {
    for (let i = 0; i < dest.length; i++) dest[i] = mean + sd * this.normal();
    return dest;
  }

  /** Fill with U(lo, hi). */
  fillUniform(dest: Float32Array, lo = 0, hi = 1): Float32Array {
    for (let i = 0; i < dest.length; i++) dest[i] = lo + (hi - lo) * this.float();
    return dest;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** An independent generator for a stream of a seed, e.g. `rngFor(seed, exampleIndex)`. */
export function rngFor(seed: number, ...stream: number[]): Rng {
  return new Rng(seed, ...stream);
}
