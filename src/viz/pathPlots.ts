/**
 * The Integrated Gradients path figures (Sturmfels et al., "Visualizing the Impact of
 * Feature Attribution Baselines"), and ablation curves, as SVG line plots:
 * - convergence: the attribution accumulated up to alpha, sum(phi(alpha)), beside what
 *   completeness says it must reach, f(path(alpha)) - f(x'), and the line f(x) - f(x');
 * - saturation: the output f along the path (it often flattens early: the gradients there are small);
 * - ablation: scores as more and more of the input is removed, one line per method.
 * Inputs are plain arrays; the methods' PathData fits `PathLike` as it is.
 */
import { formatNumber, linePlot, type LinePlotOptions, type Series } from './svg.js';

/** One example's curves along the path. */
export interface PathCurves {
  alphas: ArrayLike<number>;
  /** f(path(alpha)) at each alpha. */
  output: ArrayLike<number>;
  /** sum(phi(alpha)): the attribution accumulated from 0 to alpha. */
  attributionSum: ArrayLike<number>;
  fx: number;
  fBaseline: number;
}

/** What integratedGradientsPath returns (curves row-major [n, points]); structural, no import. */
export interface PathLike {
  curve: { alphas: ArrayLike<number>; output: ArrayLike<number>; attributionSum: ArrayLike<number> };
  fx: ArrayLike<number>;
  fBaseline: ArrayLike<number>;
}

/** Example `index`'s curves out of a batch's path data. */
export function pathCurves(path: PathLike, index = 0): PathCurves {
  const points = path.curve.alphas.length;
  const n = path.fx.length;
  if (!(Number.isInteger(index) && index >= 0 && index < n)) throw new Error(`example ${index} is out of range (path data for ${n})`);
  if (path.curve.output.length !== n * points) throw new Error(`path curve holds ${path.curve.output.length} values, expected ${n} x ${points}`);
  const row = (a: ArrayLike<number>) => Float64Array.from({ length: points }, (_, j) => a[index * points + j]);
  return {
    alphas: Float64Array.from(path.curve.alphas),
    output: row(path.curve.output),
    attributionSum: row(path.curve.attributionSum),
    fx: path.fx[index],
    fBaseline: path.fBaseline[index],
  };
}

/** sum(phi(alpha)) and f(path(alpha)) - f(x') against alpha, with f(x) - f(x') as a dashed line. */
export function convergencePlot(c: PathCurves, options: LinePlotOptions = {}): string {
  const gap = c.fx - c.fBaseline;
  const series: Series[] = [
    { name: 'sum of attributions up to alpha', x: c.alphas, y: c.attributionSum, colour: '#4e79a7' },
    { name: "f(path(alpha)) - f(x')", x: c.alphas, y: Float64Array.from(c.output, (v) => v - c.fBaseline), colour: '#f28e2b', dash: '6 3' },
  ];
  const last = c.attributionSum[c.attributionSum.length - 1];
  return linePlot(series, {
    title: `Completeness: sum(phi) = ${formatNumber(last)} vs f(x) - f(x') = ${formatNumber(gap)}`,
    xLabel: 'alpha',
    yLabel: 'attribution / output difference',
    references: [{ y: gap, label: "f(x) - f(x')", colour: '#59a14f' }],
    ...options,
  });
}

/** f(path(alpha)) against alpha, with f(x') and f(x) marked. */
export function saturationPlot(c: PathCurves, options: LinePlotOptions = {}): string {
  return linePlot([{ name: 'f(path(alpha))', x: c.alphas, y: c.output, colour: '#e15759' }], {
    title: 'Output along the path',
    xLabel: 'alpha',
    yLabel: 'target output',
    references: [
      { y: c.fBaseline, label: "f(x')", colour: '#888' },
      { y: c.fx, label: 'f(x)', colour: '#59a14f' },
    ],
    legend: false,
    ...options,
  });
}

export interface AblationCurve {
  /** e.g. the method's name. */
  name: string;
  /** Fraction (or percent) of the input removed at each step. */
  x: ArrayLike<number>;
  /** The score (target output, accuracy ...) after removing that much. */
  y: ArrayLike<number>;
}

/** Ablation / deletion curves, one line per method, markers on each step. */
export function ablationPlot(curves: readonly AblationCurve[], options: LinePlotOptions = {}): string {
  return linePlot(
    curves.map((c) => ({ name: c.name, x: c.x, y: c.y, markers: true })),
    { title: 'Ablation', xLabel: 'fraction of the input removed', yLabel: 'score', legend: true, ...options },
  );
}
