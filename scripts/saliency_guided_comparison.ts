/**
 * Saliency-guided training (Ismail et al. 2021) against plain training, same data, network
 * and seed: test accuracy, the sanity verdicts (Spearman |map| trained vs fully randomised,
 * lower passes) and the localisation scores on synthetic shapes (docs/trust.md quotes it).
 *   node --import tsx scripts/saliency_guided_comparison.ts [trainImages=2000] [epochs=4]
 */
import { exportOnnx } from '../src/training/export.js';
import { loadFashionMnist } from '../src/training/data.js';
import { accuracy, train, type TrainOptions } from '../src/training/train.js';
import { trainSaliencyGuided } from '../src/training/saliencyGuided.js';
import { sanityCheck } from '../src/trust/sanity.js';
import { syntheticLocalisation } from '../src/trust/localisation.js';
import type { Dataset } from '../src/training/data.js';

const [images, epochs] = [Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 4)];
const methods = ['gradient', 'inputxgradient', 'ig', 'smoothgrad', 'guidedbackprop'];
const options: TrainOptions = { architecture: 'small', epochs, learningRate: 5e-3, seed: 0 };
const trainers = { plain: (d: Dataset, o: TrainOptions) => train(d, o), 'saliency-guided': (d: Dataset, o: TrainOptions) => trainSaliencyGuided(d, o) };
const data = loadFashionMnist('train', { limit: images, seed: 0 });
const test = loadFashionMnist('test', { limit: 1000, seed: 1 });
const explained = loadFashionMnist('test', { limit: 32, seed: 2 });
const out: Record<string, unknown> = {};
for (const [name, trainer] of Object.entries(trainers)) {
  const t0 = performance.now();
  const model = await trainer(data, options);
  const trainSeconds = (performance.now() - t0) / 1000;
  const sanity = await sanityCheck(exportOnnx(model), explained.images, { methods, labels: explained.labels, independent: false });
  const localisation = await syntheticLocalisation(methods, { trainImages: 1000, explained: 32, trainer, training: { epochs: 4 } });
  out[name] = {
    trainSeconds,
    testAccuracy: accuracy(model, test),
    sanity: Object.fromEntries(sanity.verdicts.map((v) => [v.method, Number(v.value.toFixed(3))])),
    syntheticAccuracy: localisation.testAccuracy,
    localisation: Object.fromEntries(Object.entries(localisation.scores).map(([m, s]) => [m, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Number(v.toFixed(3))]))])),
  };
  process.stderr.write(`${name}: ${JSON.stringify(out[name])}\n`);
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
