/**
 * Small hand-laid SVG: escaping, "nice" axis ticks, and a line plot (series as polylines,
 * axes with ticks and labels, optional reference lines and legend). Self-contained (no
 * scripts, no external fonts), so it inlines into the HTML report and renders in sharp.
 *
 * Structure, for tests and styling: <g class="axis x">/<g class="axis y"> hold one
 * <g class="tick"> per tick; each series is <polyline class="series" data-name="..."
 * points="x,y x,y ...">; reference lines are <line class="reference">.
 */
import { schemeTableau10 } from 'd3-scale-chromatic';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Short number text for ticks and captions: 0.25, 1.2e-5, 3400. */
export function formatNumber(v: number, digits = 3): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(digits)));
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 x 10^k steps, as d3's ticks). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [];
  if (lo === hi) return [lo];
  if (lo > hi) [lo, hi] = [hi, lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const err = raw / power;
  const step = (err >= 7.07 ? 10 : err >= 3.16 ? 5 : err >= 1.41 ? 2 : 1) * power;
  const ticks: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** [lo, hi] widened to round ticks (and to a non-empty interval). */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const t = niceTicks(lo, hi, count);
  if (t.length < 2) return [lo, hi];
  const step = t[1] - t[0];
  return [Math.min(lo, Math.floor(lo / step + 1e-9) * step), Math.max(hi, Math.ceil(hi / step - 1e-9) * step)];
}

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; default from Tableau10 by position. */
  colour?: string;
  /** stroke-dasharray, e.g. '4 3'. */
  dash?: string;
  /** Draw a dot at each point (for coarse curves such as ablations). */
  markers?: boolean;
}

export interface ReferenceLine {
  /** Horizontal line at this y. */
  y: number;
  label?: string;
  colour?: string;
  dash?: string;
}

export interface LinePlotOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  references?: ReferenceLine[];
  /** Default: shown when there is more than one series. */
  legend?: boolean;
}

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

function fmt(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** A line plot of one or more series, as an SVG document string. */
export function linePlot(series: readonly Series[], options: LinePlotOptions = {}): string {
  const W = options.width ?? 480;
  const H = options.height ?? 300;
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new Error(`series '${s.name}' has ${s.x.length} x values and ${s.y.length} y values`);
  }
  const legend = options.legend ?? series.length > 1;
  const margin = { top: options.title ? 30 : 12, right: 16, bottom: options.xLabel ? 46 : 30, left: options.yLabel ? 64 : 50 };
  const legendH = legend ? 18 * Math.ceil(series.length / 2) + 6 : 0;
  const pw = W - margin.left - margin.right;
  const ph = H - margin.top - margin.bottom - legendH;
  if (pw < 20 || ph < 20) throw new Error(`plot size ${W} x ${H} is too small`);

  const xs = series.flatMap((s) => Array.from(s.x));
  const ys = series.flatMap((s) => Array.from(s.y)).concat((options.references ?? []).map((r) => r.y));
  const [x0, x1] = options.xDomain ?? niceDomain(...extent(xs), 6);
  const [y0, y1] = options.yDomain ?? niceDomain(...extent(ys), 5);
  const sx = (v: number) => margin.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => margin.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="11">`);
  parts.push(`<rect class="background" x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  if (options.title) {
    parts.push(`<text class="title" x="${margin.left}" y="18" font-size="13" font-weight="bold" fill="#222">${escapeXml(options.title)}</text>`);
  }
  // axes
  const bottom = margin.top + ph;
  parts.push('<g class="axis x">');
  parts.push(`<line x1="${margin.left}" y1="${bottom}" x2="${margin.left + pw}" y2="${bottom}" stroke="#444"/>`);
  for (const t of niceTicks(x0, x1, 6).filter((t) => t >= x0 - 1e-12 && t <= x1 + 1e-12)) {
    const x = fmt(sx(t));
    parts.push(
      `<g class="tick"><line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}" stroke="#444"/>` +
        `<text x="${x}" y="${bottom + 15}" text-anchor="middle" fill="#444">${escapeXml(formatNumber(t))}</text></g>`,
    );
  }
  if (options.xLabel) {
    parts.push(`<text class="label" x="${fmt(margin.left + pw / 2)}" y="${bottom + 34}" text-anchor="middle" fill="#222">${escapeXml(options.xLabel)}</text>`);
  }
  parts.push('</g>');
  parts.push('<g class="axis y">');
  parts.push(`<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${bottom}" stroke="#444"/>`);
  for (const t of niceTicks(y0, y1, 5).filter((t) => t >= y0 - 1e-12 && t <= y1 + 1e-12)) {
    const y = fmt(sy(t));
    parts.push(
      `<g class="tick"><line x1="${margin.left - 4}" y1="${y}" x2="${margin.left}" y2="${y}" stroke="#444"/>` +
        `<line x1="${margin.left}" y1="${y}" x2="${margin.left + pw}" y2="${y}" stroke="#eee"/>` +
        `<text x="${margin.left - 7}" y="${y}" dy="0.32em" text-anchor="end" fill="#444">${escapeXml(formatNumber(t))}</text></g>`,
    );
  }
  if (options.yLabel) {
    const cx = 14;
    const cy = fmt(margin.top + ph / 2);
    parts.push(`<text class="label" x="${cx}" y="${cy}" transform="rotate(-90 ${cx} ${cy})" text-anchor="middle" fill="#222">${escapeXml(options.yLabel)}</text>`);
  }
  parts.push('</g>');
  // reference lines
  for (const r of options.references ?? []) {
    const y = fmt(sy(r.y));
    const colour = r.colour ?? '#888';
    parts.push(
      `<line class="reference" x1="${margin.left}" y1="${y}" x2="${margin.left + pw}" y2="${y}" stroke="${colour}" stroke-dasharray="${r.dash ?? '5 4'}"/>`,
    );
    if (r.label) parts.push(`<text class="reference-label" x="${margin.left + pw - 4}" y="${fmt(sy(r.y) - 4)}" text-anchor="end" fill="${colour}">${escapeXml(r.label)}</text>`);
  }
  // series
  series.forEach((s, i) => {
    const colour = s.colour ?? schemeTableau10[i % schemeTableau10.length];
    const pts: string[] = [];
    for (let k = 0; k < s.x.length; k++) if (Number.isFinite(s.x[k]) && Number.isFinite(s.y[k])) pts.push(`${fmt(sx(s.x[k]))},${fmt(sy(s.y[k]))}`);
    parts.push(
      `<polyline class="series" data-name="${escapeXml(s.name)}" fill="none" stroke="${colour}" stroke-width="2"` +
        `${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round" points="${pts.join(' ')}"/>`,
    );
    if (s.markers) {
      parts.push(`<g class="markers" fill="${colour}">${pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5"/>`).join('')}</g>`);
    }
  });
  // legend
  if (legend) {
    parts.push('<g class="legend">');
    series.forEach((s, i) => {
      const colour = s.colour ?? schemeTableau10[i % schemeTableau10.length];
      const lx = margin.left + (i % 2) * (pw / 2);
      const ly = H - legendH + 12 + 18 * Math.floor(i / 2);
      parts.push(
        `<line x1="${fmt(lx)}" y1="${ly}" x2="${fmt(lx + 18)}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>` +
          `<text x="${fmt(lx + 24)}" y="${ly}" dy="0.32em" fill="#222">${escapeXml(s.name)}</text>`,
      );
    });
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('\n');
}
