/**
 * `saliency sanity` as a library function: run the sanity checks (trust/sanity.ts) on a
 * model and images, write sanity.json and sanity.html into `out`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sanityCheck, SANITY_DEFAULTS, type SanityResult } from '../trust/sanity.js';
import { sanityPage } from '../report/sanity.js';
import { trustInput } from './trustInput.js';

export interface SanityVerbOptions {
  model: string;
  images?: string[];
  /** Use this many Fashion-MNIST test images (and their labels) instead of image files. */
  fashionMnist?: number;
  methods?: string[];
  out?: string;
  seed?: number;
  threshold?: number;
  noise?: number[];
  independent?: boolean;
  /** Also run data randomisation: true, or the number of Fashion-MNIST training images (default 256). */
  dataRandomisation?: boolean | number;
  onProgress?: (done: number, total: number, what: string) => void;
}

export async function sanity(o: SanityVerbOptions): Promise<{ result: SanityResult; out: string; files: string[] }> {
  const out = o.out ?? 'saliency-sanity';
  const seed = o.seed ?? SANITY_DEFAULTS.seed;
  const input = await trustInput(o.model, o.images, o.fashionMnist, seed);
  const result = await sanityCheck(o.model, input.batch, {
    methods: o.methods?.length ? o.methods : undefined,
    labels: input.labels,
    seed,
    threshold: o.threshold,
    noise: o.noise,
    independent: o.independent,
    dataRandomisation: typeof o.dataRandomisation === 'number' ? { trainImages: o.dataRandomisation } : o.dataRandomisation,
    onProgress: o.onProgress,
  });
  mkdirSync(out, { recursive: true });
  const json = { model: o.model, inputs: input.names.length, ...sanityRecord(result) };
  writeFileSync(join(out, 'sanity.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(out, 'sanity.html'), await sanityPage(result));
  return { result, out, files: ['sanity.json', 'sanity.html'] };
}

/** The result without its maps (for JSON). */
export function sanityRecord(r: SanityResult): Omit<SanityResult, 'levels' | 'dataRandomisation'> & { levels: unknown[]; dataRandomisation?: unknown } {
  const { firstMap: _, ...data } = r.dataRandomisation ?? { firstMap: undefined };
  return { ...r, levels: r.levels.map(({ firstMap: _m, ...l }) => l), dataRandomisation: r.dataRandomisation ? data : undefined };
}

export function describeSanity(r: SanityResult): string {
  const lines = [`layers (output down): ${r.layers.join(', ')}`, `verdict: Spearman |map| trained vs fully randomised < ${r.threshold} passes`];
  for (const v of r.verdicts) lines.push(`  ${v.title.padEnd(28)} ${v.value.toFixed(3)}  ${v.pass ? 'pass' : 'FAIL'}`);
  const acc = r.levels.filter((l) => l.accuracy !== undefined).map((l) => `${l.label} ${l.accuracy!.toFixed(2)}`);
  if (acc.length) lines.push(`accuracy: ${acc.join(', ')}`);
  const d = r.dataRandomisation;
  if (d) {
    lines.push(`data randomisation: ${d.trainImages} images, permuted labels ${d.memorised ? 'memorised' : 'NOT memorised'} (training accuracy ${d.memorisedAccuracy.toFixed(3)} after ${d.permutedEpochs} epochs)${d.permutedAccuracy === undefined ? '' : `, accuracy on the inputs: true labels ${d.trainedAccuracy!.toFixed(2)}, permuted ${d.permutedAccuracy.toFixed(2)}`}`);
    for (const v of d.verdicts) lines.push(`  ${v.title.padEnd(28)} ${v.value.toFixed(3)}  ${v.pass ? 'pass' : 'FAIL'}`);
  }
  lines.push(`${r.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
