/**
 * Path methods benchmark: Blur IG (100 steps, max sigma 50, batch 16) and Guided IG (200
 * steps) on torchvision mobilenet_v2 at 224 (bench/models/ from bench/export_models.py),
 * against PAIR saliency driven by torch (bench/pair_paths.py) when PAIR_SALIENCY points at
 * its source. Same image on both sides (uniform [0, 1), numpy seed 0, as float32 NCHW
 * here), target class 0. The sides alternate, round by round. Target (the issue): <= 0.5x.
 * Our side warms up once (compiling the forward and backward sessions), untimed, and makes one
 * untimed model call before each timed run (`--cold`: not); PAIR's script, a fresh process each
 * round, warms torch up with one model call.
 * Writes JSON to bench/results/paths-<date>.json.
 *
 *   PAIR_SALIENCY=/tmp/pair node --import tsx bench/paths.bench.ts [--rounds 2] [--only blurig,guidedig]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOnnxModel } from '../src/engine/onnx.js';
import { blurIG, guidedIG } from '../src/methods/paths/index.js';
import { median, runBenchmark, writeResult, BENCH_SESSION } from './common.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    only: { type: 'string', default: 'blurig,guidedig' },
    threads: { type: 'string', default: '2' },
    cold: { type: 'boolean', default: false }, // no warm-up call before each of our timed runs
    out: { type: 'string' },
  },
});
const here = new URL('.', import.meta.url).pathname;
const TARGET = 0.5;

/** numpy's RandomState(0).uniform(0, 1, (224, 224, 3)), transposed to CHW: read from Python. */
function image(): Float32Array {
  const code = 'import numpy as np,sys; x=np.random.RandomState(0).uniform(0,1,(224,224,3)).transpose(2,0,1).astype("<f4"); sys.stdout.buffer.write(x.tobytes())';
  const bytes = execFileSync('/usr/bin/python3', ['-c', code], { maxBuffer: 1 << 24 });
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).slice();
}

async function main(): Promise<void> {
  const only = args.only!.split(',');
  const model = await loadOnnxModel(join(here, 'models', 'mobilenet_v2.onnx'), { ...BENCH_SESSION, batchSize: 16, threads: Number(args.threads) });
  const x = image();
  const ours: Record<string, number[]> = {};
  const pair: Record<string, number[]> = {};
  const runs: Record<string, () => Promise<unknown>> = {
    blurig: () => blurIG(model, x, { target: 0, steps: 100, maxSigma: 50, delta: false }),
    guidedig: () => guidedIG(model, x, { target: 0, steps: 200, baseline: 0, delta: false }),
  };
  // warm up: the forward and the gradient sessions are compiled once, untimed (as bench/methods)
  await blurIG(model, x, { target: 0, steps: 1, delta: false });
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const name of only) {
      // one untimed model call first, as PAIR's script makes in its fresh process: this VM pages
      // out an idle process's memory (bench/common.ts alternate), and ours idled during PAIR's run
      if (!args.cold) await blurIG(model, x, { target: 0, steps: 1, delta: false });
      const t0 = performance.now();
      await runs[name]();
      (ours[name] ??= []).push(performance.now() - t0);
      console.error(`round ${round} ${name}: ours ${ours[name].at(-1)!.toFixed(0)} ms`);
      if (process.env.PAIR_SALIENCY) {
        const out = execFileSync('/usr/bin/python3', [join(here, 'pair_paths.py'), '--model', join(here, 'models', 'mobilenet_v2.pt'), '--only', name], {
          env: process.env,
          encoding: 'utf8',
        });
        (pair[name] ??= []).push(JSON.parse(out.trim().split('\n').pop()!)[`${name}_ms`][0]);
      }
      if (pair[name]) console.error(`round ${round} ${name}: PAIR ${pair[name].at(-1)!.toFixed(0)} ms`);
    }
  }
  await model.dispose();
  const rows: string[] = [];
  const result: Record<string, unknown> & { date: string } = { date: new Date().toISOString(), target: TARGET, measurements: {} };
  for (const name of only) {
    const m = { oursMs: median(ours[name]), pairMs: pair[name] ? median(pair[name]) : null, samples: { ours: ours[name], pair: pair[name] ?? [] } };
    const ratio = m.pairMs ? m.oursMs / m.pairMs : null;
    (result.measurements as Record<string, unknown>)[name] = { ...m, ratio, target: TARGET };
    rows.push(`${name.padEnd(9)} ours ${m.oursMs.toFixed(0).padStart(7)} ms   PAIR ${m.pairMs?.toFixed(0).padStart(7) ?? '      -'} ms   ratio ${ratio?.toFixed(2) ?? '-'} (target <= ${TARGET})`);
  }
  writeResult('paths', result, rows, args.out);
}

runBenchmark(main);
