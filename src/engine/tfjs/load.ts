/**
 * Reading TensorFlow.js models without a network: model.json + weight shards from the
 * file system, and the models the `nsfwjs` package bundles.
 *
 * nsfwjs 4.x does not ship model.json files: each model is a directory of UMD/CommonJS
 * modules under nsfwjs/dist/models/<name>/, `model.min.js` exporting the model.json
 * object and `group1-shardKofN.min.js` each exporting one weight shard as a base64
 * string (nsfwjs' own loader imports them and decodes them in a JSONHandler). We read the
 * same modules with require() (they are plain data wrapped in a UMD header; nsfwjs'
 * entry point, which needs the full @tensorflow/tfjs bundle, is never loaded).
 *
 *   mobilenet_v2      Keras LayersModel, MobileNetV2 (alpha 1.0) 224x224x3 -> 5 classes, softmax head
 *   mobilenet_v2_mid  GraphModel (TF converter 1.7.4), MobileNetV2 (alpha 1.4) 224x224x3 -> 5, softmax
 *   inception_v3      Keras LayersModel, InceptionV3 299x299x3 -> 5, softmax head
 *
 * Weights are uint8-quantised in all three; tfjs dequantises them on load. Inputs are
 * RGB in [0, 1] (nsfwjs divides pixels by 255), NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export type TfjsFormat = 'layers' | 'graph';

export interface LoadedArtifacts {
  artifacts: tf.io.ModelArtifacts;
  format: TfjsFormat;
  /** Where it came from, for messages. */
  source: string;
}

/** The format a model.json describes. */
export function formatOf(json: { format?: string; modelTopology?: unknown }): TfjsFormat {
  if (json.format === 'graph-model') return 'graph';
  if (json.format === 'layers-model') return 'layers';
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (topology && Array.isArray(topology['node'])) return 'graph';
  if (topology && (topology['model_config'] || topology['class_name'] || topology['config'])) return 'layers';
  throw new Error('this model.json is neither a tfjs LayersModel nor a GraphModel (no format, no model_config, no node list)');
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}

function artifactsFrom(json: tf.io.ModelJSON, weightData: ArrayBuffer): tf.io.ModelArtifacts {
  return tf.io.getModelArtifactsForJSONSync(json, tf.io.getWeightSpecs(json.weightsManifest ?? []), weightData);
}

/** model.json and its weight shards (paths relative to the json) from the file system. */
export async function readModelFiles(modelJsonPath: string): Promise<LoadedArtifacts> {
  const path = resolve(modelJsonPath);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as tf.io.ModelJSON;
  } catch (e) {
    throw new Error(`cannot read the tfjs model ${path}: ${(e as Error).message}`);
  }
  if (!json.modelTopology) throw new Error(`${path} has no modelTopology: not a tfjs model.json`);
  const dir = dirname(path);
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      try {
        shards.push(await readFile(join(dir, p)));
      } catch (e) {
        throw new Error(`cannot read weight shard '${p}' of ${path}: ${(e as Error).message}`);
      }
    }
  }
  return { artifacts: artifactsFrom(json, concat(shards)), format: formatOf(json), source: path };
}

/** A tf.io.IOHandler reading model.json + shards from the file system (for tf.loadLayersModel / loadGraphModel). */
export function fileSystemHandler(modelJsonPath: string): tf.io.IOHandler {
  return { load: async () => (await readModelFiles(modelJsonPath)).artifacts };
}

export const NSFWJS_MODELS = ['mobilenet_v2', 'mobilenet_v2_mid', 'inception_v3'] as const;
export type NsfwjsModelName = (typeof NSFWJS_MODELS)[number];

/** The five nsfwjs classes, in output order. */
export const NSFWJS_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

/** Directory of the models bundled with the installed nsfwjs package. */
export function nsfwjsModelsDirectory(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('nsfwjs'); // .../nsfwjs/dist/cjs/index.js
  } catch {
    throw new Error('the nsfwjs package is not installed (npm install --save-dev nsfwjs)');
  }
  return join(dirname(dirname(entry)), 'models');
}

/** Artifacts of a model bundled with nsfwjs (decoded from its JS modules; nothing downloads). */
export function readNsfwjsModel(name: NsfwjsModelName): LoadedArtifacts {
  if (!(NSFWJS_MODELS as readonly string[]).includes(name)) {
    throw new Error(`nsfwjs has no model '${name}'; it bundles ${NSFWJS_MODELS.join(', ')}`);
  }
  const dir = join(nsfwjsModelsDirectory(), name);
  const require = createRequire(join(dir, 'model.min.js'));
  const load = (file: string): unknown => {
    try {
      return require(join(dir, file));
    } catch (e) {
      throw new Error(`cannot read ${file} of nsfwjs model '${name}' in ${dir}: ${(e as Error).message}`);
    }
  };
  const json = load('model.min.js') as tf.io.ModelJSON;
  if (!json || typeof json !== 'object' || !json.modelTopology) {
    throw new Error(`nsfwjs/${name}/model.min.js did not export a model.json object (nsfwjs changed its bundle format?)`);
  }
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const base64 = load(`${p}.min.js`);
      if (typeof base64 !== 'string') throw new Error(`nsfwjs/${name}/${p}.min.js did not export a base64 string`);
      shards.push(Buffer.from(base64, 'base64'));
    }
  }
  return { artifacts: artifactsFrom(json, concat(shards)), format: formatOf(json), source: `nsfwjs/${name}` };
}
