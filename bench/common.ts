/**
 * What every benchmark shares: medians, writing the JSON result, the entry point, the
 * benchmark models and input, and the persistent reference process (bench/*.py --serve).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';

/** The Python with PyTorch that runs the reference scripts. */
export const PYTHON = '/usr/bin/python3';
/** This folder (bench/). */
export const BENCH_DIR = new URL('.', import.meta.url).pathname;

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall times (ms) of `repeats` runs of fn, after one untimed warm-up run unless `warmup` is false. */
export async function timeRuns(fn: () => Promise<unknown>, repeats: number, warmup = true): Promise<number[]> {
  if (warmup) await fn(); // compiles sessions, grows heaps
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Write `result` as bench/results/<kind>-<date>.json (or `out`), then print the table rows. */
export function writeResult(kind: string, result: { date: string }, rows: string[], out?: string): void {
  const outPath = out ?? join(new URL('.', import.meta.url).pathname, 'results', `${kind}-${result.date.replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(outPath, '..'), { recursive: true });
  writeFileSync(outPath, JSON.stringify(result, null, 2));
  console.log(rows.join('\n'));
  console.log(`wrote ${outPath}`);
}

/** Run a benchmark's main, exiting 1 with the message on failure. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

/** bench/models/<name>.onnx, exported by bench/export_models.py first when missing. */
export function ensureBenchModel(name: string): string {
  const path = join(BENCH_DIR, 'models', `${name}.onnx`);
  if (!existsSync(path)) {
    console.error(`exporting ${name} to bench/models ...`);
    execFileSync(PYTHON, [join(BENCH_DIR, 'export_models.py'), '--out', join(BENCH_DIR, 'models'), '--models', name], { stdio: 'inherit' });
  }
  return path;
}

/** One [1, 3, 224, 224] input, the same on both sides: sin(i * 12.9898) * 0.5 (bench/reference_common.py). */
export function benchInput(): Float32Array {
  return Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i * 12.9898) * 0.5);
}

export interface ReferenceProcess {
  /** The process's first JSON line ({"ready": true, versions ...}). */
  hello: Record<string, string>;
  /** Wall times (ms) of n runs of a named measurement, timed by the process. */
  /** `warm`: one untimed run first (a reference script warms a name up on its first request anyway). */
  measure(name: string, n: number, warm?: boolean): Promise<number[]>;
  close(): void;
}

/**
 * A persistent reference process (a bench/*.py script in --serve mode) answering
 * "<name> <repeats>" lines with {"name", "ms"} lines; `label` names it in errors.
 */
export async function startReferenceProcess(label: string, script: string, args: string[], cwd?: string): Promise<ReferenceProcess> {
  const child = spawn(PYTHON, [join(BENCH_DIR, script), ...args], { stdio: ['pipe', 'pipe', 'inherit'], cwd });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`the ${label} process ended early (see its error above)`);
    return JSON.parse(r.value);
  };
  const hello = await next();
  return {
    hello,
    async measure(name, n, warm = false) {
      child.stdin!.write(`${name} ${n}${warm ? ' warm' : ''}\n`);
      return (await next()).ms;
    },
    close: () => child.stdin!.end(),
  };
}

/** Samples (ms) by measurement of both sides, and the 1-minute load average after each. */
export interface Alternated {
  ours: Record<string, number[]>;
  theirs: Record<string, number[]>;
  load: number[];
}

/**
 * After one warm-up run of each of ours (compiles the sessions), `rounds` rounds timing
 * each measurement `repeats` times on our side, then on the reference's when given: the
 * sides alternate measurement by measurement, so load hits both alike.
 *
 * `warmEach`: both sides run a measurement once untimed right before timing it. This VM
 * reclaims idle pages (DAMON pageout is on: /sys/kernel/mm/damon/admin/kdamonds/0), so a
 * process that sat idle for seconds starts slow: Shapley sampling on mobilenet_v2 in one
 * process, nothing else running, 499-534 ms back to back but 668-859 ms after 3-10 s of
 * idling. Alternating makes that penalty fall on the side with the short runs: we wait out
 * Captum's 2-17 s, Captum waits out our 0.5-3 s.
 */
export async function alternate<M extends string>(
  measures: readonly M[],
  run: Record<M, () => Promise<unknown>>,
  rounds: number,
  repeats: number,
  reference?: (m: M, n: number, warm: boolean) => Promise<number[]>,
  warmEach = false,
): Promise<Alternated> {
  const ours: Record<string, number[]> = {};
  const theirs: Record<string, number[]> = {};
  const load: number[] = [];
  for (const m of measures) await run[m]();
  for (let r = 0; r < rounds; r++) {
    for (const m of measures) {
      console.error(`round ${r + 1}/${rounds}: ${m}`);
      (ours[m] ??= []).push(...(await timeRuns(run[m], repeats, warmEach)));
      if (reference) (theirs[m] ??= []).push(...(await reference(m, repeats, warmEach)));
      load.push(loadavg()[0]);
    }
  }
  return { ours, theirs, load };
}

/** A model whose `run` can be wrapped (the ONNX engine's OnnxModel). */
interface RunnableModel {
  readonly inputShape: readonly number[];
  readonly batchSize: number;
  run(batch: Float32Array, ask: { outputs?: string[]; gradients?: unknown; overrides?: unknown }): Promise<unknown>;
}

/**
 * The forward floor of a measurement: every example it sends through the model, counted
 * as ONE forward pass at the batch size of the onnxruntime call that carried it, timed on
 * this machine in the same run. A gradient pass costs at least its forward, so nothing that
 * makes the same model calls can be faster than the floor; floor / reference is the best
 * ratio reachable without running the model faster (or fewer times). Calls with tap
 * overrides run only the graph after the tap (Ablation-CAM), so they are not counted: the
 * floor stays a lower bound.
 *
 *   const floor = forwardFloor(model);   // wraps model.run
 *   floor.reset(); await method(); const calls = floor.calls();
 *   const ms = await floor.cost(calls);  // times the forward at each batch size seen
 */
export function forwardFloor(model: RunnableModel) {
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  const run = model.run.bind(model);
  let chunks: number[] = [];
  model.run = (batch, ask) => {
    if (!ask.overrides) for (let n = batch.length / per; n > 0; n -= model.batchSize) chunks.push(Math.min(n, model.batchSize));
    return run(batch, ask);
  };
  const perCall = new Map<number, number>();
  return {
    reset: () => void (chunks = []),
    /** The batch sizes of the onnxruntime calls since the last reset. */
    calls: (): number[] => [...chunks],
    /** ms of the forward passes of these calls (median of 5 timed calls per batch size). */
    async cost(calls: readonly number[]): Promise<number> {
      let total = 0;
      for (const b of calls) {
        if (!perCall.has(b)) {
          const x = Float32Array.from({ length: b * per }, (_, i) => Math.sin(i * 12.9898) * 0.5);
          perCall.set(b, median(await timeRuns(() => run(x, { outputs: ['logits'] }), 5)));
        }
        total += perCall.get(b)!;
      }
      return total;
    },
  };
}

/** The forward floor (ms) of each measure: one untimed run of each through a forwardFloor wrapper. */
export async function forwardFloors<M extends string>(model: RunnableModel, runs: Record<M, () => Promise<unknown>>, measures: readonly M[]): Promise<Record<M, number>> {
  const floor = forwardFloor(model);
  const ms = {} as Record<M, number>;
  for (const m of measures) {
    floor.reset();
    await runs[m]();
    ms[m] = await floor.cost(floor.calls());
  }
  return ms;
}

/**
 * Session options of our side in every benchmark that alternates with a reference process:
 * onnxruntime's intra-op threads do not spin after a run. On a 2-core machine a reference
 * timed right after us ran ~1.5x slower while our threads spun (Quantus pixel flipping on
 * Fashion-MNIST, 73-81 ms against 50 ms), which flattered our ratios. Our own times do not
 * suffer: fm metrics the same or lower (docs/evaluation.md); IG in one process, spinning on
 * against off, alternating: vit_b_16 30 steps 10.3 / 9.9 s against 9.8 / 12.1 s, mobilenet_v2
 * 200 steps 6.0 / 5.9 s against 5.8 / 5.9 s (run-to-run noise, no direction). (A 200 ms pause
 * before each side was tried as well and dropped: after it, the short measurements of both
 * sides started cold, fm pixel flipping ours 55 ms against 9-10 ms back to back.)
 */
export const BENCH_SESSION = { spinning: false } as const;
