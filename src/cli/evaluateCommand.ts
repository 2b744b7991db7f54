/**
 * The `evaluate` verb's flags: the attribution flags explain and compare share, plus
 * --metrics, --mask and one flag per metric option, generated from the metric
 * descriptors as `--<metric>-<option>` (`--deletion-steps`, `--aopc-patch-size`).
 */
import { Option, type Command } from 'commander';
import { metricFlags } from '../app/evaluation.js';
import type { FlagValues } from '../app/plan.js';
import { listMetrics } from '../metrics/registry.js';
import { methodFlags } from './flags.js';
import { describeEvaluate, evaluateCommand, type EvaluateVerbOptions } from './evaluate.js';
import { describeDatasetRun, evaluateDataset, type DatasetFlags } from './dataset.js';
import { UsageError } from '../app/errors.js';

const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The metric option flags a command received, by flag name. */
export function metricFlagValues(opts: Record<string, unknown>): FlagValues {
  const out: FlagValues = {};
  for (const flag of metricFlags().keys()) {
    const v = opts[camel(flag)];
    if (v !== undefined) out[flag] = v as string | boolean;
  }
  return out;
}

/**
 * The metric options as --help shows them: one block per metric listing its options with
 * their defaults (choices in brackets), instead of one line per flag (there are ~90).
 */
export function metricOptionsHelp(width = 100): string {
  const byMetric = new Map<string, string[]>();
  for (const [flag, use] of metricFlags()) {
    const name = flag.slice(use.metric.name.length + 1);
    const choices = use.spec.kind === 'choice' ? ` [${use.spec.choices.join('|')}]` : '';
    byMetric.set(use.metric.name, [...(byMetric.get(use.metric.name) ?? []), `${name} ${String(use.spec.default)}${choices}`]);
  }
  const indent = ' '.repeat(26);
  const lines = [
    'Metric options: --<metric>-<option> <value>, e.g. --deletion-steps 50 --road-order lerf',
    "(defaults shown; 'saliency methods' describes every option):",
  ];
  for (const [metric, opts] of byMetric) {
    let line = metric.length < 23 ? `  ${metric.padEnd(24)}` : (lines.push(`  ${metric}`), indent);
    for (const [i, o] of opts.entries()) {
      const piece = i < opts.length - 1 ? `${o}, ` : o;
      if (line.length + piece.length > width && line.length > indent.length && line.trim() !== metric) (lines.push(line.trimEnd()), (line = indent));
      line += piece;
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

/** One hidden flag per metric option (listed by metricOptionsHelp after the options). */
export function addMetricFlags(cmd: Command): Command {
  for (const [flag, use] of metricFlags()) {
    const value = use.spec.kind === 'boolean' ? '[bool]' : use.spec.kind === 'choice' ? '<name>' : use.spec.kind === 'string' ? '<text>' : use.spec.kind === 'integer' ? '<n>' : '<x>';
    const choices = use.spec.kind === 'choice' ? ` (${use.spec.choices.join(', ')})` : '';
    cmd.addOption(new Option(`--${flag} ${value}`, `${use.metric.name}: ${use.spec.description}${choices} (default ${String(use.spec.default)})`).hideHelp());
  }
  return cmd.addHelpText('after', `\n${metricOptionsHelp()}`);
}

/**
 * Hide the method option flags (explain's; dozens of per-method lines) from evaluate's
 * --help and name them in one paragraph instead; they all still work.
 */
function foldMethodFlags(cmd: Command, width = 100): Command {
  const flags = new Set(methodFlags().keys());
  const names: string[] = [];
  for (const o of cmd.options) {
    const name = o.long?.slice(2);
    if (name && flags.has(name)) (o.hidden = true), names.push(`--${name}`);
  }
  const lines = ["Method options (as in 'saliency explain --help'; 'saliency methods' describes each):"];
  let line = ' ';
  for (const n of names) {
    if (line.length + n.length + 1 > width) (lines.push(line), (line = ' '));
    line += ` ${n}`;
  }
  lines.push(line);
  return cmd.addHelpText('after', `\n${lines.join('\n')}`);
}

type Flags = Record<string, unknown> & { json?: boolean; metrics?: string[]; mask?: string; input?: string; out?: string; method?: string[]; methods?: string[] };

/**
 * Register `saliency evaluate` on the program. `attributionFlags` and `runFlags` are
 * main.ts's (the flags and their library options, shared with explain and compare).
 */
export function registerEvaluate(
  program: Command,
  attributionFlags: (cmd: Command, methodFlag: string, defaults: { methods: string; baselines: string }, own?: { mask?: boolean }) => Command,
  runFlags: (o: never) => Omit<EvaluateVerbOptions, 'metrics'>,
  print: (json: boolean, value: unknown, human: () => string) => void,
  command: string,
): void {
  addMetricFlags(foldMethodFlags(
    attributionFlags(
      program
        .command('evaluate')
        .description('score attributions with metrics: a table of methods x metrics (mean ± sd over the inputs), curves as SVG, report.html, evaluate.json')
        .option('--metrics <names...>', `${listMetrics().map((d) => d.name).join(', ')} (repeat or comma-separate; default deletion,insertion)`)
        .option('--mask <file|dir>', 'ground-truth masks for the localisation metrics: a .npy [n, H, W], one image for all, or a directory of images named like the inputs (with --target segment:..., also its region)')
        .option('--input <x.npy>', 'a batch of preprocessed model inputs instead of images')
        .option('-o, --out <dir>', 'output directory (with --dataset: the results directory)', 'saliency-evaluate')
        .option('--dataset <src>', 'score a whole dataset (streaming, resumable): folder of images, IDX file, .npy batch or list file; per-image scores go to the results store')
        .option('--dataset-labels <file>', 'labels of --dataset: IDX labels file or CSV file,label')
        .option('--workers <n|auto>', 'with --dataset: worker threads on this machine (default auto)')
        .option('--redis <url>', 'with --dataset: distribute work items through BullMQ on Redis to `saliency worker` processes')
        .option('--chunk-size <n>', 'with --dataset: images per work item (default 32)')
        .option('--limit <n>', 'with --dataset: only the first n images'),
      '--methods',
      { methods: 'gradient,ig', baselines: 'black' },
      { mask: true },
    ).addOption(new Option('--method <names...>', 'same as --methods').hideHelp())),
  ).action(async (o: Flags & DatasetFlags) => {
    if (o.dataset) {
      if (o.mask) throw new UsageError('--mask is not taken with --dataset: dataset runs score metrics that need no ground truth');
      if (o.input) throw new UsageError('give either --dataset or --input, not both');
      const d = await evaluateDataset({
        ...runFlags(o as never),
        out: o.out,
        methods: [...(o.methods ?? []), ...(o.method ?? [])],
        metrics: o.metrics,
        metricOptions: metricFlagValues(o),
        dataset: o.dataset,
        datasetLabels: o.datasetLabels,
        workers: o.workers,
        redis: o.redis,
        chunkSize: o.chunkSize,
        limit: o.limit,
      });
      print(Boolean(o.json), { out: d.out, summary: d.summary }, () => describeDatasetRun(d));
      return;
    }
    const r = await evaluateCommand({
      ...runFlags(o as never),
      methods: [...(o.methods ?? []), ...(o.method ?? [])],
      input: o.input,
      metrics: o.metrics,
      metricOptions: metricFlagValues(o),
      mask: o.mask,
      command,
    });
    print(Boolean(o.json), { ...r.record, out: r.out, report: r.report }, () => describeEvaluate(r));
  });
}
