/**
 * What the HTML report shows, as plain data: pictures already encoded (data URIs), plots
 * already drawn (SVG strings from src/viz), numbers and words. The renderer (html.ts)
 * only lays it out, so anything (the CLI, the explorer, a notebook) can fill it in.
 */

/** An encoded picture: a data URI and its pixel size. */
export interface ReportImage {
  href: string;
  width: number;
  height: number;
}

export interface ReportPrediction {
  class: number;
  label: string;
  probability: number;
}

/** One column of the comparison: a method (with its baseline). */
export interface ReportColumn {
  id: string;
  /** 'Integrated Gradients'. */
  title: string;
  /** 'blur σ=5'. */
  subtitle?: string;
  /** The method as the library names it: 'integratedGradients', 'averageOverBaselines(integratedGradients)'. */
  method: string;
  params: Record<string, unknown>;
  /** The baseline in words. */
  baseline?: string;
  timings: {
    wallMs: number;
    modelMs: number;
    /** Examples through the model, forward and backward. */
    evaluations: number;
  };
  /** Mean |delta| over the rows, and mean |delta| / |f(x) - f(x')| where f(x') is known. */
  meanAbsDelta?: number;
  meanRelativeDelta?: number;
  /** What the values are when not input-shaped: 'a 7×7 map at layer ...', 'values at layer ... [8, 14, 14]'. */
  values?: string;
}

export interface ReportCell {
  /** The default view: the heat map over the input. */
  overlay: ReportImage;
  heatmap: ReportImage;
  signed: ReportImage;
  /** Lines under the picture: the prediction, the completeness delta. */
  caption: string[];
  /** Hover text: the numbers in full. */
  title?: string;
}

export interface ReportRow {
  /** The image's file name. */
  name: string;
  input: ReportImage;
  /** The true class, when known. */
  truth?: string;
  /** The class explained. */
  target: string;
  top: ReportPrediction[];
  /** One per column (null: not computed). */
  cells: (ReportCell | null)[];
}

export interface ReportPath {
  /** The row (image) it belongs to. */
  name: string;
  baseline: string;
  target: string;
  alphas: number[];
  inputs: ReportImage[];
  gradients: ReportImage[];
  cumulative: ReportImage[];
  /** SVG documents (viz convergencePlot / saturationPlot). */
  convergence: string;
  saturation: string;
  fx: number;
  fBaseline: number;
  /** sum(phi) at alpha = 1 (trapezoid rule on the fine path). */
  attributionSum: number;
  /** Shown open (the rest collapse). */
  open?: boolean;
}

export interface ReportSection {
  /** Anchor id (letters, digits, '-'). */
  id: string;
  title: string;
  /** A paragraph under the title. */
  description?: string;
  model: {
    spec: string;
    format: string;
    inputShape: number[];
    outputShape: number[];
    /** More facts, as label/value pairs (preprocessing, labels, ops ...). */
    details: Array<[string, string]>;
  };
  columns: ReportColumn[];
  rows: ReportRow[];
  /** Which picture the grid shows first; default 'overlay' ('heatmap' suits grey images, where an overlay hides little). */
  defaultView?: 'overlay' | 'heatmap' | 'signed';
  paths: ReportPath[];
  /** The grid as a PNG file beside the report (a relative link). */
  gridPng?: string;
  /** Remarks (choices made, caveats). */
  notes?: string[];
  /** Wall time of the section's work. */
  wallMs?: number;
}

/** One cell of the evaluation table: a metric's spread over the inputs for a method. */
export interface ReportScore {
  mean: number;
  sd: number;
  count: number;
}

/** An evaluation (`saliency evaluate`, the demo): methods x metrics, and the curves. */
export interface ReportEvaluation {
  id: string;
  title: string;
  description?: string;
  /** Inputs scored. */
  inputs: number;
  metrics: Array<{ name: string; title: string; higherIsBetter?: boolean }>;
  methods: Array<{ id: string; title: string }>;
  /** scores[method][metric]. */
  scores: ReportScore[][];
  /** SVG plots (viz metricCurvePlot), one per curve metric. */
  plots: Array<{ metric: string; svg: string }>;
  /** Pictures a metric produced (fragility: the perturbed input and both maps). */
  figures?: ReportFigure[];
  notes?: string[];
}

export interface ReportFigure {
  metric: string;
  title: string;
  caption: string;
  /** Data URIs with their labels, drawn side by side. */
  images: Array<{ label: string; src: string }>;
}

/** Figures drawn elsewhere as SVG (a Structured Attention Graph, dataset statistics plots), with captions. */
export interface ReportFigures {
  id: string;
  title: string;
  description?: string;
  figures: Array<{ svg: string; caption: string }>;
  notes?: string[];
}

export interface ReportData {
  title: string;
  subtitle?: string;
  /** ISO date-time. */
  generated: string;
  /** The command that made it. */
  command?: string;
  /** Machine facts: label/value. */
  environment?: Array<[string, string]>;
  totalMs?: number;
  sections: ReportSection[];
  /** Evaluation tables and curves, after the sections. */
  evaluations?: ReportEvaluation[];
  /** Figure blocks (SAG graphs, statistics plots), after the evaluations. */
  figures?: ReportFigures[];
  /** Colour bars (data URIs) of the magnitude and signed scales. */
  legend: { magnitude: string; signed: string };
  /** How to read the pictures (shown at the end). */
  notes?: string[];
}
