/** What the dataset-run tests share: a small Fashion-MNIST run and byte comparison of results directories. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const IDX = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
export const MODEL = 'models/fashion-mnist/model.onnx';
export const FLAGS = { model: MODEL, dataset: IDX, methods: ['ig'], baselines: ['black'], options: { steps: '4' }, seed: '0', chunkSize: '4', limit: '24', quiet: true } as const;
export const CLI_FLAGS = ['explain', '-m', MODEL, '--dataset', IDX, '--method', 'ig', '--steps', '4', '--chunk-size', '4', '--limit', '24'];

/** Every file of a results directory except the timings (summary), by relative path. */
export function resultFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(join(dir, d), { withFileTypes: true })) {
      const p = d ? join(d, e.name) : e.name;
      if (e.isDirectory()) walk(p);
      else if (!p.startsWith('summary')) out.set(p, readFileSync(join(dir, p)));
    }
  };
  walk('');
  return out;
}

export function assertSameResults(a: string, b: string): void {
  const fa = resultFiles(a);
  const fb = resultFiles(b);
  assert.deepEqual([...fb.keys()].sort(), [...fa.keys()].sort());
  for (const [k, v] of fa) assert.ok(v.equals(fb.get(k)!), `${k} differs`);
}

