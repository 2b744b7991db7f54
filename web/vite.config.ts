/**
 * The explorer's front end. The library's graph/, methods/, baselines/ and viz/ bundle as
 * they are; the few Node-only modules they import (for files, which the page never has)
 * resolve to a stub that throws if reached. onnxruntime-web's wasm files are copied to
 * dist/ort/ (ort.env.wasm.wasmPaths), so nothing is fetched from elsewhere.
 */
import { defineConfig, type Plugin } from 'vite';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodeOnly = join(here, 'src', 'node-only.ts');
const ortDist = join(here, '..', 'node_modules', 'onnxruntime-web', 'dist');

function ortWasm(): Plugin {
  return {
    name: 'ort-wasm',
    apply: 'build',
    writeBundle(options) {
      const out = join(options.dir!, 'ort');
      mkdirSync(out, { recursive: true });
      for (const f of ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) copyFileSync(join(ortDist, f), join(out, f));
    },
  };
}

export default defineConfig({
  root: here,
  base: '/',
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^node:(fs|fs\/promises|path|os|zlib|url|module|crypto)$/, replacement: nodeOnly },
      { find: /^(sharp|onnxruntime-node)$/, replacement: nodeOnly },
    ],
    conditions: ['onnxruntime-web-use-extern-wasm'],
  },
  worker: { format: 'es' },
  build: { outDir: join(here, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000 },
  plugins: [ortWasm()],
});
