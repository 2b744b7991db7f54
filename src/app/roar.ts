/** `saliency roar` as a library function: ROAR/KAR on Fashion-MNIST subsets; writes roar.json and roar.html. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFashionMnist } from '../training/data.js';
import { TRAIN_BACKENDS, type TrainBackend } from '../training/train.js';
import { roar as roarRun, type RoarPoint } from '../trust/roar.js';
import { roarPage } from '../report/roar.js';
import { UsageError } from './errors.js';
import { RoarProgress } from './roarProgress.js';

export const ROAR_SIZES = {
  quick: { trainImages: 1000, testImages: 500, epochs: 2, fractions: [0.1, 0.5, 0.9], repeats: 1, architecture: 'small', methods: ['gradient', 'smoothgrad'] },
  full: { trainImages: 5000, testImages: 1000, epochs: 3, fractions: [0.1, 0.3, 0.5, 0.7, 0.9], repeats: 2, architecture: 'small', methods: ['gradient', 'inputxgradient', 'ig', 'smoothgrad', 'guidedbackprop'] },
};

export interface RoarVerbOptions {
  quick?: boolean;
  methods?: string[];
  kar?: boolean;
  trainImages?: number;
  testImages?: number;
  epochs?: number;
  repeats?: number;
  fractions?: number[];
  seed?: number;
  /** Where the retrainings run: 'engine' (default), 'wasm' or 'cpu' (TensorFlow.js). */
  backend?: TrainBackend;
  /** Output directory; its roar-progress.json records every finished retraining, so a rerun with the same settings resumes. */
  out?: string;
  onProgress?: (what: string) => void;
  /** Called after each retraining is recorded, with the number recorded so far (a throw stops the run; it resumes later). */
  onRecorded?: (count: number) => void;
}

export async function roar(o: RoarVerbOptions = {}): Promise<{ points: RoarPoint[]; baseAccuracy: number; seconds: number; out: string; files: string[] }> {
  const t0 = performance.now();
  const size = o.quick ?? true ? ROAR_SIZES.quick : ROAR_SIZES.full;
  const seed = o.seed ?? 0;
  const out = o.out ?? 'saliency-roar';
  const backend = o.backend ?? 'engine';
  if (!TRAIN_BACKENDS.includes(backend)) throw new UsageError(`unknown backend '${backend}': use one of ${TRAIN_BACKENDS.join(', ')}`);
  const settings = {
    trainImages: o.trainImages ?? size.trainImages,
    testImages: o.testImages ?? size.testImages,
    epochs: o.epochs ?? size.epochs,
    fractions: o.fractions ?? size.fractions,
    repeats: o.repeats ?? size.repeats,
    modes: o.kar ? ['roar', 'kar'] as ('roar' | 'kar')[] : ['roar'] as ('roar' | 'kar')[],
    methods: o.methods?.length ? o.methods : size.methods,
    architecture: size.architecture,
    learningRate: 5e-3,
    seed,
    backend,
  };
  const progress = RoarProgress.open(out, settings);
  const trainSet = loadFashionMnist('train', { limit: settings.trainImages, seed });
  const testSet = loadFashionMnist('test', { limit: settings.testImages, seed: seed + 1 });
  const r = await roarRun(trainSet, testSet, settings.methods, {
    seed,
    fractions: settings.fractions,
    repeats: settings.repeats,
    modes: settings.modes,
    training: { architecture: settings.architecture, epochs: settings.epochs, learningRate: settings.learningRate, seed, backend },
    onProgress: o.onProgress,
    baseAccuracy: progress.baseAccuracy,
    onBase: (a) => progress.recordBase(a),
    finished: (at) => progress.accuracy(at),
    onRetrained: (at, a) => {
      progress.record(at, a);
      o.onRecorded?.(progress.count);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'roar.json'), `${JSON.stringify({ ...r, seconds }, null, 2)}\n`);
  writeFileSync(join(out, 'roar.html'), roarPage(r.points, r.baseAccuracy, seconds));
  return { ...r, seconds, out, files: ['roar.json', 'roar.html'] };
}

export function describeRoar(points: readonly RoarPoint[], baseAccuracy: number, seconds: number): string {
  const lines = [`unmodified test accuracy ${baseAccuracy.toFixed(3)}`];
  for (const p of points) lines.push(`  ${p.mode} ${p.ranking.padEnd(16)} t=${p.fraction.toFixed(1)}  ${p.mean.toFixed(3)} ± ${p.std.toFixed(3)}`);
  lines.push(`${seconds.toFixed(1)} s`);
  return lines.join('\n');
}
