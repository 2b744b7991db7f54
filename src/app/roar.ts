/** `saliency roar` as a library function: ROAR/KAR on Fashion-MNIST subsets; writes roar.json and roar.html. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFashionMnist } from '../training/data.js';
import { roar as roarRun, type RoarPoint } from '../trust/roar.js';
import { roarPage } from '../report/roar.js';

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
  out?: string;
  onProgress?: (what: string) => void;
}

export async function roar(o: RoarVerbOptions = {}): Promise<{ points: RoarPoint[]; baseAccuracy: number; seconds: number; out: string; files: string[] }> {
  const t0 = performance.now();
  const size = o.quick ?? true ? ROAR_SIZES.quick : ROAR_SIZES.full;
  const seed = o.seed ?? 0;
  const out = o.out ?? 'saliency-roar';
  const trainSet = loadFashionMnist('train', { limit: o.trainImages ?? size.trainImages, seed });
  const testSet = loadFashionMnist('test', { limit: o.testImages ?? size.testImages, seed: seed + 1 });
  const r = await roarRun(trainSet, testSet, o.methods?.length ? o.methods : size.methods, {
    seed,
    fractions: o.fractions ?? size.fractions,
    repeats: o.repeats ?? size.repeats,
    modes: o.kar ? ['roar', 'kar'] : ['roar'],
    training: { architecture: size.architecture, epochs: o.epochs ?? size.epochs, learningRate: 5e-3, seed },
    onProgress: o.onProgress,
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
