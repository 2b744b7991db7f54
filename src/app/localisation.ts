/** `saliency localisation` as a library function: train on synthetic shapes, score each method against the true masks; localisation.json and localisation.html. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMethod } from '../methods/registry.js';
import { localisationPage } from '../report/localisation.js';
import { TRAIN_BACKENDS, type TrainBackend } from '../training/train.js';
import { syntheticLocalisation, type LocalisationResult } from '../trust/localisation.js';
import { UsageError } from './errors.js';

export const LOCALISATION_DEFAULTS = { methods: ['gradient', 'inputxgradient', 'ig', 'smoothgrad', 'gradcam'], trainImages: 1000, explained: 32, epochs: 4 };

export interface LocalisationVerbOptions {
  methods?: string[];
  trainImages?: number;
  explained?: number;
  epochs?: number;
  seed?: number;
  /** Where the model trains: 'engine' (default), 'wasm' or 'cpu' (TensorFlow.js). */
  backend?: TrainBackend;
  out?: string;
}

export async function localisation(o: LocalisationVerbOptions = {}): Promise<{ result: LocalisationResult; seconds: number; out: string; files: string[] }> {
  const t0 = performance.now();
  const methods = o.methods?.length ? o.methods : LOCALISATION_DEFAULTS.methods;
  for (const m of methods) getMethod(m); // an unknown name fails before any training
  const backend = o.backend ?? 'engine';
  if (!TRAIN_BACKENDS.includes(backend)) throw new UsageError(`--backend: unknown backend '${backend}'; use one of ${TRAIN_BACKENDS.join(', ')}`);
  const result = await syntheticLocalisation(methods, {
    trainImages: o.trainImages ?? LOCALISATION_DEFAULTS.trainImages,
    explained: o.explained ?? LOCALISATION_DEFAULTS.explained,
    seed: o.seed ?? 0,
    training: { epochs: o.epochs ?? LOCALISATION_DEFAULTS.epochs, backend },
  });
  const seconds = (performance.now() - t0) / 1000;
  const out = o.out ?? 'saliency-localisation';
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'localisation.json'), `${JSON.stringify({ ...result, seconds }, null, 2)}\n`);
  writeFileSync(join(out, 'localisation.html'), localisationPage(result, seconds));
  return { result, seconds, out, files: ['localisation.json', 'localisation.html'] };
}

export function describeLocalisation(r: LocalisationResult, seconds: number): string {
  const methods = Object.keys(r.scores);
  const metrics = [...new Set(methods.flatMap((m) => Object.keys(r.scores[m])))];
  const lines = [`test accuracy ${r.testAccuracy.toFixed(3)}; masks cover ${(100 * r.maskShare).toFixed(1)}% of the pixels (what a uniform map scores in relevance mass and rank)`];
  lines.push(`${'method'.padEnd(16)}${metrics.map((k) => k.padStart(22)).join('')}`);
  for (const m of methods) lines.push(`${m.padEnd(16)}${metrics.map((k) => r.scores[m][k].toFixed(3).padStart(22)).join('')}`);
  lines.push(`${seconds.toFixed(1)} s`);
  return lines.join('\n');
}
