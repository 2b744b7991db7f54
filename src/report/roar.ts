/** The ROAR/KAR report section: test accuracy against the share of pixels removed (or kept), one line per ranking. */
import type { RoarPoint } from '../trust/roar.js';
import { escapeHtml, standalonePage } from './html.js';

const COLOURS = ['#444444', '#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02'];

export function roarPlot(points: readonly RoarPoint[], mode: 'roar' | 'kar'): string {
  const ps = points.filter((p) => p.mode === mode);
  const names = [...new Set(ps.map((p) => p.ranking))];
  const [W, H, L, B] = [420, 240, 40, 30];
  const x = (t: number) => L + t * (W - L - 110);
  const y = (a: number) => H - B - a * (H - B - 10);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<line x1="${L}" y1="${y(0)}" x2="${x(1)}" y2="${y(0)}" stroke="black"/><line x1="${L}" y1="${y(0)}" x2="${L}" y2="${y(1)}" stroke="black"/>`,
    `<text x="${(L + x(1)) / 2}" y="${H - 5}" text-anchor="middle">share of pixels ${mode === 'roar' ? 'removed' : 'kept'}</text>`,
    ...[0, 0.5, 1].map((a) => `<text x="${L - 4}" y="${y(a) + 4}" text-anchor="end">${a}</text>`)];
  names.forEach((name, i) => {
    const line = ps.filter((p) => p.ranking === name).sort((a, b) => a.fraction - b.fraction);
    const colour = COLOURS[i % COLOURS.length];
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" ${name === 'random' ? 'stroke-dasharray="5 3"' : ''} points="${line.map((p) => `${x(p.fraction)},${y(p.mean)}`).join(' ')}"/>`);
    for (const p of line) parts.push(`<line x1="${x(p.fraction)}" x2="${x(p.fraction)}" y1="${y(p.mean - p.std)}" y2="${y(p.mean + p.std)}" stroke="${colour}"/>`);
    parts.push(`<text x="${x(1) + 8}" y="${20 + 14 * i}" fill="${colour}">${escapeHtml(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export function roarSection(points: readonly RoarPoint[], baseAccuracy: number, seconds: number): string {
  const modes = [...new Set(points.map((p) => p.mode))];
  const rows = points.map((p) => `<tr><td>${p.mode}</td><td>${escapeHtml(p.ranking)}</td><td>${p.fraction}</td><td>${p.mean.toFixed(3)} ± ${p.std.toFixed(3)}</td></tr>`);
  return ['<section><h2>ROAR / KAR: retrain after removing (keeping) the top-ranked pixels</h2>',
    `<p>Pixels replaced by the per-channel training mean; a model retrained from scratch at every point. A ranking that finds what the model needs falls below the random one (dashed) under ROAR and rises above it under KAR. Unmodified test accuracy: ${baseAccuracy.toFixed(3)}.</p>`,
    ...modes.map((m) => roarPlot(points, m)),
    '<table><tr><th>mode</th><th>ranking</th><th>t</th><th>test accuracy</th></tr>', ...rows, `</table><p>${seconds.toFixed(1)} s.</p></section>`].join('\n');
}

export function roarPage(points: readonly RoarPoint[], baseAccuracy: number, seconds: number): string {
  return standalonePage('Saliency Lab: ROAR', roarSection(points, baseAccuracy, seconds), 'Saliency Lab: ROAR and KAR');
}
