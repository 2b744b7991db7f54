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
  measure(name: string, n: number): Promise<number[]>;
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
    async measure(name, n) {
      child.stdin!.write(`${name} ${n}\n`);
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
 */
export async function alternate<M extends string>(
  measures: readonly M[],
  run: Record<M, () => Promise<unknown>>,
  rounds: number,
  repeats: number,
  reference?: (m: M, n: number) => Promise<number[]>,
): Promise<Alternated> {
  const ours: Record<string, number[]> = {};
  const theirs: Record<string, number[]> = {};
  const load: number[] = [];
  for (const m of measures) await run[m]();
  for (let r = 0; r < rounds; r++) {
    for (const m of measures) {
      console.error(`round ${r + 1}/${rounds}: ${m}`);
      (ours[m] ??= []).push(...(await timeRuns(run[m], repeats, false)));
      if (reference) (theirs[m] ??= []).push(...(await reference(m, repeats)));
      load.push(loadavg()[0]);
    }
  }
  return { ours, theirs, load };
}
