/** `saliency roar`: ROAR and KAR (app/roar.ts), registered on the program. */
import type { Command } from 'commander';
import { describeRoar, roar } from '../app/roar.js';
import type { TrainBackend } from '../training/train.js';
import { positiveInteger } from './flags.js';

export function roarCommand(program: Command): void {
  program
    .command('roar')
    .description('ROAR (and KAR with --kar): remove the top-ranked pixels of every Fashion-MNIST image, retrain, report accuracy against the share removed; random ranking as control; roar.html, roar.json')
    .option('--quick', 'minutes: 1000 training images, 2 epochs, t = 0.1, 0.5, 0.9, gradient and smoothgrad', true)
    .option('--full', '5000 images, 3 epochs, t = 0.1..0.9, 2 repeats, five methods')
    .option('--methods <names...>', 'methods ranking the pixels')
    .option('--kar', 'also KAR (keep the top-ranked pixels)')
    .option('--train-images <n>', 'training images')
    .option('--epochs <n>', 'epochs per retraining')
    .option('--repeats <n>', 'retrainings per point (spread)')
    .option('--fractions <list>', 'shares of pixels, e.g. 0.1,0.5,0.9')
    .option('--seed <n>', 'seed', '0')
    .option('--backend <name>', "where the retrainings run: engine (the engine's backward graph), wasm or cpu (TensorFlow.js)", 'engine')
    .option('-o, --out <dir>', 'output directory; roar-progress.json there records each finished retraining, and a rerun with the same settings resumes', 'saliency-roar')
    .option('--json', 'print the JSON record')
    .action(async (o: { full?: boolean; methods?: string[]; kar?: boolean; trainImages?: string; epochs?: string; repeats?: string; fractions?: string; seed: string; backend: string; out: string; json?: boolean }) => {
      const r = await roar({
        quick: !o.full,
        methods: o.methods?.flatMap((m) => m.split(',')).filter(Boolean),
        kar: o.kar,
        trainImages: positiveInteger('train-images', o.trainImages),
        epochs: positiveInteger('epochs', o.epochs),
        repeats: positiveInteger('repeats', o.repeats),
        fractions: o.fractions?.split(',').map(Number),
        seed: Number(o.seed),
        backend: o.backend as TrainBackend,
        out: o.out,
        onProgress: (what) => process.stderr.write(`${what}\n`),
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ points: r.points, baseAccuracy: r.baseAccuracy, seconds: r.seconds }, null, 2)}\n`);
      else process.stdout.write(`${describeRoar(r.points, r.baseAccuracy, r.seconds)}\nwrote ${r.files.join(', ')} to ${r.out}/\n`);
    });
}
