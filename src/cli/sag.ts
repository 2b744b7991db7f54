/**
 * `saliency sag` (a Structured Attention Graph per image: <stem>.sag.svg and <stem>.sag.json
 * in --out) and `saliency sag-stats` (dataset-level statistics per model, side by side:
 * sag-stats.json and sag-stats.svg in --out).
 */
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sagImages, sagStats, type SagRequest, type SagStatsRequest } from '../app/sag.js';
import { sagStatsSvg } from '../viz/sagStats.js';
import { figuresReport, sagFigures, sagStatsFigures } from '../app/sagReport.js';
import type { SagDatasetStats } from '../methods/mask/sagStats.js';

export async function sag(o: SagRequest & { out: string; command?: string }): Promise<{ out: string; files: string[]; roots: Array<{ image: string; roots: number[][]; shown: number; baselineSufficient: boolean; exhausted: boolean }> }> {
  const t0 = performance.now();
  const results = await sagImages(o);
  mkdirSync(o.out, { recursive: true });
  const report = join(o.out, 'report.html');
  writeFileSync(report, await figuresReport('Saliency Lab · Structured Attention Graphs', o.command ?? 'saliency sag', [sagFigures('sag', `Structured Attention Graphs: ${o.model}`, results)], performance.now() - t0));
  const files: string[] = [report];
  for (const r of results) {
    for (const [ext, text] of [['svg', r.svg], ['json', JSON.stringify(r.graph, null, 1)]] as const) {
      const f = join(o.out, `${r.name}.sag.${ext}`);
      writeFileSync(f, text);
      files.push(f);
    }
  }
  return { out: o.out, files, roots: results.map((r) => ({ image: r.name, roots: r.graph.allRoots, shown: r.graph.roots.length, baselineSufficient: r.graph.baselineSufficient, exhausted: r.graph.exhausted })) };
}

export function describeSag(r: Awaited<ReturnType<typeof sag>>): string {
  const line = (x: (typeof r.roots)[number]) =>
    x.baselineSufficient
      ? `${x.image}: the baseline alone keeps the prediction: nothing to explain`
      : `${x.image}: ${x.roots.length} minimal sufficient explanations${x.exhausted ? ' (search stopped at its evaluation budget)' : ''} (${x.shown} in the graph): ${x.roots.map((s) => `{${s.join(' ')}}`).join(' ')}`;
  return [...r.roots.map(line), `wrote ${r.files.length} files to ${r.out}/`].join('\n');
}

export async function sagStatsVerb(o: SagStatsRequest & { out: string; command?: string }): Promise<{ out: string; stats: SagDatasetStats[] }> {
  const t0 = performance.now();
  const stats = await sagStats(o);
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'report.html'), await figuresReport('Saliency Lab · SAG statistics', o.command ?? 'saliency sag-stats', [sagStatsFigures(stats)], performance.now() - t0));
  writeFileSync(join(o.out, 'sag-stats.json'), JSON.stringify(stats, null, 1));
  writeFileSync(join(o.out, 'sag-stats.svg'), sagStatsSvg(stats));
  return { out: o.out, stats };
}

export function describeSagStats(r: Awaited<ReturnType<typeof sagStatsVerb>>): string {
  const rows = r.stats.map((s) => `${s.model.padEnd(40)} ${String(s.images.length).padStart(6)} ${s.meanRoots.toFixed(2).padStart(10)} ${s.meanRootSize.toFixed(2).padStart(10)} ${(100 * s.meanCoverage).toFixed(1).padStart(9)}% ${String(s.withoutRoots).padStart(8)}`);
  return [`${'model'.padEnd(40)} ${'images'.padStart(6)} ${'roots/img'.padStart(10)} ${'root size'.padStart(10)} ${'coverage'.padStart(10)} ${'no root'.padStart(8)}`, ...rows, `wrote ${r.out}/sag-stats.json, sag-stats.svg and report.html`].join('\n');
}

function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human()}\n`);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The preprocessing flags both verbs take (as explain's). */
function withPreprocessing(cmd: Command): Command {
  return cmd
    .option('--preprocess <preset|file>', 'preprocessing preset (imagenet, keras-tf) or JSON file (default: the sidecar next to the model)')
    .option('--size <N|HxW>', 'model input size')
    .option('--layout <layout>', 'NCHW or NHWC')
    .option('--range <min,max>', 'pixel value range before normalisation')
    .option('--mean <values>', 'per-channel mean subtracted from pixels')
    .option('--std <values>', 'per-channel standard deviation dividing pixels')
    .option('--labels <file>', 'class names: one per line, or JSON')
    .option('--patches <n>', 'patches per side of the grid', '7')
    .option('--threshold <f>', "a set is sufficient when it keeps this share of the full image's probability", '0.9')
    .option('--heuristic <name>', 'patch priority of the search: insertion (forward only) or igos', 'insertion')
    .option('-t, --target <top1|N>', 'the class explained', 'top1')
    .option('--batch-size <n>', 'examples per model call')
    .option('--json', 'print the JSON record on stdout');
}

type Flags = Record<string, string | undefined> & { json?: boolean };
const prep = (o: Flags) => ({ preprocess: o['preprocess'], size: o['size'], layout: o['layout'], range: o['range'], mean: o['mean'], std: o['std'], labels: o['labels'] });
const common = (o: Flags) => ({ target: o['target'], patches: o['patches'], threshold: o['threshold'], heuristic: o['heuristic'], batchSize: o['batchSize'], preprocessing: prep(o) });

export function registerSag(program: Command): void {
  withPreprocessing(program.command('sag').description('Structured Attention Graphs: minimal sufficient patch sets and how confidence falls as patches go (SVG + JSON per image)'))
    .requiredOption('-m, --model <model>', 'an .onnx file or a tfjs model.json')
    .requiredOption('-i, --image <files...>', 'image files')
    .option('-o, --out <dir>', 'output directory', 'saliency-sag')
    .action(async (o: Flags & { image: string[] }) => {
      const r = await sag({ model: o['model']!, images: o.image, out: o['out']!, ...common(o) });
      print(Boolean(o.json), r, () => describeSag(r));
    });
}

export function registerSagStats(program: Command): void {
  withPreprocessing(program.command('sag-stats').description('dataset-level SAG statistics per model, side by side: roots per image, their sizes, coverage (JSON + SVG)'))
    .requiredOption('-m, --model <model>', 'a model (repeat for a side-by-side comparison)', collect)
    .requiredOption('--images <dir>', 'a folder of images')
    .option('--limit <n>', 'at most n images of the folder')
    .option('-o, --out <dir>', 'output directory', 'saliency-sag-stats')
    .action(async (o: Flags & { model: string[] }) => {
      const r = await sagStatsVerb({ models: o.model, images: o['images']!, limit: o['limit'], out: o['out']!, ...common(o) });
      print(Boolean(o.json), r, () => describeSagStats(r));
    });
}
