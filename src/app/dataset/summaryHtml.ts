/**
 * summary.html of a dataset run: one self-contained page (no scripts, no external files)
 * with the run's figures, and per run the distribution over the images of |δ| (path
 * methods) and of every metric's score (`evaluate --dataset`) as histograms, mean and
 * median marked.
 */
import { escapeXml as escapeHtml } from '../../viz/svg.js';
import { histogramSvg } from '../../viz/histogram.js';
import type { ResultRow } from './compute.js';
import type { DatasetSummary } from './summary.js';

const num = (v: number | undefined, d = 4) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toPrecision(d));

export function summaryHtml(s: DatasetSummary, rows: readonly ResultRow[]): string {
  const sections = s.runs.map((run) => {
    const rs = rows.filter((r) => r.status === 'ok' && r.run === run.run);
    const plots: string[] = [];
    const deltas = rs.map((r) => Math.abs(r.delta)).filter(Number.isFinite);
    if (deltas.length) plots.push(histogramSvg(deltas, { title: '|δ| = |Σφ − (f(x) − f(x′))|', xLabel: `mean ${num(run.meanAbsDelta, 3)} (red)`, marks: [{ label: 'mean', value: run.meanAbsDelta ?? NaN }] }));
    for (const [m, v] of Object.entries(run.metrics ?? {})) {
      plots.push(histogramSvg(rs.map((r) => r.scores[m] ?? NaN), { title: m, xLabel: `mean ${num(v.mean, 3)} ± ${num(v.sd, 3)} (red), median ${num(v.median, 3)} (grey); ${v.count} images`, marks: [{ label: 'mean', value: v.mean }, { label: 'median', value: v.median }] }));
    }
    const acc = run.accuracy === undefined ? 'no labels' : `top-1 accuracy ${(100 * run.accuracy).toFixed(1)}%`;
    return `<section><h2>${escapeHtml(run.run)}</h2><p>${run.images} images, ${acc}, mean Σφ ${num(run.meanSum)}</p><div class="plots">${plots.join('') || '<p>nothing to plot</p>'}</div></section>`;
  });
  const unread = s.undecodable.length
    ? `<section><h2>Images that could not be read (${s.undecodable.length})</h2><ul>${s.undecodable.slice(0, 100).map((u) => `<li>${escapeHtml(u.name)}: ${escapeHtml(u.error)}</li>`).join('')}</ul></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dataset run</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}.plots{display:flex;flex-wrap:wrap;gap:1rem}section{margin-bottom:2rem}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<h1>Dataset run</h1>
<p>${s.images} images (${s.undecodable.length} could not be read), ${s.failedWorkItems} failed work items; ${escapeHtml(s.timings.mode)}, ${s.timings.workers} worker(s), ${s.timings.imagesPerSecond.toFixed(1)} images/s over ${(s.timings.wallMs / 1000).toFixed(1)} s.</p>
<p>Per-image rows: <code>rows/*.arrow</code> (Arrow IPC; metric scores in the <code>score:&lt;metric&gt;</code> columns); attributions: <code>shards/&lt;run&gt;/attr-*.npy</code>; the same figures as JSON: <code>summary.json</code>.</p>
${sections.join('\n')}
${unread}
</body></html>
`;
}
