/** `saliency sanity`: model-randomisation sanity checks (app/sanity.ts), registered on the program. */
import type { Command } from 'commander';
import { describeSanity, sanity, sanityRecord } from '../app/sanity.js';
import { UsageError } from '../app/errors.js';

const numbers = (text: string | undefined, flag: string): number[] | undefined =>
  text === undefined
    ? undefined
    : text.split(',').map((s) => {
        const v = Number(s);
        if (!Number.isFinite(v)) throw new UsageError(`${flag} takes numbers separated by commas, got '${text}'`);
        return v;
      });

function count(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 10) throw new UsageError(`--data-randomisation takes a number of training images (at least 10), got '${text}'`);
  return v;
}

export function sanityCommand(program: Command): void {
  program
    .command('sanity')
    .description('sanity checks (Adebayo et al. 2018): randomise layers from the output down and one at a time, compare maps (Spearman, SSIM, HOG) with a Sobel control; sanity.html, sanity.json')
    .requiredOption('-m, --model <model>', 'an .onnx file')
    .option('-i, --image <files...>', 'image files')
    .option('--fashion-mnist <n>', 'use n Fashion-MNIST test images (with labels: accuracies of the randomised models) instead of --image')
    .option('--methods <names...>', 'methods (repeat or comma-separate; default gradient,inputxgradient,ig,smoothgrad,guidedbackprop)')
    .option('--threshold <t>', 'a method passes when Spearman |map| between trained and fully randomised is below t', '0.5')
    .option('--noise <levels>', 'also add weight noise at these levels (x each layer weight std), e.g. 0.1,0.5')
    .option('--data-randomisation [images]', 'also train a model on true and one on permuted labels (Fashion-MNIST; default 256 images, until memorised) and compare their maps')
    .option('--no-independent', 'skip independent (one layer at a time) randomisation')
    .option('--seed <n>', 'seed of the randomised weights and method draws', '0')
    .option('-o, --out <dir>', 'output directory', 'saliency-sanity')
    .option('--json', 'print the JSON record')
    .action(async (o: { model: string; image?: string[]; fashionMnist?: string; methods?: string[]; threshold: string; noise?: string; independent: boolean; dataRandomisation?: boolean | string; seed: string; out: string; json?: boolean }) => {
      const r = await sanity({
        model: o.model,
        images: o.image,
        fashionMnist: o.fashionMnist === undefined ? undefined : Number(o.fashionMnist),
        methods: o.methods?.flatMap((m) => m.split(',')).filter(Boolean),
        threshold: Number(o.threshold),
        noise: numbers(o.noise, '--noise'),
        independent: o.independent,
        dataRandomisation: typeof o.dataRandomisation === 'string' ? count(o.dataRandomisation) : o.dataRandomisation,
        seed: Number(o.seed),
        out: o.out,
        onProgress: (done, total, what) => process.stderr.write(total ? `\r[${done}/${total}] ${what}`.padEnd(60) : `\n${what}`),
      });
      process.stderr.write('\n');
      if (o.json) process.stdout.write(`${JSON.stringify(sanityRecord(r.result), null, 2)}\n`);
      else process.stdout.write(`${describeSanity(r.result)}\nwrote ${r.files.join(', ')} to ${r.out}/\n`);
    });
}
