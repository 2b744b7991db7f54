/**
 * A dataset run's settings as one plain JSON object (RunSpec): what a pool worker or a
 * queue worker on another machine receives, and what run.json records so a resumed run
 * is checked to be the same run. `checkWorkItem` rejects a malformed or hostile work item
 * with a message naming the field, before anything is opened.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import type { PreprocessingFlags } from '../../io/preprocess.js';
import type { FlagValues } from '../plan.js';
import { getMethod } from '../../methods/registry.js';
import { getMetric } from '../../metrics/registry.js';

export interface RunSpec {
  model: string;
  /** 'idx:FILE', 'npy:FILE', 'folder:DIR', 'list:FILE' or a bare path. */
  dataset: string;
  /** A labels file for the dataset (IDX labels, CSV). */
  labels?: string;
  methods: string[];
  baselines: string[];
  options: FlagValues;
  /** 'top1', 'label' (the dataset's label) or a class index. */
  target: string;
  seed: number;
  batchSize?: number;
  /** Images per work item (a chunk: one shard file, one rows file). */
  chunkSize: number;
  /** Only the first `limit` images. */
  limit?: number;
  preprocessing?: PreprocessingFlags;
  /** `evaluate --dataset`: metrics scored on every image's attribution (names as the registry knows them). */
  metrics?: string[];
  /** Per metric name, options overriding the descriptor's defaults. */
  metricOptions?: Record<string, Record<string, unknown>>;
}

export const MAX_CHUNK = 4096;

/** Stable id of a run's settings (what makes two runs the same). */
export function specId(spec: RunSpec): string {
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(sorted(spec))).digest('hex').slice(0, 16);
}

export class WorkItemError extends Error {}

const isStr = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && !v.includes('\0');
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** A work item { spec, chunk } from a queue: every field checked, else WorkItemError naming it. */
export function checkWorkItem(data: unknown): { spec: RunSpec; chunk: number } {
  const bad = (why: string) => new WorkItemError(`rejected work item: ${why}`);
  if (!data || typeof data !== 'object') throw bad('not an object { spec, chunk }');
  const { spec, chunk } = data as { spec?: Partial<RunSpec>; chunk?: unknown };
  if (!spec || typeof spec !== 'object') throw bad('no spec');
  if (!isInt(chunk, 0, 1e9)) throw bad(`chunk must be a non-negative integer, got ${JSON.stringify(chunk)?.slice(0, 40)}`);
  if (!isStr(spec.model) || !spec.model.endsWith('.onnx')) throw bad('spec.model must be the path of an .onnx file');
  if (!existsSync(spec.model) || !statSync(spec.model).isFile()) throw bad(`model ${spec.model} is not a file on this machine`);
  if (!isStr(spec.dataset)) throw bad('spec.dataset must be a path');
  if (spec.labels !== undefined && !isStr(spec.labels)) throw bad('spec.labels must be a path');
  if (!Array.isArray(spec.methods) || spec.methods.length === 0 || spec.methods.length > 32 || !spec.methods.every((m) => isStr(m, 64))) throw bad('spec.methods must be a list of method names');
  for (const m of spec.methods) {
    try {
      getMethod(m);
    } catch {
      throw bad(`unknown method '${m}'`);
    }
  }
  if (!Array.isArray(spec.baselines) || spec.baselines.length > 32 || !spec.baselines.every((b) => isStr(b, 512))) throw bad('spec.baselines must be a list of baseline specs');
  if (!spec.options || typeof spec.options !== 'object' || Array.isArray(spec.options)) throw bad('spec.options must be an object');
  for (const v of Object.values(spec.options)) if (!['string', 'number', 'boolean', 'undefined'].includes(typeof v)) throw bad('spec.options values must be strings, numbers or booleans');
  if (!isStr(spec.target, 64)) throw bad('spec.target must be top1, label or a class index');
  if (!isInt(spec.seed, 0, 2 ** 32 - 1)) throw bad('spec.seed must be an integer in [0, 2^32)');
  if (spec.batchSize !== undefined && !isInt(spec.batchSize, 1, 4096)) throw bad('spec.batchSize must be an integer in [1, 4096]');
  if (!isInt(spec.chunkSize, 1, MAX_CHUNK)) throw bad(`spec.chunkSize must be an integer in [1, ${MAX_CHUNK}]`);
  if (spec.limit !== undefined && !isInt(spec.limit, 1, 1e9)) throw bad('spec.limit must be a positive integer');
  if (spec.metrics !== undefined) {
    if (!Array.isArray(spec.metrics) || spec.metrics.length > 32 || !spec.metrics.every((m) => isStr(m, 64))) throw bad('spec.metrics must be a list of metric names');
    for (const m of spec.metrics) {
      let d;
      try {
        d = getMetric(m);
      } catch {
        throw bad(`unknown metric '${m}'`);
      }
      if (d.needs.groundTruth) throw bad(`metric '${m}' needs ground-truth masks, which dataset runs do not take`);
    }
  }
  if (spec.metricOptions !== undefined) {
    const o = spec.metricOptions;
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw bad('spec.metricOptions must be an object of objects');
    for (const v of Object.values(o)) {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('spec.metricOptions must be an object of objects');
      for (const x of Object.values(v)) if (!['string', 'number', 'boolean', 'undefined'].includes(typeof x)) throw bad('spec.metricOptions values must be strings, numbers or booleans');
    }
  }
  return { spec: spec as RunSpec, chunk };
}
