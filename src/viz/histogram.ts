/**
 * A histogram as self-contained SVG: the finite values binned over [min, max] (or a given
 * domain), bars with counts on hover, an x axis with round ticks, and optional marked
 * values (mean, median) as vertical lines. `histogramBins` is the binning alone.
 */
import { escapeXml, formatNumber, niceDomain, niceTicks } from './svg.js';

export interface HistogramBins {
  lo: number;
  hi: number;
  counts: number[];
}

/** Counts of the finite values in `bins` equal bins over [lo, hi] (the values' range by default). */
export function histogramBins(values: ArrayLike<number>, bins = 20, domain?: [number, number]): HistogramBins {
  const v = Array.from(values).filter(Number.isFinite);
  const [lo, hi] = domain ?? (v.length ? niceDomain(Math.min(...v), Math.max(...v)) : [0, 1]);
  const counts = new Array<number>(bins).fill(0);
  const width = hi - lo || 1;
  for (const x of v) {
    if (x < lo || x > hi) continue;
    counts[Math.min(bins - 1, Math.floor(((x - lo) / width) * bins))]++;
  }
  return { lo, hi, counts };
}

/** Marks in order: red, then dark grey, then orange. */
export const MARK_COLOURS = ['#e15759', '#555555', '#f28e2b'];

export interface HistogramOptions {
  title?: string;
  xLabel?: string;
  bins?: number;
  width?: number;
  height?: number;
  marks?: Array<{ label: string; value: number }>;
}

export function histogramSvg(values: ArrayLike<number>, o: HistogramOptions = {}): string {
  const W = o.width ?? 320, H = o.height ?? 160, left = 10, right = 10, top = o.title ? 22 : 8, bottom = 34;
  const { lo, hi, counts } = histogramBins(values, o.bins ?? 20);
  const peak = Math.max(1, ...counts);
  const x = (v: number) => left + ((v - lo) / (hi - lo || 1)) * (W - left - right);
  const y = (c: number) => H - bottom - (c / peak) * (H - top - bottom);
  const step = (hi - lo) / counts.length;
  const bars = counts
    .map((c, i) => `<rect class="bar" x="${x(lo + i * step).toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(0, x(lo + (i + 1) * step) - x(lo + i * step) - 1).toFixed(1)}" height="${(H - bottom - y(c)).toFixed(1)}" fill="#4e79a7"><title>${formatNumber(lo + i * step)} – ${formatNumber(lo + (i + 1) * step)}: ${c}</title></rect>`)
    .join('');
  const ticks = niceTicks(lo, hi, 4)
    .map((t) => `<g class="tick"><line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${H - bottom}" y2="${H - bottom + 4}" stroke="#555"/><text x="${x(t).toFixed(1)}" y="${H - bottom + 15}" text-anchor="middle">${formatNumber(t)}</text></g>`)
    .join('');
  const marks = (o.marks ?? [])
    .filter((m) => Number.isFinite(m.value))
    .map((m, i) => `<line class="mark" x1="${x(m.value).toFixed(1)}" x2="${x(m.value).toFixed(1)}" y1="${top}" y2="${H - bottom}" stroke="${MARK_COLOURS[i % MARK_COLOURS.length]}" stroke-dasharray="3 2"><title>${escapeXml(m.label)} ${formatNumber(m.value)}</title></line>`)
    .join('');
  const title = o.title ? `<text x="${W / 2}" y="14" text-anchor="middle" font-weight="600">${escapeXml(o.title)}</text>` : '';
  const xl = o.xLabel ? `<text x="${W / 2}" y="${H - 4}" text-anchor="middle">${escapeXml(o.xLabel)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="histogram" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="10">${title}${bars}<line x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}" stroke="#555"/>${ticks}${marks}${xl}</svg>`;
}
