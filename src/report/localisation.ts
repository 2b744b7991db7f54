/** The synthetic-localisation report: each method's localisation scores against the true shape masks. */
import type { LocalisationResult } from '../trust/localisation.js';
import { escapeHtml, standalonePage } from './html.js';

const METRIC_NOTES: Record<string, string> = {
  'relevance-mass': 'share of the map\'s positive mass inside the mask (a uniform map scores the mask share)',
  'relevance-rank': 'share of the top-|mask| pixels inside the mask (a random ranking scores the mask share)',
  'pointing-game': 'share of images whose highest pixel lies in the mask',
  'energy-pointing-game': 'share of the map\'s energy inside the mask',
};

export function localisationSection(r: LocalisationResult, seconds: number): string {
  const methods = Object.keys(r.scores);
  const metrics = [...new Set(methods.flatMap((m) => Object.keys(r.scores[m])))];
  const best = Object.fromEntries(metrics.map((k) => [k, Math.max(...methods.map((m) => r.scores[m][k]))]));
  const cell = (m: string, k: string) => {
    const v = r.scores[m][k];
    return `<td${v === best[k] ? ' style="font-weight:bold"' : ''}>${v.toFixed(3)}</td>`;
  };
  return [
    '<section><h2>Localisation against synthetic ground truth</h2>',
    `<p>A small CNN trained here on synthetic shapes (square, cross, ring, bar on a noisy background; the label is the shape, its pixels the true mask). Test accuracy ${r.testAccuracy.toFixed(3)}; the masks cover ${(100 * r.maskShare).toFixed(1)}% of the pixels, which is what a uniform or random map scores in relevance mass and rank. Higher is better everywhere; the best score of each metric is bold.</p>`,
    `<table><tr><th>method</th>${metrics.map((k) => `<th title="${escapeHtml(METRIC_NOTES[k] ?? k)}">${escapeHtml(k)}</th>`).join('')}</tr>`,
    ...methods.map((m) => `<tr><td>${escapeHtml(m)}</td>${metrics.map((k) => cell(m, k)).join('')}</tr>`),
    '</table>',
    `<ul>${metrics.map((k) => `<li><b>${escapeHtml(k)}</b>: ${escapeHtml(METRIC_NOTES[k] ?? '')}</li>`).join('')}</ul>`,
    `<p>${seconds.toFixed(1)} s.</p></section>`,
  ].join('\n');
}

export function localisationPage(r: LocalisationResult, seconds: number): string {
  return standalonePage('Saliency Lab: synthetic localisation', localisationSection(r, seconds), 'Saliency Lab: localisation against synthetic ground truth');
}
