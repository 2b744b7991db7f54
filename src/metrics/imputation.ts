/**
 * ROAD's noisy linear imputation (Rong et al. 2022): every removed position takes the
 * weighted mean of its 8 neighbours (weight 1/6 for the 4 direct, 1/12 for the diagonal
 * ones, neighbours outside the image dropped), solved jointly over all removed positions,
 * per channel; then N(0, noise^2) is added to the imputed values. Kept positions are
 * untouched, so nothing changes where nothing is removed.
 *
 * The system (sum_j w_ij) x_i - sum_{j removed} w_ij x_j = sum_{j kept} w_ij x_j is a
 * weighted graph Laplacian with a boundary: symmetric positive definite whenever some
 * position is kept. Solved in float64 by a Cholesky factorisation (one serves all channels):
 * within the envelope of the position order while that is cheap (envelopeCholesky.ts:
 * narrow images, scattered removed pixels), else with the unknowns in nested-dissection
 * order (sparseCholesky.ts: large removed regions of large images, 6x less CPU than the
 * envelope on a 224 x 224 ROAD curve); conjugate gradients preconditioned with symmetric
 * SOR (conjugateGradients.ts) on request, to cross-check. Quantus and the authors use a
 * sparse direct solve: the same solution.
 */
import type { Rng } from '../random.js';
import type { Geometry } from './features.js';
import { conjugateGradients } from './conjugateGradients.js';
import { envelopeCholeskySolve, envelopeOf } from './envelopeCholesky.js';
import { choleskyFactor, choleskySolve, gridDissection } from './sparseCholesky.js';

/**
 * 'auto': the envelope Cholesky while its work is small, else the nested-dissection one;
 * 'envelope', 'nested' and 'cg' force a solver (tests cross-check them).
 */
export type ImputationSolver = 'auto' | 'envelope' | 'nested' | 'cg';

/** Envelope work (sum of squared row widths) below which the envelope Cholesky is used. */
const ENVELOPE_WORK = 8_000_000;
/** Largest envelope factor storage (values) of the automatic choice: 2M doubles, 16 MB. */
const ENVELOPE_VALUES = 2_000_000;

const NEIGHBOURS: ReadonlyArray<[number, number, number]> = [
  [1, 1, 1 / 12], [0, 1, 1 / 6], [-1, 1, 1 / 12], [1, -1, 1 / 12],
  [0, -1, 1 / 6], [-1, -1, 1 / 12], [1, 0, 1 / 6], [-1, 0, 1 / 6],
];

/**
 * The imputation of one geometry, keeping its buffers (the element table, the system's
 * arrays, the ordering) from one call to the next: ROAD imputes every image at every percentage.
 */
export class NoisyLinearImputer {
  private readonly elements: Int32Array;
  private readonly ids: Int32Array;
  private readonly vars: Int32Array;
  private readonly L: Int32Array;
  private readonly LW: Float64Array;
  private readonly U: Int32Array;
  private readonly UW: Float64Array;
  private readonly loStart: Int32Array;
  private readonly upStart: Int32Array;
  private readonly diag: Float64Array;
  private readonly b: Float64Array;
  private readonly order: Int32Array;
  private readonly first: Int32Array;
  /** Each position's in-image neighbours (8 slots, NEIGHBOURS' order, -1 past its last) and their weights. */
  private readonly near: Int32Array;
  private readonly nearW: Float64Array;
  /** Storage reused by the envelope factorisation. */
  private readonly scratch: { factor?: Float64Array } = {};

  constructor(
    private readonly g: Geometry,
    private readonly noise: number,
    private readonly solver: ImputationSolver = 'auto',
    private readonly tolerance = 1e-10,
  ) {
    const P = g.positions, C = g.channels;
    this.elements = new Int32Array(P * C);
    for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) this.elements[p * C + c] = g.element(p, c);
    this.ids = new Int32Array(P);
    this.vars = new Int32Array(P);
    this.order = new Int32Array(P);
    this.first = new Int32Array(P);
    this.L = new Int32Array(4 * P);
    this.LW = new Float64Array(4 * P);
    this.U = new Int32Array(4 * P);
    this.UW = new Float64Array(4 * P);
    this.loStart = new Int32Array(P + 1);
    this.upStart = new Int32Array(P + 1);
    this.diag = new Float64Array(P);
    this.b = new Float64Array(P * C);
    const [h, w] = g.hw;
    this.near = new Int32Array(8 * P).fill(-1);
    this.nearW = new Float64Array(8 * P);
    for (let p = 0; p < P; p++) {
      const y = Math.floor(p / w), x = p - y * w;
      let k = 8 * p;
      for (const [dy, dx, wt] of NEIGHBOURS) {
        const yy = y + dy, xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        this.near[k] = yy * w + xx;
        this.nearW[k++] = wt;
      }
    }
  }

  /** Fill the removed positions of `dest` (one example, holding the input) in place. */
  impute(dest: Float32Array, removed: Uint8Array, rng?: Rng): void {
    const { g, ids, vars, L, LW, U, UW, loStart, upStart, diag, b, elements, near, nearW } = this;
    const [h, w] = g.hw;
    const C = g.channels;
    let m = 0;
    for (let p = 0; p < g.positions; p++) ids[p] = removed[p] ? m++ : -1;
    if (m === 0) return;
    if (m === g.positions) throw new Error('noisy linear imputation needs at least one kept position (every position was removed)');
    for (let p = 0; p < g.positions; p++) if (ids[p] >= 0) vars[ids[p]] = p;
    // couplings between unknowns (CSR, lower and upper in position order), diagonal, right-hand sides
    diag.fill(0, 0, m);
    b.fill(0, 0, m * C);
    let nl = 0, nu = 0;
    for (let v = 0; v < m; v++) {
      for (let t = 8 * vars[v], end = t + 8; t < end && near[t] >= 0; t++) {
        const q = near[t], wt = nearW[t], id = ids[q];
        diag[v] += wt;
        if (id < 0) for (let c = 0; c < C; c++) b[v * C + c] += wt * dest[elements[q * C + c]];
        else if (id < v) (L[nl] = id), (LW[nl++] = wt);
        else (U[nu] = id), (UW[nu++] = wt);
      }
      loStart[v + 1] = nl;
      upStart[v + 1] = nu;
    }
    const system = { m, diag, loStart, lo: L, loW: LW, upStart, up: U, upW: UW };
    let x: Float64Array;
    const envelope = this.solver === 'nested' || this.solver === 'cg' ? undefined : envelopeOf(m, loStart, L, this.first);
    if (this.solver === 'cg') x = conjugateGradients(system, b.subarray(0, m * C), C, this.tolerance);
    else if (envelope && (this.solver === 'envelope' || (envelope.work <= ENVELOPE_WORK && m * (envelope.band + 2) <= ENVELOPE_VALUES))) {
      x = envelopeCholeskySolve(m, this.first, envelope.band, diag, loStart, L, LW, b, C, this.scratch);
    } else {
      const order = gridDissection(ids, h, w, m, this.order.subarray(0, m));
      x = choleskySolve(choleskyFactor(system, order), order, b, C);
    }
    const noise = rng ? this.noise : 0;
    for (let v = 0; v < m; v++) for (let c = 0; c < C; c++) dest[elements[vars[v] * C + c]] = x[v * C + c] + (noise > 0 ? noise * rng!.normal() : 0);
  }
}

/** One imputation (see NoisyLinearImputer to impute many images of one geometry). */
export function noisyLinearImputation(
  dest: Float32Array, removed: Uint8Array, g: Geometry, noise: number, rng?: Rng,
  solver: ImputationSolver = 'auto', tolerance = 1e-10,
): void {
  new NoisyLinearImputer(g, noise, solver, tolerance).impute(dest, removed, rng);
}
