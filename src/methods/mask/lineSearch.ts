/**
 * The backtracking (Armijo) line search of I-GOS (khorrams/IGOS_pp, methods_helper.line_search), and the
 * bound that lets it skip model runs without changing a single step.
 *
 * The search never needs a candidate's loss itself, only whether it lies above the candidate's limit
 * `base + a t`. An I-GOS loss is path scores (means of the target's probability, each in [0, 1]) combined
 * with signs, plus penalties (L1, TV) computed without the model. So the loss is asked with its limit, and
 * scores are computed one at a time only while the loss could still be at or below it: with every unknown
 * score at its worst (the lowest where it is added, the highest where it is subtracted) the sum is a lower
 * bound of the loss, and once that bound is above the limit the candidate is rejected, exactly as the full
 * loss would have been. Float64 addition and subtraction round monotonically in each operand, so the bound,
 * computed in the loss's own order, is never above the loss computed in full. The reference's first steps
 * (alpha 1000, 200, 40 ...) delete most of the mask, and their L1 + TV alone exceed the limit: those
 * candidates now cost no model run. (A model whose output holds NaN or infinities breaks the [0, 1] premise;
 * such outputs break the reference's search as well.) `Orbit`, below, stops an optimisation whose masks
 * went round to an earlier state.
 */
import { maskValue } from './common.js';

/**
 * A loss the line search asks with a limit: it returns the loss, or, as soon as it can prove the loss is
 * above `limit`, any number above `limit` (the search only compares the two). `limit` Infinity asks for the
 * loss itself.
 */
export type BoundedLoss = (m: Float64Array, limit: number) => Promise<number>;

/**
 * From `alpha`, shrink by `decay` until loss(clamp(m - a g)) <= loss(m) - beta a |g|^2, or a < 1e-5 (that
 * last step is taken whatever its loss). Returns the step.
 */
export async function lineSearch(m: Float64Array, grad: Float64Array, loss: BoundedLoss, alpha: number, beta = 1e-4, decay = 0.2): Promise<number> {
  const base = await loss(m, Infinity);
  let g2 = 0;
  for (const v of grad) g2 += v * v;
  const t = -beta * g2;
  let a = alpha;
  const cand = new Float64Array(m.length);
  for (;;) {
    for (let i = 0; i < m.length; i++) cand[i] = maskValue(m[i] - a * grad[i]);
    const limit = base + a * t;
    // below the floor the step is taken whatever the loss: the loss is still asked (it draws its path noise,
    // as the reference evaluates this candidate), with no limit to beat
    if (!(a >= 1e-5)) {
      await loss(cand, -Infinity);
      return a;
    }
    if (!((await loss(cand, limit)) > limit)) return a;
    a *= decay;
  }
}

/** One signed path score of a loss: `score()` runs the model (or recalls a cached path). */
export interface ScoreTerm {
  sign: 1 | -1;
  score: () => Promise<number>;
}

/**
 * ((0 ± s0) ± s1 ...) + penalty, computed in this order (s0 enters exactly), scores asked one at a time
 * (subtracted ones first) until the loss is known or its lower bound exceeds `limit` (see the file comment).
 * `range`: the values a score can take ([0, 1] for probabilities; [-Infinity, Infinity] when nothing is known: every score is
 * computed).
 */
export async function boundedLoss(terms: readonly ScoreTerm[], penalty: number, limit: number, range: readonly [number, number]): Promise<number> {
  const known: Array<number | undefined> = terms.map(() => undefined);
  const sum = () => {
    let l = 0;
    terms.forEach((term, j) => {
      const v = known[j] ?? (term.sign > 0 ? range[0] : range[1]);
      l = term.sign > 0 ? l + v : l - v;
    });
    return l + penalty;
  };
  // subtracted scores first: for I-GOS++ they are insertion scores, high where the mask works, so their
  // worst case (the top of the range) is the looser guess; the sum keeps its order whatever is asked first
  const order = terms.map((_, j) => j).sort((i, j) => terms[i].sign - terms[j].sign || i - j);
  for (const j of order) {
    const bound = sum();
    if (bound > limit) return bound;
    known[j] = await terms[j].score();
  }
  return sum();
}

/**
 * The masks a line-search optimisation has visited, to stop at a cycle. Without path noise an iteration is a
 * pure function of its masks (the same gradient, the same search, the same step), so once the masks repeat an
 * earlier state bit for bit, the remaining iterations only go round that cycle and the final masks are known
 * without running them. It happens when the search rejects every candidate down to its floor: the last step
 * rounds away (a cycle of one: the benchmark's random-weight model never moves its mask) or crosses the L1
 * kink at m = 1 and the next one crosses back (a cycle of two). The last `window` states are kept (memory:
 * `window` masks); with noise nothing is kept and nothing is skipped.
 */
export class Orbit {
  private readonly states: Array<{ index: number; state: Float64Array }> = [];
  private index = 0;
  constructor(
    private readonly iterations: number,
    private readonly noise: number,
    private readonly window = 8,
  ) {}

  /**
   * Record the masks at the start (first call) and after each iteration; returns the final masks (after all
   * `iterations`) as soon as a cycle determines them, else undefined.
   */
  visit(state: Float64Array): Float64Array | undefined {
    const index = this.index++;
    if (this.noise > 0) return undefined;
    const same = this.states.find((s) => equalMasks(s.state, state));
    if (same) return this.states.find((s) => s.index === same.index + ((this.iterations - same.index) % (index - same.index)))!.state;
    this.states.push({ index, state: Float64Array.from(state) });
    if (this.states.length > this.window) this.states.shift();
    return undefined;
  }
}

function equalMasks(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
