/**
 * TensorFlow.js in Node without tfjs-node: the wasm backend (SIMD, one thread) by
 * default, the pure-JS cpu backend as fallback.
 *
 * Importing this module loads tfjs-core, tfjs-layers (which registers the stock
 * gradients), both backends, and ./kernels.js, which fills and fixes the kernels and
 * gradients that input gradients need (see kernels.ts). Nothing is downloaded: the
 * .wasm binaries are read from @tensorflow/tfjs-backend-wasm/dist.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cpuBackend, installTfjsFixes } from './kernels.js';

export type TfjsBackend = 'wasm' | 'cpu';

const require = createRequire(import.meta.url);
let wasmPathsSet = false;
const ready = new Map<TfjsBackend, Promise<void>>();

/** Directory holding tfjs-backend-wasm's .wasm files (with a trailing slash). */
export function wasmDirectory(): string {
  // the package has no "exports" map, so its main entry resolves; the binaries sit beside it
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
}

async function initialise(name: TfjsBackend): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet) {
    // A file path: emscripten reads it with fs in Node. Nothing is fetched.
    setWasmPaths(wasmDirectory());
    wasmPathsSet = true;
  }
  // The emscripten runtime adds process handlers that rethrow every uncaught exception
  // and unhandled rejection (printing the whole minified module). Remove the ones it adds.
  type Listener = (...args: unknown[]) => void;
  const events = process as unknown as { listeners(e: string): Listener[]; removeListener(e: string, l: Listener): void };
  const watched = ['uncaughtException', 'unhandledRejection'];
  const before = new Map(watched.map((e) => [e, new Set(events.listeners(e))]));
  const previous = tf.getBackend();
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } finally {
    for (const e of watched) {
      for (const listener of events.listeners(e)) if (!before.get(e)!.has(listener)) events.removeListener(e, listener);
    }
  }
  if (!ok) {
    if (previous) await tf.setBackend(previous);
    throw new Error(
      `the TensorFlow.js ${name} backend failed to initialise` +
        (name === 'wasm' ? ` (wasm binaries looked up in ${wasmDirectory()}); try backend: 'cpu'` : ''),
    );
  }
  if (name === 'cpu') cpuBackend(); // silences its "install tfjs-node" notice
  installTfjsFixes();
}

/**
 * Make `name` the active tfjs backend (initialising it once) and make sure the kernel
 * and gradient fixes are in place. tfjs has one active backend per process: a model
 * calls this before each batch, so models on different backends can be used in turn.
 */
export async function useBackend(name: TfjsBackend): Promise<void> {
  if (name !== 'wasm' && name !== 'cpu') throw new Error(`unknown tfjs backend '${name}': use 'wasm' or 'cpu'`);
  let p = ready.get(name);
  if (!p) {
    p = initialise(name);
    ready.set(name, p);
    p.catch(() => ready.delete(name));
  }
  await p;
  if (tf.getBackend() !== name) await tf.setBackend(name);
  installTfjsFixes();
}

export { tf };
