/**
 * A Structured Attention Graph as SVG (pure: graph + picture in, SVG text out). Each node is
 * the image with only its patches shown (the others dimmed), drawn as a mosaic of the
 * picture's average colours (`detail` cells per patch side, so the SVG stays
 * self-contained and small), with its score relative to the full image underneath. Roots
 * (largest sets) are on top; each row down drops one patch; edges join parent and child.
 * Structure for tests: <g class="node" data-id data-patches data-score>, <line class="edge">.
 */
import type { RgbaImage } from './rgba.js';
import { escapeXml } from './svg.js';

export interface SagGraphLike {
  grid: readonly [number, number];
  nodes: ReadonlyArray<{ id: number; patches: readonly number[]; relative: number; children: readonly number[]; root: boolean }>;
}

export interface SagSvgOptions {
  /** Size of a node's picture in SVG units. Default 96. */
  size?: number;
  /** Mosaic cells per patch side. Default 4. */
  detail?: number;
  title?: string;
}

function mosaic(image: RgbaImage, cells: number): string[][] {
  const out: string[][] = [];
  for (let r = 0; r < cells; r++) {
    const row: string[] = [];
    for (let c = 0; c < cells; c++) {
      const y0 = Math.floor((r * image.height) / cells), y1 = Math.max(y0 + 1, Math.floor(((r + 1) * image.height) / cells));
      const x0 = Math.floor((c * image.width) / cells), x1 = Math.max(x0 + 1, Math.floor(((c + 1) * image.width) / cells));
      const sum = [0, 0, 0];
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let k = 0; k < 3; k++) sum[k] += image.data[(y * image.width + x) * 4 + k];
      const n = (y1 - y0) * (x1 - x0);
      row.push('#' + sum.map((s) => Math.round(s / n).toString(16).padStart(2, '0')).join(''));
    }
    out.push(row);
  }
  return out;
}

export function sagSvg(graph: SagGraphLike, image: RgbaImage, options: SagSvgOptions = {}): string {
  const size = options.size ?? 96, detail = options.detail ?? 4;
  const [rows, cols] = graph.grid;
  const colours = mosaic(image, Math.max(rows, cols) * detail);
  const sizes = [...new Set(graph.nodes.map((n) => n.patches.length))].sort((a, b) => b - a);
  const levels = sizes.map((s) => graph.nodes.filter((n) => n.patches.length === s));
  const gap = 24, rowH = size + 40;
  const width = Math.max(1, ...levels.map((l) => l.length)) * (size + gap) + gap;
  const height = levels.length * rowH + (options.title ? 30 : 10);
  const top = options.title ? 30 : 10;
  const pos = new Map<number, [number, number]>();
  levels.forEach((level, li) => {
    const offset = (width - level.length * (size + gap) + gap) / 2;
    level.forEach((n, i) => pos.set(n.id, [offset + i * (size + gap), top + li * rowH]));
  });
  const cell = size / (Math.max(rows, cols) * detail);
  const parts: string[] = [];
  for (const n of graph.nodes) {
    const [x, y] = pos.get(n.id)!;
    for (const c of n.children) {
      const [cx, cy] = pos.get(c)!;
      parts.push(`<line class="edge" x1="${x + size / 2}" y1="${y + size + 18}" x2="${cx + size / 2}" y2="${cy}" stroke="#888" stroke-width="1.2"/>`);
    }
  }
  for (const n of graph.nodes) {
    const [x, y] = pos.get(n.id)!;
    const keep = new Set(n.patches);
    const rects: string[] = [];
    for (let r = 0; r < rows * detail; r++) {
      for (let c = 0; c < cols * detail; c++) {
        const patch = Math.floor(r / detail) * cols + Math.floor(c / detail);
        const fill = keep.has(patch) ? colours[r][c] : '#202020';
        rects.push(`<rect x="${(x + c * cell).toFixed(2)}" y="${(y + r * cell).toFixed(2)}" width="${(cell + 0.05).toFixed(2)}" height="${(cell + 0.05).toFixed(2)}" fill="${fill}"/>`);
      }
    }
    const label = `${Math.round(n.relative * 100)}%`;
    parts.push(
      `<g class="node${n.root ? ' root' : ''}" data-id="${n.id}" data-patches="${n.patches.join(' ')}" data-score="${n.relative.toFixed(4)}">` +
        rects.join('') +
        `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="none" stroke="${n.root ? '#d62728' : '#444'}" stroke-width="${n.root ? 2 : 1}"/>` +
        `<text x="${x + size / 2}" y="${y + size + 14}" text-anchor="middle" font-family="sans-serif" font-size="12">${label}</text></g>`,
    );
  }
  const title = options.title ? `<text x="${width / 2}" y="18" text-anchor="middle" font-family="sans-serif" font-size="14">${escapeXml(options.title)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${title}${parts.join('')}</svg>`;
}
