/**
 * `npm run bench`: every bench/*.bench.ts, one after the other, each in its own process (so
 * one benchmark's heap and sessions cannot slow the next), then one table of every ratio and
 * its target read back from the JSON the benchmarks wrote to bench/results/.
 *
 *   npm run bench                          # all of them
 *   npm run bench -- --only cam,metrics    # some (names are the file stems)
 *   npm run bench -- --skip explorer       # all but some
 *
 * The references are found through the environment, as each benchmark's header says:
 * SALIENCY_CAPTUM_PATH (Captum's source), SALIENCY_GRAD_CAM_PATH (pytorch-grad-cam),
 * SALIENCY_ZENNIT_PATH, SALIENCY_QUANTUS_PATH, PAIR_SALIENCY, and the official I-GOS / SAG code
 * paths (bench/mask.bench.ts). A benchmark whose reference is missing says so and either times
 * ours alone against the issue's stated reference figure or fails; a failure does not stop the
 * others, and the exit code is 1 when any failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './common.js';

const { values: args } = parseArgs({ options: { only: { type: 'string' }, skip: { type: 'string' } } });
const names = (s?: string) => new Set((s ?? '').split(',').map((x) => x.trim()).filter(Boolean));
const only = names(args.only), skip = names(args.skip);

const benches = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((n) => (only.size === 0 || only.has(n)) && !skip.has(n))
  .sort();
for (const n of only) {
  if (benches.includes(n)) continue;
  console.error(`--only ${n}: there is no bench/${n}.bench.ts (have: ${readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).join(', ')})`);
  process.exit(2);
}

/** Every numeric value under a key containing "ratio", with its JSON path. */
function ratios(value: unknown, path: string[] = []): Array<{ path: string; ratio: number }> {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    typeof v === 'number' && /ratio/i.test(k) ? [{ path: [...path, k].join('.'), ratio: v }] : ratios(v, [...path, k]),
  );
}

/** Every string or number under a key containing "target". */
function targets(value: unknown, path: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    /target/i.test(k) && (typeof v === 'string' || typeof v === 'number')
      ? [`${[...path, k].join('.')}: ${v}`]
      : /target/i.test(k) && v && typeof v === 'object' && !Array.isArray(v)
        ? Object.entries(v).map(([tk, tv]) => `${tk}: ${typeof tv === 'object' ? JSON.stringify(tv) : tv}`)
        : targets(v, [...path, k]),
  );
}

const resultsDir = join(BENCH_DIR, 'results');
const summary: string[] = [];
let failed = 0;
for (const name of benches) {
  const started = Date.now();
  console.log(`\n=== bench/${name}.bench.ts (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}) ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, `${name}.bench.ts`)], { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (r.status !== 0) {
    failed++;
    summary.push(`${name}: FAILED (exit ${r.status ?? r.signal}) after ${seconds} s`);
    continue;
  }
  const written = existsSync(resultsDir)
    ? readdirSync(resultsDir).filter((f) => f.startsWith(name) && f.endsWith('.json') && statSync(join(resultsDir, f)).mtimeMs >= started)
    : [];
  if (written.length === 0) summary.push(`${name}: ${seconds} s, wrote no JSON to bench/results/`);
  for (const f of written) {
    const json = JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as unknown;
    summary.push(`${name}: ${seconds} s -> bench/results/${f}`);
    for (const { path, ratio } of ratios(json)) summary.push(`  ${path.padEnd(60)} ${ratio.toFixed(3)}`);
    const t = targets(json);
    if (t.length) summary.push(`  targets: ${t.join('; ')}`);
  }
}
console.log(`\n=== summary (ratio = ours / reference, lower is faster) ===\n${summary.join('\n')}`);
process.exit(failed ? 1 : 0);
