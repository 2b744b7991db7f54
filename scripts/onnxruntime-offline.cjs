#!/usr/bin/env node
/**
 * saliency-lab's preinstall: keep onnxruntime-node's install step from downloading, so
 * `npm install saliency-lab` works offline, out of the box, for projects that depend on it.
 *
 * onnxruntime-node ships its CPU binaries inside its npm package; its postinstall
 * (script/install.js) additionally downloads CUDA provider libraries from nuget.org on
 * linux/x64, and fails the whole install when it cannot. It skips that download when the
 * files it would fetch are already present. npm runs every package's preinstall before any
 * package's install or postinstall (the same in npm 7 to 11), so this script, run first,
 * records the CUDA files as present with empty placeholders (and a note saying so): the
 * CPU execution provider, the one saliency-lab uses, never loads them.
 *
 * It does nothing when the user has chosen (ONNXRUNTIME_NODE_INSTALL / _CUDA, or the npm
 * config onnxruntime-node-install), on platforms where nothing is downloaded, and it never
 * fails the install. To get the CUDA libraries after all: delete the placeholders listed in
 * the note and run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const NOTE = 'SALIENCY-LAB-PLACEHOLDERS.txt';

function chosenByUser(env) {
  return ['ONNXRUNTIME_NODE_INSTALL', 'ONNXRUNTIME_NODE_INSTALL_CUDA', 'npm_config_onnxruntime_node_install', 'npm_config_onnxruntime_node_install_cuda'].some(
    (k) => env[k] !== undefined && env[k] !== '',
  );
}

/** onnxruntime-node's folder as Node resolves it from this package (nested or hoisted). */
function findOnnxruntime(from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'onnxruntime-node');
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function main() {
  if (chosenByUser(process.env)) return;
  const ort = findOnnxruntime(path.join(__dirname, '..'));
  if (!ort) return;
  const metadataFile = path.join(ort, 'script', 'install-metadata.js');
  if (!fs.existsSync(metadataFile)) return;
  const metadata = require(metadataFile);
  const platform = `${process.platform}/${process.arch}`;
  const binFolder = path.join(ort, 'bin', 'napi-v6', process.platform, process.arch);
  const made = [];
  for (const name of (metadata.requirements && metadata.requirements[platform]) || []) {
    const manifest = metadata.manifests && metadata.manifests[`${platform}:${name}`];
    for (const file of Object.keys(manifest || {})) {
      const target = path.normalize(path.join(binFolder, file));
      if (fs.existsSync(target)) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, '');
      made.push(path.basename(target));
    }
  }
  if (made.length === 0) return;
  fs.writeFileSync(
    path.join(binFolder, NOTE),
    'saliency-lab (its preinstall, scripts/onnxruntime-offline.cjs) created these empty files so that\n' +
      "onnxruntime-node's install step does not download its CUDA libraries (the CPU provider needs none):\n\n" +
      made.map((f) => `  ${f}\n`).join('') +
      '\nTo install the CUDA libraries: delete them, then run\n  ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node\n',
  );
  process.stdout.write(`saliency-lab: onnxruntime-node's optional CUDA download skipped (works offline; see ${path.join(binFolder, NOTE)})\n`);
}

try {
  main();
} catch (e) {
  // never fail the user's install over an optional download
  process.stdout.write(`saliency-lab: could not pre-empt onnxruntime-node's CUDA download (${e && e.message})\n`);
}
