/**
 * Datasets as sources, read lazily a range at a time: an IDX image file (labels from its
 * sibling labels file), a .npy of model inputs, a folder of images (recursive; labels from
 * subfolder names or a labels.csv `file,label` at its root), a list file (one image path
 * per line, optionally `path,label`). `read(start, end)` gives model inputs for the items
 * that decode and a failure record for each that does not.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadImage } from './image.js';
import type { ResolvedPreprocessing } from './preprocess.js';

export interface DatasetItem {
  index: number;
  /** File path relative to the source, or 'name[i]'. */
  name: string;
  /** Class index from the source's labels, when it has them (-1: none). */
  label: number;
}

export interface DatasetBatch {
  /** Model inputs of the items that decoded, in order. */
  batch: Float32Array;
  ok: DatasetItem[];
  failed: Array<DatasetItem & { error: string }>;
}

export interface DatasetSource {
  kind: 'idx' | 'npy' | 'folder' | 'list';
  spec: string;
  size: number;
  classNames?: string[];
  read(start: number, end: number): Promise<DatasetBatch>;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.avif']);

/** Pixel bytes (0..255, HxW grey) -> the model's value, as io/image.ts does it. */
function pixelValue(prep: ResolvedPreprocessing): (b: number) => number {
  const [lo, hi] = prep.pixelRange;
  const mean = typeof prep.mean === 'number' ? prep.mean : prep.mean[0];
  const std = typeof prep.std === 'number' ? prep.std : prep.std[0];
  return (b) => (lo + (b / 255) * (hi - lo) - mean) / std;
}

/** Bytes of an IDX file: gzipped ones are inflated once (1 byte a pixel), plain ones read by offset. */
function idxReader(path: string): { shape: number[]; bytes: (from: number, n: number) => Uint8Array; type: number } {
  const gz = path.endsWith('.gz');
  let whole: Uint8Array | undefined;
  let fd = -1;
  let head: Uint8Array;
  if (gz) {
    whole = gunzipSync(readFileSync(path));
    head = whole;
  } else {
    fd = openSync(path, 'r');
    head = new Uint8Array(64);
    readSync(fd, head, 0, 64, 0);
  }
  if (head[0] !== 0 || head[1] !== 0) throw new Error(`${path} is not an IDX file (bad magic)`);
  const ndim = head[3];
  const view = new DataView(head.buffer, head.byteOffset, 4 + 4 * ndim);
  const shape = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k));
  const start = 4 + 4 * ndim;
  const bytes = (from: number, n: number): Uint8Array => {
    if (whole) return whole.subarray(start + from, start + from + n);
    const out = new Uint8Array(n);
    readSync(fd, out, 0, n, start + from);
    return out;
  };
  return { shape, bytes, type: head[2] };
}

function idxSource(path: string, prep: ResolvedPreprocessing, labelsPath?: string): DatasetSource {
  const images = idxReader(path);
  if (images.type !== 0x08) throw new Error(`${path}: dataset IDX images must be uint8 pixels (type 0x08), got 0x${images.type.toString(16)}`);
  const [n, h, w] = images.shape;
  if (images.shape.length !== 3 || h !== prep.height || w !== prep.width || prep.channels !== 'L') {
    throw new Error(`${path}: IDX images [${images.shape.join(', ')}] do not fit the model's input ${prep.height}x${prep.width} ${prep.channels} (expected n x ${prep.height} x ${prep.width} grey images)`);
  }
  const guess = join(dirname(path), basename(path).replace('images-idx3', 'labels-idx1'));
  const lp = labelsPath ?? (guess !== path && existsSync(guess) ? guess : undefined);
  const labels = lp ? idxReader(lp) : undefined;
  if (labels && labels.shape[0] !== n) throw new Error(`${lp}: ${labels.shape[0]} labels for ${n} images`);
  const value = pixelValue(prep);
  const per = h * w;
  return {
    kind: 'idx',
    spec: path,
    size: n,
    classNames: prep.labels,
    async read(s, e) {
      const raw = images.bytes(s * per, (e - s) * per);
      const batch = Float32Array.from(raw, value);
      const lab = labels?.bytes(s, e - s);
      const ok = Array.from({ length: e - s }, (_, k) => ({ index: s + k, name: `${basename(path)}[${s + k}]`, label: lab ? lab[k] : -1 }));
      return { batch, ok, failed: [] };
    },
  };
}

function npySource(path: string, inputShape: readonly number[]): DatasetSource {
  const fd = openSync(path, 'r');
  const head = new Uint8Array(4096);
  readSync(fd, head, 0, head.length, 0);
  const major = head[6];
  const headerLen = major === 1 ? head[8] | (head[9] << 8) : new DataView(head.buffer, 8, 4).getUint32(0, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = new TextDecoder('latin1').decode(head.subarray(major === 1 ? 10 : 12, start));
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) throw new Error(`${path}: dataset .npy must be C-ordered float32 ('<f4')`);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  const per = inputShape.reduce((a, b) => a * b, 1);
  if (shape.slice(1).reduce((a, b) => a * b, 1) !== per) throw new Error(`${path} has shape [${shape.join(', ')}]; the model takes [n, ${inputShape.join(', ')}]`);
  return {
    kind: 'npy',
    spec: path,
    size: shape[0],
    async read(s, e) {
      const buf = new Uint8Array((e - s) * per * 4);
      readSync(fd, buf, 0, buf.length, start + s * per * 4);
      const ok = Array.from({ length: e - s }, (_, k) => ({ index: s + k, name: `${basename(path)}[${s + k}]`, label: -1 }));
      return { batch: new Float32Array(buf.buffer), ok, failed: [] };
    },
  };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (IMAGE_EXT.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

/** `file,label` lines (a header line without a known file is skipped); labels are class names or indices. */
function readCsv(path: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const [f, l] = line.split(',').map((x) => x?.trim());
    if (f && l !== undefined) m.set(f, l);
  }
  return m;
}

function imagesSource(kind: 'folder' | 'list', spec: string, files: string[], names: string[], labelTexts: (string | undefined)[], prep: ResolvedPreprocessing): DatasetSource {
  const found = [...new Set(labelTexts.filter((l): l is string => l !== undefined))].sort();
  const numeric = found.every((c) => /^\d+$/.test(c));
  // names the model's labels all know take the model's indices; otherwise sorted order
  const classNames = !numeric && prep.labels && found.every((c) => prep.labels!.includes(c)) ? prep.labels : found;
  const labelOf = (t: string | undefined) => (t === undefined ? -1 : numeric ? Number(t) : classNames.indexOf(t));
  const per = prep.shape.reduce((a, b) => a * b, 1);
  return {
    kind,
    spec,
    size: files.length,
    classNames: numeric ? prep.labels : classNames,
    async read(s, e) {
      const ok: DatasetItem[] = [];
      const failed: DatasetBatch['failed'] = [];
      const parts: Float32Array[] = [];
      for (let i = s; i < e; i++) {
        const item = { index: i, name: names[i], label: labelOf(labelTexts[i]) };
        try {
          parts.push((await loadImage(files[i], prep)).data);
          ok.push(item);
        } catch (err) {
          failed.push({ ...item, error: (err as Error).message });
        }
      }
      const batch = new Float32Array(parts.length * per);
      parts.forEach((p, k) => batch.set(p, k * per));
      return { batch, ok, failed };
    },
  };
}

/**
 * Open a dataset: 'idx:FILE', 'npy:FILE', 'folder:DIR', 'list:FILE', or a bare path whose
 * kind is told by its extension (.npy, .txt/.lst list, idx3 or .idx in the name) or by being a directory.
 */
export function openDataset(spec: string, prep: ResolvedPreprocessing, options: { labels?: string } = {}): DatasetSource {
  const m = /^(idx|npy|folder|list):(.*)$/.exec(spec);
  const path = m ? m[2] : spec;
  if (!existsSync(path)) throw new Error(`cannot open dataset ${path}: no such file or directory`);
  const kind = m?.[1] ?? (statSync(path).isDirectory() ? 'folder' : extname(path) === '.npy' ? 'npy' : /idx\d|\.idx/.test(basename(path)) ? 'idx' : ['.txt', '.lst', '.csv'].includes(extname(path)) ? 'list' : '');
  if (kind === 'idx') return idxSource(path, prep, options.labels);
  if (kind === 'npy') return npySource(path, prep.shape);
  if (kind === 'folder') {
    const files = walk(path);
    const names = files.map((f) => relative(path, f));
    const csv = options.labels ?? (existsSync(join(path, 'labels.csv')) ? join(path, 'labels.csv') : undefined);
    const table = csv ? readCsv(csv) : undefined;
    const labels = names.map((n) => (table ? table.get(n) : n.includes('/') ? n.split('/')[0] : undefined));
    return imagesSource('folder', path, files, names, labels, prep);
  }
  if (kind === 'list') {
    const lines = readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const rows = lines.map((l) => l.split(',').map((x) => x.trim()));
    const files = rows.map((r) => resolve(dirname(path), r[0]));
    return imagesSource('list', path, files, rows.map((r) => r[0]), rows.map((r) => r[1]), prep);
  }
  throw new Error(`cannot tell what dataset ${path} is: prefix it with idx:, npy:, folder: or list:`);
}
