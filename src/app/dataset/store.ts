/**
 * The results directory of a dataset run:
 *   run.json                     the run's settings (a resumed run must match them)
 *   rows/rows-000012.arrow       Arrow IPC file: one row per image and run of chunk 12
 *   shards/<run>/attr-000012.npy attributions of chunk 12's readable images, [m, ...inputShape]
 *   failed.jsonl                 work items rejected or failed (queue mode), one JSON a line
 *   summary.json, summary.md     written when every chunk is in
 * A chunk is committed when its rows file exists: shards are written first, then the rows
 * file, each to a temporary name renamed into place; a crash leaves at most temporary
 * files, which are removed on resume, so no row is lost or written twice.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Table, Utf8, makeVector, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { encodeNpy } from '../../io/npy.js';
import { UsageError } from '../errors.js';
import type { ChunkResult, ResultRow } from './compute.js';
import { specId, type RunSpec } from './spec.js';

const pad = (k: number) => String(k).padStart(6, '0');

function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export const NUMBER_COLUMNS = ['index', 'label', 'predicted', 'probability', 'target', 'shardRow', 'sum', 'delta', 'fx', 'fBaseline'] as const;
export const TEXT_COLUMNS = ['name', 'status', 'error', 'run'] as const;
/** Metric score columns are named '<prefix><metric>'. */
export const SCORE_PREFIX = 'score:';

export class ResultStore {
  constructor(readonly dir: string) {}

  /** Create the directory or check it holds the same run (else a usage error naming both). */
  open(spec: RunSpec, meta: Record<string, unknown>): void {
    mkdirSync(join(this.dir, 'rows'), { recursive: true });
    mkdirSync(join(this.dir, 'shards'), { recursive: true });
    const file = join(this.dir, 'run.json');
    const id = specId(spec);
    if (existsSync(file)) {
      const old = JSON.parse(readFileSync(file, 'utf8')) as { id: string };
      if (old.id !== id) throw new UsageError(`${this.dir} holds a different run (settings ${old.id}, this one ${id}): resume with the same settings or choose another --out`);
    } else writeAtomic(file, JSON.stringify({ id, spec, ...meta }, null, 2) + '\n');
    for (const sub of ['rows', ...readdirSync(join(this.dir, 'shards')).map((d) => join('shards', d))]) {
      for (const f of readdirSync(join(this.dir, sub))) if (f.includes('.tmp-')) rmSync(join(this.dir, sub, f));
    }
  }

  rowsFile(chunk: number): string {
    return join(this.dir, 'rows', `rows-${pad(chunk)}.arrow`);
  }

  has(chunk: number): boolean {
    return existsSync(this.rowsFile(chunk));
  }

  /** Chunks already committed. */
  done(): Set<number> {
    const dir = join(this.dir, 'rows');
    if (!existsSync(dir)) return new Set();
    return new Set(readdirSync(dir).filter((f) => /^rows-\d+\.arrow$/.test(f)).map((f) => Number(f.slice(5, 11))));
  }

  /** Commit one chunk (a second commit of the same chunk is ignored: work items are idempotent). */
  commit(result: ChunkResult, inputShape: readonly number[]): boolean {
    if (this.has(result.chunk)) return false;
    const per = inputShape.reduce((a, b) => a * b, 1);
    for (const [run, values] of Object.entries(result.shards)) {
      const dir = join(this.dir, 'shards', run);
      mkdirSync(dir, { recursive: true });
      writeAtomic(join(dir, `attr-${pad(result.chunk)}.npy`), encodeNpy({ shape: [values.length / per, ...inputShape], data: values }));
    }
    const rows = result.rows;
    // plain Utf8 columns, not dictionaries: dictionary ids count per process, and the same chunk must give the same bytes anywhere
    const cols: Record<string, Vector> = {};
    for (const c of NUMBER_COLUMNS) cols[c] = makeVector(Float64Array.from(rows, (r) => r[c]));
    for (const c of TEXT_COLUMNS) cols[c] = vectorFromArray(rows.map((r) => r[c]), new Utf8()) as Vector;
    // evaluate --dataset: one column a metric, 'score:<metric>' (NaN for rows without that score)
    for (const m of [...new Set(rows.flatMap((r) => Object.keys(r.scores)))].sort()) cols[`${SCORE_PREFIX}${m}`] = makeVector(Float64Array.from(rows, (r) => r.scores[m] ?? NaN));
    writeAtomic(this.rowsFile(result.chunk), tableToIPC(new Table(cols), 'file'));
    return true;
  }

  /** Every committed row, in chunk order. */
  rows(): ResultRow[] {
    const out: ResultRow[] = [];
    for (const k of [...this.done()].sort((a, b) => a - b)) out.push(...readRows(this.rowsFile(k)));
    return out;
  }

  /** Record a work item that failed or was rejected. */
  recordFailure(entry: Record<string, unknown>): void {
    appendFileSync(join(this.dir, 'failed.jsonl'), JSON.stringify(entry) + '\n');
  }

  failures(): Array<Record<string, unknown>> {
    const f = join(this.dir, 'failed.jsonl');
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  }
}

/** The rows of one Arrow file. */
export function readRows(file: string): ResultRow[] {
  const t = tableFromIPC(readFileSync(file));
  const n = t.numRows;
  const get = (c: string) => t.getChild(c)!.toArray() as ArrayLike<unknown>;
  const cols = Object.fromEntries([...NUMBER_COLUMNS, ...TEXT_COLUMNS].map((c) => [c, get(c)]));
  const scoreCols = t.schema.fields.map((f) => f.name).filter((c) => c.startsWith(SCORE_PREFIX)).map((c) => [c.slice(SCORE_PREFIX.length), get(c)] as const);
  return Array.from({ length: n }, (_, i) => {
    const row = Object.fromEntries(Object.entries(cols).map(([c, v]) => [c, v[i]])) as unknown as ResultRow;
    row.scores = Object.fromEntries(scoreCols.map(([m, v]) => [m, v[i] as number]).filter(([, v]) => !Number.isNaN(v)));
    return row;
  });
}
