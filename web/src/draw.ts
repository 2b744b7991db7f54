/** Pictures on the page: RgbaImage (drawn in the worker) -> canvas, SVG text -> <img> (blob URL, so the CSP needs no inline styles). */
import type { RgbaImage } from '../../src/viz/rgba.js';

/** Put a picture on a canvas; the pixels are used as they are (no copy: the worker transferred them). */
export function paint(canvas: HTMLCanvasElement, image: RgbaImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const data = image.data.buffer instanceof ArrayBuffer ? new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height) : new ImageData(image.width, image.height);
  if (data.data !== image.data) data.data.set(image.data);
  canvas.getContext('2d')!.putImageData(data, 0, 0);
}

const svgUrls = new WeakMap<HTMLImageElement, string>();
export function showSvg(img: HTMLImageElement, svg: string): void {
  const old = svgUrls.get(img);
  if (old) URL.revokeObjectURL(old);
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  svgUrls.set(img, url);
  img.src = url;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

/** A figure of a map with a caption (the grids' cells). */
export function cell(image: RgbaImage | undefined, caption: string, error = false): HTMLElement {
  const fig = el('figure');
  if (image) {
    const canvas = el('canvas');
    paint(canvas, image);
    fig.append(canvas);
  }
  fig.append(el('figcaption', error ? { class: 'cell-error' } : {}, caption));
  return fig;
}
