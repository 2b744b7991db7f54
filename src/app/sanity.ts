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
    onProgress: o.onProgress,
  });
  mkdirSync(out, { recursive: true });
  const json = { model: o.model, inputs: input.names.length, ...result, levels: result.levels.map(({ firstMap: _, ...l }) => l) };
  writeFileSync(join(out, 'sanity.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(out, 'sanity.html'), sanityPage(result));
  return { result, out, files: ['sanity.json', 'sanity.html'] };
}

export function describeSanity(r: SanityResult): string {
  const lines = [`layers (output down): ${r.layers.join(', ')}`, `verdict: Spearman |map| trained vs fully randomised < ${r.threshold} passes`];
  for (const v of r.verdicts) lines.push(`  ${v.title.padEnd(28)} ${v.value.toFixed(3)}  ${v.pass ? 'pass' : 'FAIL'}`);
  const acc = r.levels.filter((l) => l.accuracy !== undefined).map((l) => `${l.label} ${l.accuracy!.toFixed(2)}`);
  if (acc.length) lines.push(`accuracy: ${acc.join(', ')}`);
  lines.push(`${r.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
