/** Pictures on the page: RgbaImage (src/viz) -> canvas, SVG text -> <img> (blob URL, so the CSP needs no inline styles). */
import type { RgbaImage } from '../../src/viz/rgba.js';

export function paint(canvas: HTMLCanvasElement, image: RgbaImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d')!;
  const data = new ImageData(image.width, image.height);
  data.data.set(image.data);
  ctx.putImageData(data, 0, 0);
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
