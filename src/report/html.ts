/**
 * The report as one self-contained HTML file: pictures inlined as data URIs, plots as
 * inline SVG, one <style> element, no script, no external request of any kind (checked
 * by the tests). The view switch (overlay / heat map / signed) is CSS only (radio buttons
 * and sibling selectors), so the file works with scripts disabled and in a mail preview.
 */
import { STYLE } from './style.js';
import type { ReportCell, ReportColumn, ReportData, ReportEvaluation, ReportFigures, ReportImage, ReportPath, ReportRow, ReportSection } from './types.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A self-contained page of one trust-test section (`saliency sanity`, `roar`, `decoy`, `localisation`): plain tables, no script. */
export function standalonePage(title: string, body: string, heading = title): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:12px}</style></head><body><h1>${escapeHtml(heading)}</h1>${body}</body></html>\n`;
}

const esc = escapeHtml;

/** Only data URIs (and relative file links for downloads) are allowed into the page. */
function safeHref(href: string): string {
  if (!href.startsWith('data:image/')) throw new Error(`report images must be data:image URIs, got '${href.slice(0, 40)}…'`);
  return href;
}

/** SVG from src/viz, inlined: its XML prolog (if any) dropped, scripts refused. */
function inlineSvg(svg: string, label: string): string {
  const body = svg.replace(/^<\?xml[^>]*>\s*/, '');
  if (/<script|\bon[a-z]+\s*=|href="(?!data:|#)/i.test(body)) throw new Error(`refusing to inline SVG '${label}': it holds scripts or external links`);
  return body.replace('<svg ', `<svg role="img" aria-label="${esc(label)}" preserveAspectRatio="xMidYMid meet" `);
}

function img(image: ReportImage, alt: string, cls = ''): string {
  return `<img${cls ? ` class="${cls}"` : ''} src="${safeHref(image.href)}" width="${image.width}" height="${image.height}" alt="${esc(alt)}" loading="lazy">`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function formatValue(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined) return '–';
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${k}: ${formatValue(x)}`)
      .join(', ');
  }
  return String(v);
}

function pct(p: number): string {
  return p > 0 && p < 0.001 ? '<0.1%' : `${(100 * p).toFixed(1)}%`;
}

function predictions(row: ReportRow): string {
  return (
    '<ol class="top">' +
    row.top
      .slice(0, 3)
      .map(
        (p) =>
          `<li${p.label === row.target ? ' class="explained"' : ''}><span class="bar" style="width:${Math.max(1, Math.round(100 * p.probability))}%"></span>` +
          `<span class="name">${esc(p.label)}</span><span class="p">${pct(p.probability)}</span></li>`,
      )
      .join('') +
    '</ol>'
  );
}

function cell(c: ReportCell | null, column: ReportColumn, row: ReportRow): string {
  if (!c) return '<td class="cell empty">–</td>';
  const alt = `${column.title}${column.subtitle ? ` (${column.subtitle})` : ''} for ${row.name}`;
  return (
    `<td class="cell"${c.title ? ` title="${esc(c.title)}"` : ''}><figure>` +
    `<div class="pic">${img(c.overlay, alt, 'v-overlay')}${img(c.heatmap, alt, 'v-heatmap')}${img(c.signed, alt, 'v-signed')}</div>` +
    `<figcaption>${c.caption.map((l) => `<span>${esc(l)}</span>`).join('')}</figcaption></figure></td>`
  );
}

function grid(s: ReportSection, legend: ReportData['legend']): string {
  const v = (kind: string) => `v-${kind}-${s.id}`;
  const radios = [
    ['overlay', 'Overlay'],
    ['heatmap', 'Heat map'],
    ['signed', 'Signed'],
  ]
    .map(([k, label]) => `<input type="radio" name="view-${s.id}" id="${v(k)}" class="view-${k}"${k === (s.defaultView ?? 'overlay') ? ' checked' : ''}><label for="${v(k)}">${label}</label>`)
    .join('');
  const head =
    '<thead><tr><th class="corner">Input · prediction</th>' +
    s.columns
      .map((c) => `<th><span class="method">${esc(c.title)}</span>${c.subtitle ? `<span class="baseline">${esc(c.subtitle)}</span>` : ''}</th>`)
      .join('') +
    '</tr></thead>';
  const body =
    '<tbody>' +
    s.rows
      .map(
        (r) =>
          '<tr><th class="input" scope="row"><figure>' +
          `<div class="pic">${img(r.input, r.name)}</div>` +
          `<figcaption><span class="file">${esc(r.name)}</span>${r.truth ? `<span class="truth">true class: ${esc(r.truth)}</span>` : ''}` +
          `${predictions(r)}</figcaption></figure></th>` +
          r.cells.map((c, j) => cell(c, s.columns[j], r)).join('') +
          '</tr>',
      )
      .join('') +
    '</tbody>';
  return (
    `<div class="views">${radios}` +
    `<div class="legend"><span class="lg lg-overlay lg-heatmap">0 <img src="${safeHref(legend.magnitude)}" alt="magnitude colour scale"> 99th percentile of |attribution|</span>` +
    `<span class="lg lg-signed">negative <img src="${safeHref(legend.signed)}" alt="signed colour scale"> positive</span></div>` +
    `<div class="scroll"><table class="grid">${head}${body}</table></div></div>`
  );
}

/** The series and reference lines of a viz line plot, read back from its SVG, as an HTML legend. */
export function plotLegend(svg: string): string {
  const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  const items: string[] = [];
  for (const m of svg.matchAll(/<polyline class="series"[^>]*>/g)) {
    items.push(legendItem(attr(m[0], 'data-name') ?? '', attr(m[0], 'stroke') ?? '#888', attr(m[0], 'stroke-dasharray')));
  }
  for (const m of svg.matchAll(/(<line class="reference"[^>]*>)\s*(?:<text class="reference-label"[^>]*>([^<]*)<\/text>)?/g)) {
    if (m[2]) items.push(legendItem(m[2], attr(m[1], 'stroke') ?? '#888', attr(m[1], 'stroke-dasharray')));
  }
  return items.length ? `<div class="plot-legend">${items.join('')}</div>` : '';
}

function legendItem(name: string, colour: string, dash?: string): string {
  // names come from the SVG, already XML-escaped
  const safeColour = /^#[0-9a-f]{3,8}$|^[a-z]+$/i.test(colour) ? colour : '#888';
  const line = `<svg width="22" height="8" aria-hidden="true"><line x1="0" y1="4" x2="22" y2="4" stroke="${safeColour}" stroke-width="2"${dash && /^[\d. ]+$/.test(dash) ? ` stroke-dasharray="${dash}"` : ''}/></svg>`;
  return `<span>${line}${name}</span>`;
}

function pathBlock(p: ReportPath): string {
  const strip = (label: string, images: ReportImage[], what: string) =>
    `<tr><th scope="row">${label}</th>${images.map((im, k) => `<td>${img(im, `${what} at alpha ${p.alphas[k]}`)}</td>`).join('')}</tr>`;
  const gap = p.fx - p.fBaseline;
  return (
    `<details class="path"${p.open ? ' open' : ''}><summary><span class="file">${esc(p.name)}</span> · baseline ${esc(p.baseline)} · explaining ${esc(p.target)}` +
    `<span class="nums">f(x) = ${formatValue(p.fx)}, f(x′) = ${formatValue(p.fBaseline)}, Σφ = ${formatValue(p.attributionSum)} (f(x) − f(x′) = ${formatValue(gap)})</span></summary>` +
    '<div class="path-body">' +
    `<table class="strip"><thead><tr><th></th>${p.alphas.map((a) => `<th>α = ${formatValue(a)}</th>`).join('')}</tr></thead><tbody>` +
    strip('x′ + α (x − x′)', p.inputs, 'interpolated input') +
    strip('gradient at α', p.gradients, 'gradient') +
    strip('attribution up to α', p.cumulative, 'accumulated attribution') +
    '</tbody></table>' +
    `<div class="plots"><div class="plot">${inlineSvg(p.convergence, `completeness along the path for ${p.name}`)}${plotLegend(p.convergence)}</div>` +
    `<div class="plot">${inlineSvg(p.saturation, `model output along the path for ${p.name}`)}${plotLegend(p.saturation)}</div></div>` +
    '</div></details>'
  );
}

function methodsTable(s: ReportSection): string {
  const n = Math.max(1, s.rows.length);
  const rows = s.columns
    .map((c) => {
      const params = Object.entries(c.params)
        .filter(([k, v]) => v !== undefined && k !== 'baseline' && k !== 'batchSize' && k !== 'inner')
        .map(([k, v]) => `<span class="chip">${esc(k)} = ${esc(formatValue(v))}</span>`)
        .join(' ');
      const inner = c.params['inner'] as { method?: string; params?: Record<string, unknown> } | undefined;
      const innerText = inner?.params
        ? Object.entries(inner.params)
            .filter(([k, v]) => v !== undefined && k !== 'baseline' && k !== 'batchSize' && k !== 'seed')
            .map(([k, v]) => `<span class="chip inner">${esc(k)} = ${esc(formatValue(v))}</span>`)
            .join(' ')
        : '';
      return (
        `<tr><td><b>${esc(c.title)}</b>${c.subtitle ? `<br><span class="muted">${esc(c.subtitle)}</span>` : ''}</td>` +
        `<td><code>${esc(c.method)}</code>${c.baseline ? `<br><span class="muted">${esc(c.baseline)}</span>` : ''}${c.values ? `<br><span class="muted">${esc(c.values)}</span>` : ''}</td>` +
        `<td class="params">${params}${innerText ? `<br>${innerText}` : ''}</td>` +
        `<td class="num">${formatMs(c.timings.wallMs)}</td><td class="num">${formatMs(c.timings.wallMs / n)}</td>` +
        `<td class="num">${c.timings.evaluations.toLocaleString('en-US')}</td>` +
        `<td class="num">${c.meanAbsDelta === undefined ? '<span class="muted">n/a</span>' : formatValue(c.meanAbsDelta)}` +
        `${c.meanRelativeDelta === undefined ? '' : `<br><span class="muted">${pct(c.meanRelativeDelta)} of |f(x) − f(x′)|</span>`}</td></tr>`
      );
    })
    .join('');
  return (
    '<div class="scroll"><table class="methods"><thead><tr><th>Column</th><th>Method · baseline</th><th>Parameters</th>' +
    '<th class="num">Time</th><th class="num">per image</th><th class="num">Evaluations</th><th class="num">mean |δ|</th></tr></thead>' +
    `<tbody>${rows}</tbody></table></div>`
  );
}

function section(s: ReportSection, data: ReportData): string {
  const facts: Array<[string, string]> = [
    ['model', s.model.spec],
    ['format', s.model.format],
    ['input', `[${s.model.inputShape.join(', ')}]`],
    ['output', `[${s.model.outputShape.join(', ')}]`],
    ...s.model.details,
  ];
  return (
    `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>` +
    (s.description ? `<p class="lead">${esc(s.description)}</p>` : '') +
    `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>` +
    `<h3>Comparison${s.gridPng ? ` <a class="download" href="${esc(s.gridPng)}">grid as PNG</a>` : ''}</h3>` +
    '<p class="hint">Rows are images, columns methods and baselines. Under each picture: the model\'s prediction and the completeness ' +
    'delta δ = Σφ − (f(x) − f(x′)) of path methods (0 for exact Integrated Gradients; for baseline distributions f(x′) is the mean over the drawn baselines). Hover a picture for the numbers.</p>' +
    grid(s, data.legend) +
    (s.paths.length > 0
      ? '<h3>Integrated Gradients along the path</h3><p class="hint">Top: the input moved from the baseline x′ (α = 0) to the image x (α = 1). ' +
        'Middle: the gradient at each point (one colour scale per row, so rows compare across α). Bottom: the attribution accumulated up to α. ' +
        'Left plot: completeness, Σφ(α) follows f(path(α)) − f(x′) and ends at f(x) − f(x′). Right plot: the output along the path; where it flattens (saturates), the gradients there are small.</p>' +
        s.paths.map(pathBlock).join('')
      : '') +
    `<h3>Methods, parameters and timings</h3>${methodsTable(s)}` +
    (s.notes?.length ? `<ul class="notes">${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '') +
    '</section>'
  );
}

/** mean ± sd, with the best mean of each metric in bold (by its direction, where it has one). */
function evaluationBlock(ev: ReportEvaluation): string {
  const best = ev.metrics.map((m, k) => {
    if (m.higherIsBetter === undefined) return -1;
    let at = -1;
    ev.scores.forEach((row, i) => {
      const v = row[k]?.mean;
      if (v === undefined || !Number.isFinite(v)) return;
      if (at < 0 || (m.higherIsBetter ? v > ev.scores[at][k].mean : v < ev.scores[at][k].mean)) at = i;
    });
    return at;
  });
  const head =
    '<thead><tr><th>Method</th>' +
    ev.metrics.map((m) => `<th class="num" title="${m.higherIsBetter === undefined ? 'no better direction' : m.higherIsBetter ? 'higher is better' : 'lower is better'}">${esc(m.title)}${m.higherIsBetter === undefined ? '' : m.higherIsBetter ? ' ↑' : ' ↓'}</th>`).join('') +
    '</tr></thead>';
  const body = ev.methods
    .map(
      (method, i) =>
        `<tr><td><b>${esc(method.title)}</b></td>` +
        ev.metrics
          .map((_, k) => {
            const c = ev.scores[i][k];
            if (!c || !Number.isFinite(c.mean)) return '<td class="num muted">–</td>';
            const text = `${formatValue(c.mean)} <span class="muted">± ${formatValue(c.sd)}</span>`;
            return `<td class="num">${best[k] === i ? `<b>${text}</b>` : text}${c.count < ev.inputs ? ` <span class="muted">(${c.count}/${ev.inputs})</span>` : ''}</td>`;
          })
          .join('') +
        '</tr>',
    )
    .join('');
  return (
    `<section id="${esc(ev.id)}" class="evaluation"><h2>${esc(ev.title)}</h2>` +
    (ev.description ? `<p class="lead">${esc(ev.description)}</p>` : '') +
    `<p class="hint">Mean ± standard deviation over ${ev.inputs} input${ev.inputs === 1 ? '' : 's'}; ↑ higher is better, ↓ lower is better; the best mean of each column in bold.</p>` +
    `<div class="scroll"><table class="methods scores">${head}<tbody>${body}</tbody></table></div>` +
    (ev.plots.length
      ? `<h3>Curves</h3><p class="hint">Mean curve over the inputs per method; dashed grey: the same removal in a random order (the control a faithful map must beat).</p><div class="plots">${ev.plots
          .map((p) => `<div class="plot">${inlineSvg(p.svg, `${p.metric} curves`)}${plotLegend(p.svg)}</div>`)
          .join('')}</div>`
      : '') +
    (ev.figures?.length
      ? `<h3>Attacks</h3><p class="hint">Fragility (Ghorbani et al. 2019): the label-preserving perturbation that moved the map most, and the map before and after (one signed scale).</p>${ev.figures
          .map((f) => `<figure class="attack"><figcaption><b>${esc(f.title)}</b>: ${esc(f.caption)}</figcaption><div class="plots">${f.images.map((im) => `<div class="plot"><img src="${esc(im.src)}" alt="${esc(im.label)}"><div class="muted">${esc(im.label)}</div></div>`).join('')}</div></figure>`)
          .join('')}`
      : '') +
    (ev.notes?.length ? `<ul class="notes">${ev.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '') +
    '</section>'
  );
}

/** SVG figures drawn elsewhere (a SAG graph, statistics plots), each at its own width, with a caption. */
function figuresBlock(f: ReportFigures): string {
  return (
    `<section id="${esc(f.id)}" class="figures"><h2>${esc(f.title)}</h2>` +
    (f.description ? `<p class="lead">${esc(f.description)}</p>` : '') +
    f.figures.map((x) => `<figure class="figure">${inlineSvg(x.svg, x.caption)}<figcaption>${esc(x.caption)}</figcaption></figure>`).join('') +
    (f.notes?.length ? `<ul class="notes">${f.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '') +
    '</section>'
  );
}

/** '2026-11-22T08:22:43.024Z' -> '2026-11-22 08:22 UTC' (anything else as given). */
function readableDate(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m && iso.endsWith('Z') ? `${m[1]} ${m[2]} UTC` : iso;
}

export function renderReport(data: ReportData): string {
  const meta: Array<[string, string]> = [['generated', readableDate(data.generated)], ...(data.totalMs !== undefined ? [['wall time', formatMs(data.totalMs)] as [string, string]] : []), ...(data.environment ?? [])];
  const anchors = [...data.sections, ...(data.evaluations ?? []), ...(data.figures ?? [])];
  const nav = anchors.length > 1 ? `<nav>${anchors.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('')}</nav>` : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // no network: everything is inline; the policy makes a stray external reference fail loudly
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    `<title>${esc(data.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header><h1>${esc(data.title)}</h1>${data.subtitle ? `<p class="subtitle">${esc(data.subtitle)}</p>` : ''}`,
    `<div class="meta">${meta.map(([k, v]) => `<span><b>${esc(k)}</b> ${esc(v)}</span>`).join('')}</div>`,
    data.command ? `<pre class="command">$ ${esc(data.command)}</pre>` : '',
    `${nav}</header><main>`,
    ...data.sections.map((s) => section(s, data)),
    ...(data.evaluations ?? []).map(evaluationBlock),
    ...(data.figures ?? []).map(figuresBlock),
    data.notes?.length ? `<section class="reading"><h2>How to read the pictures</h2><ul>${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>` : '',
    '</main><footer>Made by Saliency Lab. This file is self-contained: no network, no scripts.</footer></body></html>',
    '',
  ].join('\n');
}
