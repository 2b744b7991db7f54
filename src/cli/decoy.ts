/** `saliency decoy`: the decoy test (app/decoy.ts), registered on the program. */
import type { Command } from 'commander';
import { decoy, describeDecoy } from '../app/decoy.js';
import { UsageError } from '../app/errors.js';
import { ARTIFACTS, type ArtifactName } from '../trust/artifacts.js';
import { TRAIN_BACKENDS, type TrainBackend } from '../training/train.js';
import { nonNegativeInteger, positiveInteger } from './flags.js';

function backendNamed(name: string): TrainBackend {
  if (!(TRAIN_BACKENDS as readonly string[]).includes(name)) throw new UsageError(`--backend: unknown backend '${name}'; use ${TRAIN_BACKENDS.join(', ')}`);
  return name as TrainBackend;
}

function artifactNames(text: string | undefined): ArtifactName[] | undefined {
  if (text === undefined) return undefined;
  if (text === 'none') return [];
  return text.split(',').filter(Boolean).map((a) => {
    if (!(ARTIFACTS as readonly string[]).includes(a)) throw new UsageError(`--artifacts: unknown artifact '${a}'; use ${ARTIFACTS.join(', ')} or none`);
    return a as ArtifactName;
  });
}

export function decoyCommand(program: Command): void {
  program
    .command('decoy')
    .description('decoy test: train a model on Fashion-MNIST with a class-coding corner patch and a clean one, check reliance, measure each method\'s |attribution| share in the patch; then Adebayo et al. 2022\'s tag, stripes and blur with K-SSD, CCM, FAM and false alarm rates; decoy.html, decoy.json, both models')
    .option('--quick', 'small run (2000 training images, small CNN): minutes', true)
    .option('--full', 'larger run (20000 images, the Fashion-MNIST CNN)')
    .option('--methods <names...>', 'methods (default gradient,inputxgradient,ig,smoothgrad)')
    .option('--artifacts <names>', "Adebayo et al. 2022's artifacts besides the patch, comma-separated: tag,stripes,blur (default all; 'none' for the patch only)")
    .option('--spurious-class <k>', 'the class the artifacts mark in training (default 6, Shirt)')
    .option('--train-images <n>', 'training images')
    .option('--epochs <n>', 'training epochs')
    .option('--explained <n>', 'test images explained per method and model')
    .option('--seed <n>', 'seed of data, training and methods', '0')
    .option('--backend <name>', "where the models train: engine (the engine's backward graph), wasm or cpu (TensorFlow.js)", 'engine')
    .option('-o, --out <dir>', 'output directory; a stopped run resumes from its checkpoints there (run the same line again)', 'saliency-decoy')
    .option('--json', 'print the JSON record')
    .action(async (o: { full?: boolean; methods?: string[]; artifacts?: string; spuriousClass?: string; trainImages?: string; epochs?: string; explained?: string; seed: string; backend: string; out: string; json?: boolean }) => {
      const r = await decoy({
        quick: !o.full,
        methods: o.methods?.flatMap((m) => m.split(',')).filter(Boolean),
        artifacts: artifactNames(o.artifacts),
        spuriousClass: nonNegativeInteger('spurious-class', o.spuriousClass),
        trainImages: positiveInteger('train-images', o.trainImages),
        epochs: positiveInteger('epochs', o.epochs),
        explained: positiveInteger('explained', o.explained),
        seed: Number(o.seed),
        backend: backendNamed(o.backend),
        out: o.out,
        onProgress: (what) => process.stderr.write(`${what}\n`),
      });
      if (o.json) process.stdout.write(`${JSON.stringify(r.result, null, 2)}\n`);
      else process.stdout.write(`${describeDecoy(r.result)}\nwrote ${r.files.join(', ')} to ${r.out}/\n`);
    });
}
