/**
 * The sanity-check report section: Adebayo et al.'s cascading figure (rows = methods and
 * the Sobel control, columns = the trained model then randomised up to each layer, each
 * cell the first input's |map|), the similarity curves as a table, accuracies and the
 * verdict per method with its threshold. Self-contained HTML (inline SVG, each map an embedded PNG:
 * a 28x28 map is ~1 kB instead of 784 SVG rects).
 */
import type { DataRandomisationResult, SanityResult } from '../trust/sanity.js';
import { gridImage } from '../io/image.js';
import { colourScale } from '../viz/colormap.js';
import { escapeHtml, standalonePage } from './html.js';

const CELL = 84;
// columns leave room for labels such as "up to /conv2/Conv"

/** |map| in the inferno scale, scaled to its own maximum, as a PNG picture of at least CELL pixels a side. */
async function heatmapImage(map: Float32Array, x0: number, y0: number): Promise<string> {
  const scale = colourScale('inferno');
  const n = map.length;
  const [h, w] = [Math.round(Math.sqrt(n)), Math.round(n / Math.round(Math.sqrt(n)))];
  let hi = 0;
  for (const v of map) hi = Math.max(hi, Math.abs(v));
  const data = new Uint8ClampedArray(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    const [r, g, b] = scale.at(hi > 0 ? Math.abs(map[p]) / hi : 0);
    data.set([r, g, b, 255], 4 * p);
  }
  const image = await gridImage({ width: w, height: h, data }, CELL);
  return `<image x="${x0}" y="${y0}" width="${CELL}" height="${CELL}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${image.href}"/>`;
}

/** A figure of maps as SVG with embedded PNG cells: rows = methods, one column per labelled set of first maps. */
async function mapFigure(methods: SanityResult['methods'], columns: { label: string; maps: Record<string, Float32Array> }[]): Promise<string> {
  const left = 150;
  const top = 40;
  const width = left + columns.length * (CELL + 24);
  const height = top + methods.length * (CELL + 6);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`];
  columns.forEach((c, j) => parts.push(`<text x="${left + j * (CELL + 24) + CELL / 2}" y="${top - 8}" text-anchor="middle">${escapeHtml(c.label)}</text>`));
  for (const [i, m] of methods.entries()) {
    const y = top + i * (CELL + 6);
    parts.push(`<text x="${left - 8}" y="${y + CELL / 2}" text-anchor="end">${escapeHtml(m.title)}</text>`);
    for (const [j, c] of columns.entries()) parts.push(await heatmapImage(c.maps[m.name], left + j * (CELL + 24), y));
  }
  parts.push('</svg>');
  return parts.join('');
}

/** The cascading figure (rows = methods, columns = trained then randomised up to each layer) as SVG with PNG cells. */
export function cascadingFigure(r: SanityResult): Promise<string> {
  return mapFigure(r.methods, r.levels.filter((l) => l.kind === 'trained' || l.kind === 'cascading').map((l) => ({ label: l.label, maps: l.firstMap })));
}

const f = (v: number | undefined) => (v === undefined ? '' : v.toFixed(3));

/** The section's HTML (a fragment) and a standalone page. */
export async function sanitySection(r: SanityResult): Promise<string> {
  const rows = r.levels.map((l) => `<tr><td>${escapeHtml(l.label)}</td><td>${f(l.accuracy)}</td>${r.methods.map((m) => {
    const s = l.similarity[m.name];
    return `<td title="Spearman |map| / signed / SSIM / HOG">${f(s.spearmanAbs)} / ${f(s.spearman)} / ${f(s.ssim)} / ${f(s.hog)}</td>`;
  }).join('')}</tr>`);
  const verdicts = r.verdicts.map((v) => `<tr><td>${escapeHtml(v.title)}</td><td>${f(v.value)}</td><td>${v.pass ? 'pass' : '<b>FAIL</b>'}</td></tr>`);
  return [
    '<section><h2>Sanity checks: model randomisation</h2>',
    `<p>Layers re-initialised from the output down (cascading), one at a time (independent), or all perturbed by weight noise; each map compared with the trained model's map for the class the trained model predicts. A method <b>passes</b> when the mean Spearman rank correlation of |map| between the trained and the fully randomised model is below <b>${r.threshold}</b>. The Sobel edge map ignores the model: it is the control, and stays at 1.</p>`,
    await cascadingFigure(r),
    '<h3>Verdicts</h3><table><tr><th>method</th><th>Spearman |map|, fully randomised</th><th>verdict</th></tr>', ...verdicts, '</table>',
    `<h3>Similarity to the trained maps (Spearman |map| / Spearman signed / SSIM / HOG)</h3><table><tr><th>model</th><th>accuracy</th>${r.methods.map((m) => `<th>${escapeHtml(m.title)}</th>`).join('')}</tr>`,
    ...rows, '</table>',
    r.dataRandomisation ? await dataSection(r.methods, r.dataRandomisation) : '',
    `<p>${r.seconds.toFixed(1)} s.</p></section>`,
  ].join('\n');
}

async function dataSection(methods: SanityResult['methods'], d: DataRandomisationResult): Promise<string> {
  const acc = d.trainedAccuracy === undefined ? '' : ` On the inputs' labels: true-label model ${f(d.trainedAccuracy)}, permuted-label model ${f(d.permutedAccuracy)}.`;
  const rows = d.verdicts.map((v) => {
    const s = d.similarity[v.method];
    return `<tr><td>${escapeHtml(v.title)}</td><td>${f(s.spearmanAbs)} / ${f(s.spearman)} / ${f(s.ssim)} / ${f(s.hog)}</td><td>${v.pass ? 'pass' : '<b>FAIL</b>'}</td></tr>`;
  });
  return [
    '<h3>Data randomisation</h3>',
    `<p>A model trained on ${d.trainImages} Fashion-MNIST images with their true labels (training accuracy ${f(d.trainedTrainAccuracy)}) against the same network trained ${d.permutedEpochs} epochs on the same images with the labels permuted (training accuracy ${f(d.memorisedAccuracy)}: ${d.memorised ? 'memorised' : '<b>not memorised</b>'}).${acc} Same threshold: a method passes when Spearman |map| is below ${d.verdicts[0]?.threshold}.</p>`,
    await mapFigure(methods, [{ label: 'true labels', maps: d.firstMap.trained }, { label: 'permuted labels', maps: d.firstMap.permuted }]),
    '<table><tr><th>method</th><th>Spearman |map| / signed / SSIM / HOG</th><th>verdict</th></tr>', ...rows, '</table>',
    `<p>${d.seconds.toFixed(1)} s (training included).</p>`,
  ].join('\n');
}

export async function sanityPage(r: SanityResult, title = 'Saliency Lab: sanity checks'): Promise<string> {
  return standalonePage(title, await sanitySection(r));
}
