/** `saliency train`: train a small CNN on Fashion-MNIST (training/), export model.onnx with its sidecar. */
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '../training/data.js';
import { writeOnnx } from '../training/export.js';
import { ARCHITECTURES } from '../training/network.js';
import { accuracy, train, TRAIN_DEFAULTS, type OptimizerName, type TrainBackend, type TrainOptions } from '../training/train.js';
import { SALIENCY_GUIDED_DEFAULTS, trainSaliencyGuided } from '../training/saliencyGuided.js';
import { UsageError } from '../app/errors.js';

export function trainCommand(program: Command): void {
  program
    .command('train')
    .description('train a small CNN on Fashion-MNIST (seeded, resumable from out/checkpoint.json); writes model.onnx, model.preprocess.json, labels.txt, training.json')
    .option('--architecture <name>', Object.keys(ARCHITECTURES).join(', '), TRAIN_DEFAULTS.architecture)
    .option('--train-images <n>', 'training images (seeded subset; default all 60000)')
    .option('--test-images <n>', 'test images scored after each epoch', '2000')
    .option('--epochs <n>', 'epochs', String(TRAIN_DEFAULTS.epochs))
    .option('--batch-size <n>', 'images per step', String(TRAIN_DEFAULTS.batchSize))
    .option('--learning-rate <x>', 'learning rate', String(TRAIN_DEFAULTS.learningRate))
    .option('--optimizer <name>', 'adam or sgd (with momentum)', TRAIN_DEFAULTS.optimizer)
    .option('--momentum <x>', 'SGD momentum', String(TRAIN_DEFAULTS.momentum))
    .option('--backend <name>', "where gradients are computed: engine (the engine's backward graph on onnxruntime), wasm or cpu (TensorFlow.js)", TRAIN_DEFAULTS.backend)
    .option('--threads <n>', 'onnxruntime threads of the engine backend (default: the cores)')
    .option('--saliency-guided [fraction]', 'saliency-guided training (Ismail et al. 2021): mask this share of lowest-saliency pixels (default 0.5) and add the KL term; trains on TensorFlow.js (wasm unless --backend cpu), Adam; resumable from out/checkpoint.json like plain training')
    .option('--kl-weight <x>', 'weight of the KL term of saliency-guided training', '1')
    .option('--seed <n>', 'seed of initialisation, subsets and shuffling', '0')
    .option('-o, --out <dir>', 'output directory', 'saliency-model')
    .action(async (o: { architecture: string; trainImages?: string; testImages: string; epochs: string; batchSize: string; learningRate: string; optimizer: string; momentum: string; backend: string; threads?: string; saliencyGuided?: boolean | string; klWeight: string; seed: string; out: string }) => {
      const seed = Number(o.seed);
      const data = loadFashionMnist('train', { limit: o.trainImages === undefined ? undefined : Number(o.trainImages), seed });
      const test = loadFashionMnist('test', { limit: Number(o.testImages), seed: seed + 1 });
      mkdirSync(o.out, { recursive: true });
      const guided = o.saliencyGuided === undefined ? undefined : { maskFraction: o.saliencyGuided === true ? SALIENCY_GUIDED_DEFAULTS.maskFraction : Number(o.saliencyGuided), klWeight: Number(o.klWeight) };
      if (guided && !(guided.maskFraction >= 0 && guided.maskFraction < 1)) throw new UsageError(`--saliency-guided takes a share in [0, 1), got '${o.saliencyGuided}'`);
      if (guided && o.optimizer !== 'adam') throw new UsageError(`--saliency-guided trains with Adam only: drop --optimizer ${o.optimizer}`);
      // saliency-guided training needs the input gradient inside each step: the TensorFlow.js route
      const backend = (guided && o.backend === 'engine' ? 'wasm' : o.backend) as TrainBackend;
      const m = await (guided ? (d: typeof data, x: TrainOptions) => trainSaliencyGuided(d, { ...x, ...guided }) : train)(data, {
        architecture: o.architecture,
        epochs: Number(o.epochs),
        batchSize: Number(o.batchSize),
        learningRate: Number(o.learningRate),
        optimizer: o.optimizer as OptimizerName,
        momentum: Number(o.momentum),
        backend,
        threads: o.threads === undefined ? undefined : Number(o.threads),
        seed,
        test,
        checkpoint: o.out,
        onBatch: (done, total) => process.stderr.write(`\r  batch ${done}/${total}`),
        onEpoch: (r) => process.stderr.write(`\repoch ${r.epoch}: loss ${r.loss.toFixed(4)}, train ${r.trainAccuracy.toFixed(3)}, test ${r.testAccuracy?.toFixed(3)} (${r.seconds.toFixed(1)} s)\n`),
      });
      writeOnnx(m, join(o.out, 'model.onnx'));
      writeFileSync(join(o.out, 'labels.txt'), `${FASHION_MNIST_CLASSES.join('\n')}\n`);
      writeFileSync(join(o.out, 'model.preprocess.json'), `${JSON.stringify({ size: [28, 28], resize: 'stretch', channels: 'L', layout: 'NCHW', pixelRange: [0, 1], mean: 0, std: 1, labels: 'labels.txt' }, null, 2)}\n`);
      const record = { architecture: m.architecture, backend, optimizer: o.optimizer, saliencyGuided: guided, seed, images: data.labels.length, epochs: Number(o.epochs), seconds: m.seconds, imagesPerSecond: m.imagesPerSecond, testAccuracy: accuracy(m, test), normalisation: m.normalisation, history: m.history };
      writeFileSync(join(o.out, 'training.json'), `${JSON.stringify(record, null, 2)}\n`);
      process.stdout.write(`test accuracy ${record.testAccuracy.toFixed(4)}, ${m.imagesPerSecond.toFixed(0)} images/s; wrote model.onnx to ${o.out}/\n`);
    });
}
