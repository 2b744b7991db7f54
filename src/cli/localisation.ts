/** `saliency localisation`: methods scored against synthetic ground truth (app/localisation.ts), registered on the program. */
import type { Command } from 'commander';
import { describeLocalisation, localisation, LOCALISATION_DEFAULTS } from '../app/localisation.js';
import { positiveInteger } from './flags.js';
import type { TrainBackend } from '../training/train.js';

export function localisationCommand(program: Command): void {
  program
    .command('localisation')
    .alias('synthetic')
    .description('train a small CNN on synthetic shapes whose pixels are the true masks, then score each method with relevance mass, relevance rank, pointing game and energy pointing game; localisation.html, localisation.json')
    .option('--methods <names...>', `methods (default ${LOCALISATION_DEFAULTS.methods.join(',')})`)
    .option('--train-images <n>', `training images (default ${LOCALISATION_DEFAULTS.trainImages})`)
    .option('--explained <n>', `test images explained per method (default ${LOCALISATION_DEFAULTS.explained})`)
    .option('--epochs <n>', `training epochs (default ${LOCALISATION_DEFAULTS.epochs})`)
    .option('--seed <n>', 'seed of data, training and methods', '0')
    .option('--backend <name>', "where the model trains: engine (the engine's backward graph), wasm or cpu (TensorFlow.js)", 'engine')
    .option('-o, --out <dir>', 'output directory', 'saliency-localisation')
    .option('--json', 'print the JSON record')
    .action(async (o: { methods?: string[]; trainImages?: string; explained?: string; epochs?: string; seed: string; backend: string; out: string; json?: boolean }) => {
      const r = await localisation({
        methods: o.methods?.flatMap((m) => m.split(',')).filter(Boolean),
        trainImages: positiveInteger('train-images', o.trainImages),
        explained: positiveInteger('explained', o.explained),
        epochs: positiveInteger('epochs', o.epochs),
        seed: Number(o.seed),
        backend: o.backend as TrainBackend,
        out: o.out,
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ ...r.result, seconds: r.seconds }, null, 2)}\n`);
      else process.stdout.write(`${describeLocalisation(r.result, r.seconds)}\nwrote ${r.files.join(', ')} to ${r.out}/\n`);
    });
}
