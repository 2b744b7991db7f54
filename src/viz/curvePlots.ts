/**
 * Metric curves as SVG line plots (deletion, insertion, pixel flipping, ablations): one
 * series per method, the mean curve over the inputs, with the random-ranking control
 * (mean over inputs and methods) dashed grey where the metric drew one.
 */
import { linePlot, type Series } from './svg.js';

export interface MethodCurves {
  method: string;
  x: readonly number[];
  /** One curve per input. */
  y: readonly (readonly number[])[];
  control?: readonly (readonly number[])[];
}

const EXTRA = ['#17becf', '#393b79', '#8c6d31', '#843c39', '#7b4173', '#637939'];

/** The mean of several curves of equal length. */
export function meanCurve(curves: readonly (readonly number[])[]): number[] {
  if (curves.length === 0) return [];
  const out = new Array<number>(curves[0].length).fill(0);
  for (const c of curves) for (let i = 0; i < out.length; i++) out[i] += c[i] / curves.length;
  return out;
}

/** One metric's curves: the methods' means and the random control. */
export function metricCurvePlot(title: string, xLabel: string, yLabel: string, curves: readonly MethodCurves[], options: { width?: number; height?: number } = {}): string {
  // Tableau10 has ten colours: further methods get colours of their own, not a repeat
  const series: Series[] = curves.map((c, i) => ({ name: c.method, x: c.x, y: meanCurve(c.y), markers: c.x.length <= 12, colour: i >= 10 ? EXTRA[(i - 10) % EXTRA.length] : undefined }));
  const controls = curves.filter((c) => c.control && c.control.length > 0);
  if (controls.length > 0) {
    series.push({ name: 'random ranking (control)', x: controls[0].x, y: meanCurve(controls.flatMap((c) => c.control!)), colour: '#888888', dash: '5 4' });
  }
  return linePlot(series, { width: options.width ?? 440, height: options.height ?? 280, title, xLabel, yLabel, legend: false });
}
