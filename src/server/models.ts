/**
 * The models the explorer offers: the shipped Fashion-MNIST CNN and the one given with
 * `--model`. Each is opened once in Node at start (so its preprocessing, labels and a
 * broken file are known before the page asks) and kept for the HTTP compute API.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openModel, resolveFor, type OpenedModel } from '../app/model.js';
import type { ResolvedPreprocessing } from '../io/preprocess.js';
import { PACKAGE_ROOT } from './assets.js';

export const SHIPPED_MODEL = join(PACKAGE_ROOT, 'models', 'fashion-mnist', 'model.onnx');

export interface ServedModel {
  id: string;
  name: string;
  /** The file it was started with (never taken from a request). */
  path: string;
  opened: OpenedModel;
  prep: ResolvedPreprocessing;
  /** Example images: URL path -> file. */
  images: Map<string, string>;
  /** Whether the page can run it itself (ONNX) or must ask the server (tfjs). */
  inBrowser: boolean;
}

/** What the page learns about a model (GET /api/models). */
export function describeModel(m: ServedModel) {
  return {
    id: m.id,
    name: m.name,
    url: m.inBrowser ? `/models/${m.id}/model.onnx` : null,
    inputShape: m.opened.model.inputShape,
    outputShape: m.opened.model.outputShape,
    preprocessing: m.prep,
    labels: m.prep.labels ?? null,
    images: [...m.images.keys()].map((url) => ({ name: basename(url), url })),
  };
}

export async function openServedModels(extra?: string): Promise<ServedModel[]> {
  const specs: Array<{ id: string; path: string; imagesDir?: string }> = [
    { id: 'fashion-mnist', path: SHIPPED_MODEL, imagesDir: join(PACKAGE_ROOT, 'models', 'fashion-mnist', 'images') },
  ];
  if (extra) specs.push({ id: 'served', path: extra });
  const out: ServedModel[] = [];
  for (const s of specs) {
    const opened = await openModel(s.path);
    const images = new Map<string, string>();
    if (s.imagesDir) {
      for (const f of readdirSync(s.imagesDir).sort()) if (f.endsWith('.png')) images.set(`/models/${s.id}/images/${f}`, join(s.imagesDir, f));
    }
    out.push({ id: s.id, name: opened.name, path: s.path, opened, prep: resolveFor(opened), images, inBrowser: opened.format === 'onnx' });
  }
  return out;
}
