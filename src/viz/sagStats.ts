/**
 * Side-by-side histograms of SAG dataset statistics (pure: numbers in, SVG out): images per
 * number of minimal sufficient explanations, and roots per size, one bar colour per model.
 * Structure for tests: <g class="panel" data-name>, <rect class="bar" data-model data-bin data-count>.
 */
import { schemeTableau10 } from 'd3-scale-chromatic';
import { escapeXml } from './svg.js';

export interface SagStatsLike {
  model: string;
  rootsHistogram: readonly number[];
  sizeHistogram: readonly number[];
}

function panel(name: string, title: string, series: Array<{ model: string; bins: readonly number[] }>, x0: number, w: number, h: number): string {
  const bins = Math.max(1, ...series.map((s) => s.bins.length));
  const max = Math.max(1, ...series.flatMap((s) => s.bins));
  const left = x0 + 30, bottom = h - 30, top = 30, plotW = w - 40;
  const slot = plotW / bins, bar = (slot * 0.8) / series.length;
  const parts = [`<text x="${x0 + w / 2}" y="16" text-anchor="middle" font-family="sans-serif" font-size="13">${escapeXml(title)}</text>`];
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${left + plotW}" y2="${bottom}" stroke="#444"/>`);
  parts.push(`<text x="${left - 4}" y="${top + 4}" text-anchor="end" font-family="sans-serif" font-size="10">${max}</text>`);
  series.forEach((s, k) => {
    s.bins.forEach((count, b) => {
      const bh = ((bottom - top) * count) / max;
      parts.push(`<rect class="bar" data-model="${escapeXml(s.model)}" data-bin="${b}" data-count="${count}" x="${(left + b * slot + slot * 0.1 + k * bar).toFixed(2)}" y="${(bottom - bh).toFixed(2)}" width="${bar.toFixed(2)}" height="${bh.toFixed(2)}" fill="${schemeTableau10[k % 10]}"/>`);
    });
  });
  for (let b = 0; b < bins; b += Math.max(1, Math.ceil(bins / 12))) parts.push(`<text x="${(left + (b + 0.5) * slot).toFixed(2)}" y="${bottom + 12}" text-anchor="middle" font-family="sans-serif" font-size="10">${b}</text>`);
  return `<g class="panel" data-name="${name}">${parts.join('')}</g>`;
}

export function sagStatsSvg(stats: readonly SagStatsLike[]): string {
  const w = 360, h = 220, line = 16;
  // one legend line per model (model names are paths: long)
  const legend = stats.map((s, k) => `<rect x="10" y="${h + 4 + k * line}" width="10" height="10" fill="${schemeTableau10[k % 10]}"/><text x="24" y="${h + 13 + k * line}" font-family="sans-serif" font-size="11">${escapeXml(s.model)}</text>`).join('');
  const height = h + 8 + stats.length * line;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${height}" viewBox="0 0 ${2 * w} ${height}">` +
    panel('roots', 'images per number of roots found', stats.map((s) => ({ model: s.model, bins: s.rootsHistogram })), 0, w, h) +
    panel('sizes', 'roots per size (patches)', stats.map((s) => ({ model: s.model, bins: s.sizeHistogram })), w, w, h) +
    legend +
    '</svg>'
  );
}
