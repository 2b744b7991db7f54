/**
 * Gauss-Legendre nodes and weights on [-1, 1], as numpy.polynomial.legendre.leggauss(n).
 *
 * Small n (and the few nodes nearest ±1 for any n): Newton's method on P_n, evaluated by
 * its three-term recurrence (O(n) per evaluation). Large n: the roots are swept from the
 * middle outwards, each found by Newton on the Taylor series of P_n about the previous
 * root, whose coefficients come from Legendre's equation (1 - x²) y'' - 2x y' + n(n+1) y = 0
 * differentiated k times:
 *
 *   (1 - x²)(k+2)(k+1) c_{k+2} - 2x (k+1)² c_{k+1} + (n(n+1) - k(k+1)) c_k = 0,
 *
 * so each node costs O(1) (Glaser, Liu and Rokhlin's idea) and 16k nodes take milliseconds
 * instead of seconds. A root's position does not depend on the scale of P_n, so nodes are
 * exact to rounding; the weights 2 / ((1 - x²) P_n'(x)²) are normalised to sum to 2 as numpy
 * does, which removes any slow drift of the carried derivative.
 */

/** Below this n every node uses the recurrence (bit-identical to the original rule). */
const TAYLOR_FROM = 128;
/** Nodes nearest ±1 (where the series converges slowly) always use the recurrence. */
const EDGE_NODES = 16;
/** Terms of the Taylor series. */
const TERMS = 30;

function legendre(n: number, x: number): { p: number; dp: number } {
  let p0 = 1;
  let p1 = x;
  for (let k = 2; k <= n; k++) {
    const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  const p = n === 0 ? 1 : p1;
  const pPrev = n === 0 ? 0 : p0;
  return { p, dp: (n * (x * p - pPrev)) / (x * x - 1) };
}

/** Newton on the recurrence from `start`; returns the root and P_n' there. */
function newtonRecurrence(n: number, start: number): { x: number; dp: number } {
  let r = start;
  for (let it = 0; it < 100; it++) {
    const { p, dp } = legendre(n, r);
    const dr = p / dp;
    r -= dr;
    if (Math.abs(dr) < 1e-16) break;
  }
  return { x: r, dp: legendre(n, r).dp };
}

/** The i-th root in ascending order, i = 0..n-1 (Chebyshev-like start). */
const chebyshevStart = (n: number, i: number) => -Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));

/** Taylor coefficients of P_n about x, given y = P_n(x) and y' = P_n'(x). */
function taylor(n: number, x: number, y: number, dy: number, c: Float64Array): void {
  const nn = n * (n + 1);
  const a = 1 - x * x;
  c[0] = y;
  c[1] = dy;
  for (let k = 0; k + 2 < c.length; k++) {
    c[k + 2] = (2 * x * (k + 1) * (k + 1) * c[k + 1] - (nn - k * (k + 1)) * c[k]) / (a * (k + 2) * (k + 1));
  }
}

function series(c: Float64Array, h: number): { p: number; dp: number } {
  let p = 0;
  let dp = 0;
  for (let k = c.length - 1; k >= 1; k--) {
    p = p * h + c[k];
    dp = dp * h + k * c[k];
  }
  return { p: p * h + c[0], dp };
}

/** The positive roots (ascending) and P_n' at each, by the Taylor sweep from 0. */
function positiveRoots(n: number): { x: Float64Array; dp: Float64Array } {
  const half = Math.floor(n / 2);
  const x = new Float64Array(half);
  const dp = new Float64Array(half);
  const c = new Float64Array(TERMS);
  // start at 0: a root when n is odd, an extremum when n is even
  const at0 = legendre(n, 0);
  let px = 0;
  let py = n % 2 === 1 ? 0 : at0.p;
  let pdy = n % 2 === 1 ? at0.dp : 0;
  const first = n - half; // index (ascending, over all n roots) of the first positive root
  const sweep = Math.max(0, half - EDGE_NODES);
  for (let j = 0; j < sweep; j++) {
    taylor(n, px, py, pdy, c);
    let h = chebyshevStart(n, first + j) - px;
    for (let it = 0; it < 20; it++) {
      const s = series(c, h);
      const dh = s.p / s.dp;
      h -= dh;
      if (Math.abs(dh) <= 1e-16 * Math.max(1, Math.abs(px + h))) break;
    }
    const root = px + h;
    const d = series(c, h).dp;
    x[j] = root;
    dp[j] = d;
    px = root;
    py = 0;
    pdy = d;
  }
  for (let j = sweep; j < half; j++) {
    const r = newtonRecurrence(n, chebyshevStart(n, first + j));
    x[j] = r.x;
    dp[j] = r.dp;
  }
  return { x, dp };
}

function rawNodes(n: number): { x: number[]; w: number[] } {
  const x = new Array<number>(n);
  const w = new Array<number>(n);
  if (n < TAYLOR_FROM) {
    for (let i = 0; i < n; i++) {
      const r = newtonRecurrence(n, chebyshevStart(n, i));
      x[i] = r.x;
      w[i] = 2 / ((1 - r.x * r.x) * r.dp * r.dp);
    }
    return { x, w };
  }
  const pos = positiveRoots(n);
  const half = pos.x.length;
  const weight = (r: number, d: number) => 2 / ((1 - r * r) * d * d);
  if (n % 2 === 1) {
    x[half] = 0;
    const d0 = legendre(n, 0).dp;
    w[half] = weight(0, d0);
  }
  for (let j = 0; j < half; j++) {
    const up = n - half + j;
    const down = half - 1 - j;
    x[up] = pos.x[j];
    x[down] = -pos.x[j];
    w[up] = w[down] = weight(pos.x[j], pos.dp[j]);
  }
  return { x, w };
}

/** numpy.polynomial.legendre.leggauss(n): nodes (ascending) and weights on [-1, 1]. */
export function legendreGauss(n: number): { nodes: number[]; weights: number[] } {
  if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`Gauss-Legendre needs a positive integer number of steps, got ${n}`);
  if (n === 1) return { nodes: [0], weights: [2] };
  const { x, w } = rawNodes(n);
  // symmetrise and normalise like numpy
  const xs = x.map((v, i) => (v - x[n - 1 - i]) / 2);
  const ws = w.map((v, i) => (v + w[n - 1 - i]) / 2);
  const total = ws.reduce((a, b) => a + b, 0);
  return { nodes: xs, weights: ws.map((v) => (v * 2) / total) };
}

/** The same rule by the recurrence alone (O(n²)): the reference the fast path is tested against. */
export function legendreGaussByRecurrence(n: number): { nodes: number[]; weights: number[] } {
  const x = new Array<number>(n);
  const w = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const r = newtonRecurrence(n, chebyshevStart(n, i));
    x[i] = r.x;
    w[i] = 2 / ((1 - r.x * r.x) * r.dp * r.dp);
  }
  const xs = x.map((v, i) => (v - x[n - 1 - i]) / 2);
  const ws = w.map((v, i) => (v + w[n - 1 - i]) / 2);
  const total = ws.reduce((a, b) => a + b, 0);
  return { nodes: xs, weights: ws.map((v) => (v * 2) / total) };
}
