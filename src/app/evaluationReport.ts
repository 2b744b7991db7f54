/**
 * An Evaluation (src/metrics/evaluate.ts) as the report shows it: the methods x metrics
 * table of mean ± sd and one plot per curve metric (viz/curvePlots), plain data for
 * src/report.
 */
import type { Evaluation } from '../metrics/evaluate.js';
import { getMetric } from '../metrics/registry.js';
import type { ReportEvaluation } from '../report/types.js';
import { metricCurvePlot, type MethodCurves } from '../viz/index.js';

export interface EvaluationReportOptions {
  id: string;
  title: string;
  description?: string;
  /** Column titles by method id (default: the id). */
  titles?: Record<string, string>;
  notes?: string[];
}

export function evaluationReport(e: Evaluation, o: EvaluationReportOptions): ReportEvaluation {
  const metrics = e.metrics.map((name) => {
    const d = getMetric(name);
    return { name, title: d.title, higherIsBetter: d.higherIsBetter };
  });
  const scores = e.methods.map((m) =>
    e.metrics.map((k) => {
      const r = e.rows.find((x) => x.method === m && x.metric === k)!;
      return { mean: r.mean, sd: r.sd, count: r.count };
    }),
  );
  const plots: ReportEvaluation['plots'] = [];
  for (const [k, name] of e.metrics.entries()) {
    const curves: MethodCurves[] = [];
    let labels: [string, string] | undefined;
    for (const m of e.methods) {
      const c = e.results[m][name]?.curves;
      if (!c || c.y.length === 0) continue;
      labels ??= [c.xLabel, c.yLabel];
      curves.push({ method: o.titles?.[m] ?? m, x: c.x, y: c.y, control: c.control });
    }
    if (labels) plots.push({ metric: name, svg: metricCurvePlot(metrics[k].title, labels[0], labels[1], curves) });
  }
  return {
    id: o.id,
    title: o.title,
    description: o.description,
    inputs: e.inputs,
    metrics,
    methods: e.methods.map((id) => ({ id, title: o.titles?.[id] ?? id })),
    scores,
    plots,
    notes: o.notes,
  };
}
