/**
 * The sanity-check report section: Adebayo et al.'s cascading figure (rows = methods and
 * the Sobel control, columns = the trained model then randomised up to each layer, each
 * cell the first input's |map|), the similarity curves as a table, accuracies and the
 * verdict per method with its threshold. Self-contained HTML (inline SVG).
 */
import type { SanityResult } from '../trust/sanity.js';
import { colourScale } from '../viz/colormap.js';
import { escapeHtml } from './html.js';

const CELL = 84;

function heatmapSvg(map: Float32Array, side: number, x0: number, y0: number): string {
  const scale = colourScale('inferno');
  const n = map.length;
  const [h, w] = [Math.round(Math.sqrt(n)), Math.round(n / Math.round(Math.sqrt(n)))];
  let hi = 0;
  for (const v of map) hi = Math.max(hi, Math.abs(v));
  const px = side / Math.max(h, w);
  const rects: string[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = scale.at(hi > 0 ? Math.abs(map[y * w + x]) / hi : 0);
      rects.push(`<rect x="${(x0 + x * px).toFixed(2)}" y="${(y0 + y * px).toFixed(2)}" width="${px.toFixed(2)}" height="${px.toFixed(2)}" fill="rgb(${r},${g},${b})"/>`);
    }
  }
  return rects.join('');
}

/** The cascading figure as SVG. */
export function cascadingFigure(r: SanityResult): string {
  const columns = r.levels.filter((l) => l.kind === 'trained' || l.kind === 'cascading');
  const left = 150;
  const top = 40;
  const width = left + columns.length * (CELL + 6);
  const height = top + r.methods.length * (CELL + 6);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`];
  columns.forEach((c, j) => parts.push(`<text x="${left + j * (CELL + 6) + CELL / 2}" y="${top - 8}" text-anchor="middle">${escapeHtml(c.label)}</text>`));
  r.methods.forEach((m, i) => {
    const y = top + i * (CELL + 6);
    parts.push(`<text x="${left - 8}" y="${y + CELL / 2}" text-anchor="end">${escapeHtml(m.title)}</text>`);
    columns.forEach((c, j) => parts.push(heatmapSvg(c.firstMap[m.name], CELL, left + j * (CELL + 6), y)));
  });
  parts.push('</svg>');
  return parts.join('');
}

const f = (v: number | undefined) => (v === undefined ? '' : v.toFixed(3));

/** The section's HTML (a fragment) and a standalone page. */
export function sanitySection(r: SanityResult): string {
  const rows = r.levels.map((l) => `<tr><td>${escapeHtml(l.label)}</td><td>${f(l.accuracy)}</td>${r.methods.map((m) => {
    const s = l.similarity[m.name];
    return `<td title="Spearman |map| / signed / SSIM / HOG">${f(s.spearmanAbs)} / ${f(s.spearman)} / ${f(s.ssim)} / ${f(s.hog)}</td>`;
  }).join('')}</tr>`);
  const verdicts = r.verdicts.map((v) => `<tr><td>${escapeHtml(v.title)}</td><td>${f(v.value)}</td><td>${v.pass ? 'pass' : '<b>FAIL</b>'}</td></tr>`);
  return [
    '<section><h2>Sanity checks: model randomisation</h2>',
    `<p>Layers re-initialised from the output down (cascading), one at a time (independent), or all perturbed by weight noise; each map compared with the trained model's map for the class the trained model predicts. A method <b>passes</b> when the mean Spearman rank correlation of |map| between the trained and the fully randomised model is below <b>${r.threshold}</b>. The Sobel edge map ignores the model: it is the control, and stays at 1.</p>`,
    cascadingFigure(r),
    '<h3>Verdicts</h3><table><tr><th>method</th><th>Spearman |map|, fully randomised</th><th>verdict</th></tr>', ...verdicts, '</table>',
    `<h3>Similarity to the trained maps (Spearman |map| / Spearman signed / SSIM / HOG)</h3><table><tr><th>model</th><th>accuracy</th>${r.methods.map((m) => `<th>${escapeHtml(m.title)}</th>`).join('')}</tr>`,
    ...rows, '</table>',
    `<p>${r.seconds.toFixed(1)} s.</p></section>`,
  ].join('\n');
}

export function sanityPage(r: SanityResult, title = 'Saliency Lab: sanity checks'): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:12px}</style></head><body><h1>${escapeHtml(title)}</h1>${sanitySection(r)}</body></html>\n`;
}
