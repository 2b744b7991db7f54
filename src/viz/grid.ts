/**
 * The comparison grid (the baselines article's figures): rows = images, columns = methods
 * or baselines, each cell a picture with a caption under it (prediction, completeness
 * delta ...). Laid out as one SVG with the pictures embedded as data URIs (io/image.ts's
 * `gridImage` encodes an RgbaImage to one); the same SVG renders to a PNG with sharp
 * (io/image.ts's `svgToPng`), so the HTML report and the PNG show the same figure.
 */
import { escapeXml } from './svg.js';

/** An encoded picture: a data URI (or any URL) and its pixel size. */
export interface GridImage {
  href: string;
  width: number;
  height: number;
}

export interface GridCell {
  image: GridImage;
  /** Lines under the picture, e.g. ['pred: Coat (0.93)', 'delta: 1.2e-3']. */
  caption?: readonly string[];
}

export interface GridRow {
  /** Row header (the image's name); '\n' splits lines. */
  label: string;
  /** One entry per column; null leaves the cell empty. */
  cells: readonly (GridCell | null)[];
}

export interface GridSpec {
  title?: string;
  /** Column headers (methods or baselines). */
  columns: readonly string[];
  rows: readonly GridRow[];
  /** Side of the square each picture is fitted into, in px; default 160. */
  cellSize?: number;
  /** Width of the row-label column; default 120 (0 hides it). */
  labelWidth?: number;
  /** Caption font size; default 11. */
  fontSize?: number;
}

export interface GridLayout {
  width: number;
  height: number;
  /** Top-left corner of the picture box of each cell, [row][column]. */
  cells: { x: number; y: number }[][];
}

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';
const GAP = 10;

function captionLines(spec: GridSpec): number {
  let lines = 0;
  for (const r of spec.rows) for (const c of r.cells) lines = Math.max(lines, c?.caption?.length ?? 0);
  return lines;
}

/** Where everything goes (also for the HTML report, which may lay the grid out itself). */
export function gridLayout(spec: GridSpec): GridLayout {
  const cell = spec.cellSize ?? 160;
  const font = spec.fontSize ?? 11;
  const labelW = spec.labelWidth ?? 120;
  const top = (spec.title ? 28 : 0) + 8 + 2 * (font + 3) + 4;
  const rowH = cell + captionLines(spec) * (font + 4) + GAP + 4;
  for (const [i, r] of spec.rows.entries()) {
    if (r.cells.length !== spec.columns.length) {
      throw new Error(`grid row ${i} ('${r.label}') has ${r.cells.length} cells for ${spec.columns.length} columns`);
    }
  }
  return {
    width: labelW + spec.columns.length * (cell + GAP) + GAP,
    height: top + spec.rows.length * rowH + GAP,
    cells: spec.rows.map((_, i) => spec.columns.map((_, j) => ({ x: labelW + GAP + j * (cell + GAP), y: top + i * rowH }))),
  };
}

/** Split a header into at most two lines of about `max` characters (at spaces or '(' / ',' when possible). */
function wrap(text: string, max: number): string[] {
  const explicit = text.split('\n');
  if (explicit.length > 1) return explicit.slice(0, 2);
  if (text.length <= max) return [text];
  let cut = -1;
  for (let k = Math.min(max, text.length - 1); k > max / 3; k--) {
    if (text[k] === ' ' || text[k] === '(' || text[k] === ',') {
      cut = text[k] === ' ' ? k : text[k] === ',' ? k + 1 : k;
      break;
    }
  }
  if (cut < 0) cut = max;
  const second = text.slice(cut).trim();
  return [text.slice(0, cut).trim(), second.length > max ? `${second.slice(0, max - 1)}…` : second];
}

export function gridSvg(spec: GridSpec): string {
  const L = gridLayout(spec);
  const cell = spec.cellSize ?? 160;
  const font = spec.fontSize ?? 11;
  const labelW = spec.labelWidth ?? 120;
  const headerTop = (spec.title ? 28 : 0) + 8;
  const maxChars = Math.max(8, Math.floor(cell / (font * 0.6)));
  const p: string[] = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" ${FONT} font-size="${font}">`);
  p.push(`<rect class="background" x="0" y="0" width="${L.width}" height="${L.height}" fill="#ffffff"/>`);
  if (spec.title) p.push(`<text class="title" x="${GAP}" y="20" font-size="${font + 4}" font-weight="bold" fill="#222">${escapeXml(spec.title)}</text>`);
  spec.columns.forEach((name, j) => {
    const cx = labelW + GAP + j * (cell + GAP) + cell / 2;
    const lines = wrap(name, maxChars);
    p.push(
      `<text class="column" x="${cx}" y="${headerTop + font}" text-anchor="middle" font-weight="bold" fill="#222">` +
        lines.map((l, k) => `<tspan x="${cx}" dy="${k === 0 ? 0 : font + 3}">${escapeXml(l)}</tspan>`).join('') +
        '</text>',
    );
  });
  spec.rows.forEach((row, i) => {
    const y0 = L.cells[i][0]?.y ?? 0;
    if (labelW > 0) {
      const lines = row.label.split('\n');
      p.push(
        `<text class="row" x="${GAP}" y="${y0 + cell / 2 - ((lines.length - 1) * (font + 3)) / 2}" fill="#222">` +
          lines.map((l, k) => `<tspan x="${GAP}" dy="${k === 0 ? 0 : font + 3}">${escapeXml(l)}</tspan>`).join('') +
          '</text>',
      );
    }
    row.cells.forEach((c, j) => {
      if (!c) return;
      const { x, y } = L.cells[i][j];
      const s = cell / Math.max(c.image.width, c.image.height);
      const w = c.image.width * s;
      const h = c.image.height * s;
      const ix = x + (cell - w) / 2;
      const iy = y + (cell - h) / 2;
      p.push(
        `<g class="cell" data-row="${i}" data-column="${j}">` +
          `<image x="${ix}" y="${iy}" width="${w}" height="${h}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${escapeXml(c.image.href)}"/>` +
          `<rect x="${ix}" y="${iy}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>` +
          (c.caption ?? [])
            .map((line, k) => `<text class="caption" x="${x + cell / 2}" y="${y + cell + (k + 1) * (font + 4)}" text-anchor="middle" fill="#444">${escapeXml(line)}</text>`)
            .join('') +
          '</g>',
      );
    });
  });
  p.push('</svg>');
  return p.join('\n');
}
