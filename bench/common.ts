/**
 * What every benchmark shares: medians, writing the JSON result, and the entry point.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
