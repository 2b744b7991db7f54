/** `saliency decoy`: the decoy test (app/decoy.ts), registered on the program. */
import type { Command } from 'commander';
import { decoy, describeDecoy } from '../app/decoy.js';

const int = (s: string | undefined) => (s === undefined ? undefined : Number.parseInt(s, 10));

export function decoyCommand(program: Command): void {
  program
    .command('decoy')
    .description('decoy test: train a model on Fashion-MNIST with a class-coding corner patch and a clean one, check reliance, measure each method\'s |attribution| share in the patch; decoy.html, decoy.json, both models')
    .option('--quick', 'small run (2000 training images, small CNN): minutes', true)
    .option('--full', 'larger run (20000 images, the Fashion-MNIST CNN)')
    .option('--methods <names...>', 'methods (default gradient,inputxgradient,ig,smoothgrad)')
    .option('--train-images <n>', 'training images')
    .option('--epochs <n>', 'training epochs')
    .option('--explained <n>', 'test images explained per method and model')
    .option('--seed <n>', 'seed of data, training and methods', '0')
    .option('-o, --out <dir>', 'output directory', 'saliency-decoy')
    .option('--json', 'print the JSON record')
    .action(async (o: { full?: boolean; methods?: string[]; trainImages?: string; epochs?: string; explained?: string; seed: string; out: string; json?: boolean }) => {
      const r = await decoy({
        quick: !o.full,
        methods: o.methods?.flatMap((m) => m.split(',')).filter(Boolean),
        trainImages: int(o.trainImages),
        epochs: int(o.epochs),
        explained: int(o.explained),
        seed: Number(o.seed),
        out: o.out,
        onProgress: (what) => process.stderr.write(`${what}\n`),
      });
      if (o.json) process.stdout.write(`${JSON.stringify(r.result, null, 2)}\n`);
      else process.stdout.write(`${describeDecoy(r.result)}\nwrote ${r.files.join(', ')} to ${r.out}/\n`);
    });
}
