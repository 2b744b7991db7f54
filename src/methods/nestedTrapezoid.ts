/**
 * The trapezoid rule refined by halving its spacing, reusing every gradient already
 * computed: n points (alphas j / (n - 1)) become 2n - 1, and only the n - 1 midpoints
 * are new. Integrated Gradients' steps 'auto' with the 'trapezoid' rule uses it, so
 * reaching 2n - 1 points costs 2n - 1 gradients in all instead of about 4n when every
 * doubling starts afresh (the other rules' nodes do not nest).
 *
 * Memory: two float64 sums per input element (interior points, end points) for every
 * input being refined.
 */
import type { Runner } from './runner.js';

export class NestedTrapezoid {
  private readonly interior: Float64Array;
  private readonly ends: Float64Array;
  private readonly diff: Float32Array;
  /** Points so far, per input (0: not started). */
  private readonly points: number[];

  constructor(
    private readonly runner: Runner,
    private readonly x: Float32Array,
    private readonly baselines: Float32Array,
  ) {
    const n = x.length / runner.per;
    this.interior = new Float64Array(x.length);
    this.ends = new Float64Array(x.length);
    this.diff = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) this.diff[i] = x[i] - baselines[i];
    this.points = new Array(n).fill(0);
  }

  /**
   * Bring the listed inputs (all at the same level) to n points: n itself the first
   * time, else 2 * previous - 1. Returns phi, row r for input examples[r].
   */
  async refine(examples: readonly number[], n: number): Promise<Float32Array> {
    const per = this.runner.per;
    const before = this.points[examples[0]];
    if (examples.some((e) => this.points[e] !== before)) throw new Error('NestedTrapezoid.refine: the inputs are at different levels');
    if (before !== 0 && n !== 2 * before - 1) throw new Error(`NestedTrapezoid.refine: ${before} points refine to ${2 * before - 1}, not ${n}`);
    if (n < 2) throw new Error('the trapezoid rule needs at least 2 points');
    // the new alphas, and whether each is an end point
    const alphas: number[] = [];
    const isEnd: boolean[] = [];
    if (before === 0) {
      for (let j = 0; j < n; j++) {
        alphas.push(j / (n - 1));
        isEnd.push(j === 0 || j === n - 1);
      }
    } else {
      for (let j = 0; j < before - 1; j++) {
        alphas.push((2 * j + 1) / (2 * (before - 1)));
        isEnd.push(false);
      }
    }
    const m = alphas.length;
    await this.runner.stream(
      examples.length * m,
      (p) => examples[Math.floor(p / m)],
      (p, dest) => {
        const o = examples[Math.floor(p / m)] * per;
        const a = Math.fround(alphas[p % m]);
        for (let j = 0; j < per; j++) dest[j] = this.baselines[o + j] + Math.fround(a * this.diff[o + j]);
      },
      (start, count, grads) => {
        for (let i = 0; i < count; i++) {
          const p = start + i;
          const o = examples[Math.floor(p / m)] * per;
          const sums = isEnd[p % m] ? this.ends : this.interior;
          for (let j = 0; j < per; j++) sums[o + j] += grads[i * per + j];
        }
      },
    );
    const phi = new Float32Array(examples.length * per);
    examples.forEach((e, r) => {
      this.points[e] = n;
      const o = e * per;
      for (let j = 0; j < per; j++) phi[r * per + j] = ((this.interior[o + j] + this.ends[o + j] / 2) / (n - 1)) * this.diff[o + j];
    });
    return phi;
  }
}
