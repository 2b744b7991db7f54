/**
 * Training throughput (issue 15): images per second of one training epoch of the
 * Fashion-MNIST CNN (conv16-BN-ReLU-pool, conv32-BN-ReLU-pool, linear; batch 64; Adam), in
 * the same run, alternating round by round:
 * - the engine route (src/training/engineForward.ts: the engine's compiled backward graph
 *   on onnxruntime returning weight gradients, Adam in TypeScript), 1 and 2 threads,
 * - the TensorFlow.js wasm route (src/training/tfjsForward.ts),
 * - PyTorch (Debian's python3-torch, 2 threads; bench/torch_train.py), the target.
 * Two measurements of ours per route: `call`, a whole train() call of one epoch (pixel
 * statistics, session compile, the epoch), and `epoch`, the epoch alone as train() records it in
 * its history (batching, steps, Adam, running statistics): the like of PyTorch's side, whose
 * timed epoch() excludes building the model and the optimiser (and follows a warm-up epoch).
 *
 *   node --import tsx bench/training.bench.ts [--images 1024] [--rounds 3] [--no-tfjs]
 *
 * Measured 2026-11-26 ~06:55 UTC, 2 cores, quiet (load average ~3, mostly this benchmark), 3 rounds
 * (medians): PyTorch 2900-3700 images/s; engine 2 threads 2500-2680 (~0.75x), 1 thread 1780-1840;
 * target not met then. After the small-model engine work, 09:14-09:16 UTC, load 1.5-2: engine
 * 2 threads 0.99x, 1.27x, 1.69x and 1.58x PyTorch's throughput in four runs: met (docs/trust.md). The earlier "5.21x" was measured at load 26, where
 * PyTorch slowed ~60x: not a speed claim.
 * JSON `ratio` = our epoch time / PyTorch's (lower is faster, as in every benchmark); target <= 1.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadFashionMnist } from '../src/training/data.js';
import { train, type TrainOptions } from '../src/training/train.js';
import { median, runBenchmark, startReferenceProcess, writeResult } from './common.js';

const { values: args } = parseArgs({ options: { images: { type: 'string', default: '1024' }, rounds: { type: 'string', default: '3' }, 'no-tfjs': { type: 'boolean', default: false } } });

async function main(): Promise<void> {
  const n = Number(args.images);
  const data = loadFashionMnist('train', { limit: n, seed: 0 });
  const routes: Record<string, TrainOptions> = {
    'engine (1 thread)': { backend: 'engine', threads: 1 },
    'engine (2 threads)': { backend: 'engine', threads: 2 },
    ...(args['no-tfjs'] ? {} : { 'tfjs wasm': { backend: 'wasm' } }),
  };
  const torch = await startReferenceProcess('PyTorch', 'torch_train.py', ['--serve', '--images', String(n), '--threads', '2']);
  const ms: Record<string, number[]> = { pytorch: [] };
  const epochMs: Record<string, number[]> = {};
  const load: number[] = [];
  const epoch = async (o: TrainOptions) => {
    const t0 = performance.now();
    const trained = await train(data, { architecture: 'fashion', epochs: 1, batchSize: 64, seed: 0, ...o });
    return { call: performance.now() - t0, epoch: trained.history[0].seconds * 1000 };
  };
  try {
    for (const o of Object.values(routes)) await epoch(o); // warm-up: wasm module, kernels
    for (let r = 0; r < Number(args.rounds); r++) {
      for (const [name, o] of Object.entries(routes)) {
        console.error(`round ${r + 1}/${args.rounds}: ${name}`);
        const t = await epoch(o);
        (ms[name] ??= []).push(t.call);
        (epochMs[name] ??= []).push(t.epoch);
      }
      console.error(`round ${r + 1}/${args.rounds}: pytorch`);
      ms.pytorch.push(...(await torch.measure('epoch', 1)));
      load.push(loadavg()[0]);
    }
  } finally {
    torch.close();
  }
  const perSecond = (name: string) => n / (median(ms[name]) / 1000);
  const reference = perSecond('pytorch');
  // ratio = our epoch time / PyTorch's (the project's convention: lower is faster); the issue's
  // target, throughput >= 1x PyTorch's, is ratio <= 1
  const epochPerSecond = (name: string) => n / (median(epochMs[name]) / 1000);
  const measurements = Object.keys(routes).flatMap((name) => [
    { name, what: 'whole train() call of one epoch (compile included)', perSecond: perSecond(name), samplesMs: ms[name] },
    { name: `${name}, epoch only`, what: 'the epoch as train() records it (like PyTorch\'s timed epoch)', perSecond: epochPerSecond(name), samplesMs: epochMs[name] },
  ]).map(({ name, what, perSecond: ips, samplesMs }) => {
    const ratio = reference / ips;
    return { name, what, imagesPerSecond: ips, throughputVsPytorch: ips / reference, ratio, target: 'ratio <= 1 (throughput >= 1x PyTorch)', met: ratio <= 1, samplesMs };
  });
  const engineBest = Math.max(...measurements.filter((m) => m.name.startsWith('engine') && !m.name.endsWith('epoch only')).map((m) => m.imagesPerSecond));
  const tfjs = measurements.find((m) => m.name === 'tfjs wasm');
  const rows = [
    `one epoch of the Fashion-MNIST CNN, ${n} images, batch 64, Adam; ${availableParallelism()} cores, load ${load.map((l) => l.toFixed(1)).join(' ')}`,
    `${'pytorch (2 threads)'.padEnd(31)} ${reference.toFixed(0).padStart(6)} images/s`,
    ...measurements.map((m) => `${m.name.padEnd(31)} ${m.imagesPerSecond.toFixed(0).padStart(6)} images/s  ${m.throughputVsPytorch.toFixed(2)}x PyTorch's throughput, time ratio ${m.ratio.toFixed(3)} (target <= 1)`),
    ...(tfjs ? [`engine route / tfjs wasm route: ${(engineBest / tfjs.imagesPerSecond).toFixed(2)}x`] : []),
  ];
  writeResult('training', { date: new Date().toISOString(), images: n, batchSize: 64, pytorch: { imagesPerSecond: reference, samplesMs: ms.pytorch, threads: 2 }, measurements, load } as { date: string }, rows);
}

runBenchmark(main);
