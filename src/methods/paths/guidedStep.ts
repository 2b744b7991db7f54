/**
 * One step of Guided IG's adaptive path for one input (PAIR saliency's inner loop of
 * `guided_ig_impl`), in float64, with numpy's quantile and math.isclose. See guidedIG.ts.
 */
import { numpySum } from '../../masks/numeric.js';

/** numpy.quantile(values, q, method='lower'): the floor((n - 1) q)-th smallest (values is reordered). */
export function quantileLower(values: Float64Array, q: number): number {
  let k = Math.floor((values.length - 1) * q);
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i++] = values[j];
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

const EPSILON = 1e-9;
const isClose = (a: number, b: number) => Math.abs(a - b) <= Math.max(EPSILON * Math.max(Math.abs(a), Math.abs(b)), EPSILON);

/** One Guided IG step for one input (PAIR's inner loop): moves x, adds to attr; false when stalled. */
export function guidedStep(
  x: Float64Array,
  xi: Float64Array,
  xb: Float64Array,
  grad: Float32Array,
  attr: Float64Array,
  step: number,
  steps: number,
  fraction: number,
  maxDist: number,
  l1Total: number,
): boolean {
  const d = x.length;
  const alpha = (step + 1) / steps;
  const aMin = Math.max(alpha - maxDist, 0);
  const aMax = Math.min(alpha + maxDist, 1);
  const xMin = new Float64Array(d);
  const xMax = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    xMin[j] = xb[j] + (xi[j] - xb[j]) * aMin;
    xMax[j] = xb[j] + (xi[j] - xb[j]) * aMax;
  }
  const l1Target = l1Total * (1 - (step + 1) / steps);
  const xOld = new Float64Array(d);
  const tmp = new Float64Array(d);
  const g = new Float64Array(d);
  const selected = new Uint8Array(d);
  let gamma = Infinity;
  while (gamma > 1) {
    xOld.set(x);
    for (let j = 0; j < d; j++) {
      const diff = xi[j] - xb[j];
      const a = diff !== 0 ? (x[j] - xb[j]) / diff : aMax;
      if (a < aMin) x[j] = xMin[j];
    }
    for (let j = 0; j < d; j++) tmp[j] = Math.abs(x[j] - xi[j]);
    const l1Current = numpySum(tmp);
    if (isClose(l1Target, l1Current)) {
      for (let j = 0; j < d; j++) attr[j] += (x[j] - xOld[j]) * grad[j];
      return true;
    }
    for (let j = 0; j < d; j++) g[j] = x[j] === xMax[j] ? Infinity : Math.abs(grad[j]);
    const threshold = quantileLower(Float64Array.from(g), fraction);
    let any = false;
    for (let j = 0; j < d; j++) {
      selected[j] = g[j] <= threshold && g[j] !== Infinity ? 1 : 0;
      tmp[j] = selected[j] ? Math.abs(x[j] - xMax[j]) : 0;
      any ||= selected[j] === 1 && tmp[j] > 0;
    }
    const l1S = numpySum(tmp);
    gamma = l1S > 0 ? (l1Current - l1Target) / l1S : Infinity;
    if (gamma > 1) {
      for (let j = 0; j < d; j++) if (selected[j]) x[j] = xMax[j];
    } else {
      for (let j = 0; j < d; j++) if (selected[j]) x[j] = x[j] + (xMax[j] - x[j]) * gamma;
    }
    for (let j = 0; j < d; j++) attr[j] += (x[j] - xOld[j]) * grad[j];
    if (!any && gamma > 1) return false; // nothing can move: PAIR would spin here forever
  }
  return true;
}
