#!/usr/bin/env node
/**
 * The `saliency` command: commander wiring only; each verb is a library function
 * (explain.ts, compare.ts, demo.ts, inspect.ts, verify.ts) that a program can call with
 * the same options, and the method flags are generated from the registry (flags.ts).
 * Exit codes: one table in exit.ts (EXIT_TABLE), printed by --help and the README.
 * Human output on stdout, --json for machines, progress on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import type { PreprocessingFlags } from '../io/preprocess.js';
import { compare } from './compare.js';
import { demo, describeDemo } from './demo.js';
import { UsageError } from '../app/errors.js';
import { catalogue, describeCatalogue } from '../app/catalogue.js';
import { EXIT, EXIT_TABLE, exitCodeOf } from './exit.js';
import { createRequire } from 'node:module';
import { describeExplain, explain } from './explain.js';
import { describeDatasetRun, explainDataset, worker, type DatasetFlags } from './dataset.js';
import { registerEvaluate } from './evaluateCommand.js';
import { addMethodFlags, methodFlagValues } from './flags.js';
import { listMethods } from '../methods/registry.js';
import { describeInspect, inspect } from './inspect.js';
import { serveVerb } from './serve.js';
import { describeVerify, verify } from './verify.js';
import { registerSag, registerSagStats } from './sag.js';
import { sanityCommand } from './sanity.js';
import { decoyCommand } from './decoy.js';
import { localisationCommand } from './localisation.js';
import { trainCommand } from './train.js';
import { roarCommand } from './roar.js';

export { EXIT } from './exit.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface CommonFlags extends PreprocessingFlags {
  model: string;
  image?: string[];
  input?: string;
  method?: string[];
  baseline?: string[];
  target?: string;
  mask?: string;
  out?: string;
  json?: boolean;
  batchSize?: string;
  seed?: string;
  paths?: string;
  title?: string;
  output?: string;
}

/** The flags explain and compare share, as their library options. */
function runFlags(o: CommonFlags) {
  return {
    model: o.model,
    images: o.image,
    baselines: o.baseline,
    options: methodFlagValues(o as unknown as Record<string, unknown>),
    target: o.target,
    mask: o.mask,
    out: o.out,
    batchSize: o.batchSize,
    seed: o.seed,
    preprocessing: preprocessingFlags(o),
    output: o.output,
    onNote: (line: string) => process.stderr.write(`${line}\n`),
  };
}

function preprocessingFlags(o: CommonFlags): PreprocessingFlags {
  return {
    preprocess: o.preprocess,
    size: o.size,
    resize: o.resize,
    cropFraction: o.cropFraction,
    channels: o.channels,
    layout: o.layout,
    range: o.range,
    mean: o.mean,
    std: o.std,
    labels: o.labels,
  };
}

/**
 * Flags shared by explain, compare and evaluate. `--mask` is the segment: target's region;
 * evaluate defines its own `--mask` (ground truth, which for a segment: target is the region too).
 */
function attributionFlags(cmd: Command, methodFlag: string, defaults: { methods: string; baselines: string }, own: { mask?: boolean } = {}): Command {
  if (!own.mask) cmd = cmd.option('--mask <file>', 'the region of a segment: target (.npy of output height x width weights, or an image whose non-black pixels count)');
  return addMethodFlags(cmd
    .requiredOption('-m, --model <model>', 'an .onnx file, a tfjs model.json (or its directory), or nsfwjs:mobilenet_v2')
    .option('-i, --image <files...>', 'image files (any format sharp decodes)')
    .option(`${methodFlag} <names...>`, `${listMethods().map((d) => d.name).join(', ')} (repeat or comma-separate; default ${defaults.methods}; 'saliency methods' lists them)`)
    .option('-b, --baseline <specs...>', `black, white, gray, maxdistance, blur[:sigma=5], uniform, gaussian[:sigma=0.1], dataset:DIR|FILE.npy|IDX, x.npy (default ${defaults.baselines})`)
    .option('-t, --target <spec>', "what is explained: each input's top class (top1), a class index, a .npy/.json of one class per input, detection:N|class=NAME|box=x1,y1,x2,y2, box:DETECTION:x1|y1|x2|y2, segment:class=N, similarity:REF", 'top1')
    .option('--seed <n>', 'seed of every random draw (noise, random baselines); same seed, same numbers', '0')
    .option('--batch-size <n>', "examples per model call (default: as many as fit 256 MB of the model's activations, 1 to 16, tiny models up to 64)")
    .option('--output <name>', 'the model output explained when it has several (default: the first; `saliency inspect` lists them)')
    .option('--json', 'print the JSON record on stdout instead of a summary')
    .addOption(new Option('--preprocess <preset|file>', 'preprocessing preset (imagenet, keras-tf) or JSON file (default: the sidecar next to the model)'))
    .option('--size <N|HxW>', 'model input size')
    .addOption(new Option('--resize <mode>', 'how images reach the size').choices(['stretch', 'crop', 'pad']))
    .option('--crop-fraction <f>', "with --resize crop: the crop's share of the scaled image's shorter side (0.875 for torchvision's 256 -> 224)")
    .option('--channels <order>', 'RGB, BGR or L')
    .option('--layout <layout>', 'NCHW or NHWC')
    .option('--range <min,max>', 'pixel value range before normalisation, e.g. 0,1 or 0,255')
    .option('--mean <values>', 'per-channel mean subtracted from pixels, e.g. 0.485,0.456,0.406')
    .option('--std <values>', 'per-channel standard deviation dividing pixels')
    .option('--labels <file>', 'class names: one per line, or JSON'));
}

/** The package's version (package.json above src/ or dist/). */
function version(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const EXIT_HELP = `\nExit codes:\n${EXIT_TABLE.map(([c, what]) => `  ${c.padEnd(12)}${what}`).join('\n')}\n`;

/** An error's message for the terminal: ours as they are; anything else is a bug, and says so. */
function errorMessage(e: unknown, exit: number): string {
  const message = (e as Error)?.message ?? String(e);
  if (exit !== EXIT.internal) return `error: ${message}\n`;
  return `internal error (a bug in saliency-lab, not a problem with your input): ${message}\nrun again with SALIENCY_DEBUG=1 to print the stack, and please report it\n`;
}

function print(json: boolean, value: unknown, human: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  let code: number = EXIT.ok;
  const command = `saliency ${argv.join(' ')}`;
  program
    .name('saliency')
    .description('Saliency Lab: attributions for ONNX and TensorFlow.js models, and tests of whether to trust them')
    .version(version(), '-V, --version', 'print the version')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  attributionFlags(
    program
      .command('explain')
      .description('explain a model on images (--image) or preprocessed inputs (--input x.npy): heat map, signed map and overlay PNGs, raw .npy, explain.json')
      .option('--input <x.npy>', 'a batch of preprocessed model inputs [n, ...inputShape]; attributions are written as .npy of the same shape')
      .option('-o, --out <dir>', 'output directory (with --dataset: the results directory, default saliency-dataset)')
      .option('--dataset <src>', 'a dataset run (streaming, resumable): folder of images, IDX file, .npy batch or list file (idx:, npy:, folder:, list: prefixes)')
      .option('--dataset-labels <file>', 'labels of --dataset: IDX labels file or CSV file,label')
      .option('--workers <n|auto>', 'with --dataset: worker threads on this machine (default auto: from the cores and the model)')
      .option('--redis <url>', 'with --dataset: distribute work items through BullMQ on Redis to `saliency worker` processes')
      .option('--chunk-size <n>', 'with --dataset: images per work item (default 32)')
      .option('--limit <n>', 'with --dataset: only the first n images'),
    '--method',
    { methods: 'ig', baselines: 'black' },
  ).action(async (o: CommonFlags & DatasetFlags) => {
    if (o.dataset) {
      const d = await explainDataset({ ...runFlags(o), out: o.out, methods: o.method, dataset: o.dataset, datasetLabels: o.datasetLabels, workers: o.workers, redis: o.redis, chunkSize: o.chunkSize, limit: o.limit });
      print(Boolean(o.json), { out: d.out, summary: d.summary }, () => describeDatasetRun(d));
      return;
    }
    const r = await explain({ ...runFlags(o), out: o.out ?? 'saliency-out', input: o.input, methods: o.method });
    print(Boolean(o.json), { ...r.record, out: r.out }, () => describeExplain(r));
  });

  attributionFlags(
    program
      .command('compare')
      .description('several methods and baselines side by side: grid.png, report.html (self-contained), compare.json')
      .option('--paths <n>', 'images that get the Integrated Gradients path figure (the first n)', '4')
      .option('--title <text>', 'title of the report section')
      .option('-o, --out <dir>', 'output directory', 'saliency-compare'),
    '--methods',
    { methods: 'gradient,inputxgradient,smoothgrad,ig', baselines: 'black' },
  )
    .addOption(new Option('--method <names...>', 'same as --methods').hideHelp())
    .action(async (o: CommonFlags & { methods?: string[] }) => {
    const r = await compare({
      ...runFlags(o),
      methods: [...(o.methods ?? []), ...(o.method ?? [])],
      paths: o.paths,
      title: o.title,
      command,
    });
    print(Boolean(o.json), { ...r.record, out: r.out, report: r.report }, () => `wrote ${r.files.length} files to ${r.out}/\nreport: ${r.report}`);
  });

  registerEvaluate(program, attributionFlags, runFlags, print, command);

  program
    .command('demo')
    .description('explain a Fashion-MNIST CNN and nsfwjs MobileNetV2 on shipped images with the baselines article\'s methods; writes an HTML report')
    .option('-o, --out <dir>', 'output directory', 'saliency-demo')
    .option('--only <part>', 'fashion-mnist, photos or beyond (detection and similarity; default: all)')
    .option('--json', 'print the run summary as JSON')
    .action(async (o: { out: string; only?: string; json?: boolean }) => {
      if (o.only !== undefined && !['fashion-mnist', 'photos', 'beyond'].includes(o.only)) throw new UsageError(`--only must be fashion-mnist, photos or beyond, got '${o.only}'`);
      const r = await demo({ out: o.out, only: o.only as 'fashion-mnist' | 'photos' | 'beyond' | undefined, command });
      print(Boolean(o.json), r, () => describeDemo(r));
    });

  program.command('worker').description('compute dataset work items queued on Redis (BullMQ) until interrupted').requiredOption('--redis <url>', 'redis://host:port').option('--threads <n>', 'onnxruntime intra-op threads').option('--lock-ms <ms>', 'job lock: a dead worker\'s job is retried after about this long', '30000').action((o: { redis: string; threads?: string; lockMs?: string }) => worker(o));

  program
    .command('methods')
    .description('list every registered attribution method and metric: family, options with defaults and ranges, one-line summary')
    .option('--json', 'as JSON: { methods: [...], metrics: [...] }')
    .action((o: { json?: boolean }) => {
      const c = catalogue();
      print(Boolean(o.json), c, () => describeCatalogue(c));
    });

  program
    .command('inspect')
    .description("list a model's input, outputs (and the target kinds each fits), ops, whether each op has a backward rule, and its taps")
    .requiredOption('-m, --model <model>', 'an .onnx file, a tfjs model.json (or its directory), or nsfwjs:mobilenet_v2')
    .option('--output <name>', 'the output to describe as explained when the model has several (default: the first)')
    .option('--json', 'machine-readable output')
    .action(async (o: { model: string; output?: string; json?: boolean }) => {
      const info = await inspect({ model: o.model, output: o.output });
      print(Boolean(o.json), info, () => describeInspect(o.model, info));
    });

  program
    .command('serve')
    .description('start the explorer: attributions computed in the browser on the shipped or given model (prints the URL, opens nothing)')
    .option('-m, --model <model>', 'another model to offer besides the shipped Fashion-MNIST CNN (.onnx runs in the page; tfjs runs on the server)')
    .option('--port <n>', 'port (0: any free port)', '0')
    .option('--host <host>', 'address to bind (other machines can reach anything but 127.0.0.1)', '127.0.0.1')
    .action(async (o: { model?: string; port: string; host: string }) => {
      const explorer = await serveVerb(o);
      process.stdout.write(`Saliency Lab explorer: ${explorer.url}\n(Ctrl+C stops it)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => void explorer.close().then(resolve));
        process.once('SIGTERM', () => void explorer.close().then(resolve));
      });
    });

  program
    .command('verify')
    .description('check the engine: gradients of the shipped CNNs (fixtures/torch) against PyTorch autograd')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const v = await verify();
      print(Boolean(o.json), v, () => describeVerify(v));
      code = v.ok ? EXIT.ok : EXIT.checkFailed;
    });

  registerSag(program);
  registerSagStats(program);
  sanityCommand(program);
  decoyCommand(program);
  localisationCommand(program);
  trainCommand(program);
  roarCommand(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const exit = exitCodeOf(e);
    if (!(e instanceof CommanderError)) process.stderr.write(errorMessage(e, exit));
    if (!(e instanceof CommanderError) && process.env['SALIENCY_DEBUG']) process.stderr.write(`${(e as Error).stack}\n`);
    return exit;
  }
  return code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
