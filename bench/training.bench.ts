/**
 * Training throughput (issue 15): images per second of training steps of the Fashion-MNIST
 * CNN (conv16-BN-ReLU-pool, conv32-BN-ReLU-pool, linear; batch 64) on
 * - TensorFlow.js wasm and cpu (the trainer's route: src/training/),
 * - the ONNX engine's compiled backward graph: forward + input gradient of the same
 *   architecture (models/fashion-mnist/model.onnx). The engine does not return weight
 *   gradients yet, so this is a lower bound of what a training step would cost on that route,
 * - PyTorch (Debian's python3-torch, 2 threads) with --torch: forward, backward, Adam step.
 *
 *   node --import tsx bench/training.bench.ts [--images 1024] [--torch] [--cpu]
 *
 * Measured 2026-11-26 under load ~15 on 2 cores, 1024 images: tfjs wasm 29 images/s, tfjs cpu 3,
 * engine forward + input gradient 171, PyTorch 49 (tfjs wasm 0.58x PyTorch).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadFashionMnist } from '../src/training/data.js';
import { train } from '../src/training/train.js';
import { loadOnnxModel } from '../src/engine/onnx.js';
import { classLogit } from '../src/targets/index.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '1024' }, torch: { type: 'boolean', default: false }, cpu: { type: 'boolean', default: false } } });
const n = Number(values.images);
const data = loadFashionMnist('train', { limit: n, seed: 0 });
const results: Record<string, number> = {};

for (const backend of values.cpu ? (['wasm', 'cpu'] as const) : (['wasm'] as const)) {
  const m = await train(data, { architecture: 'fashion', epochs: 1, batchSize: 64, backend, seed: 0 });
  results[`tfjs-${backend} train`] = m.imagesPerSecond;
  console.log(`tfjs ${backend}: ${m.imagesPerSecond.toFixed(0)} images/s (training step: forward, weight gradients, Adam)`);
}

const model = await loadOnnxModel(readFileSync('models/fashion-mnist/model.onnx'), { batchSize: 64 });
const labels = Array.from(data.labels);
await model.run(data.images.subarray(0, 64 * 784), { gradients: { seed: classLogit(labels.slice(0, 64), 10), wrt: ['input'] } });
const t0 = performance.now();
await model.run(data.images, { gradients: { seed: classLogit(labels, 10), wrt: ['input'] } });
results['engine fwd+input-grad'] = n / ((performance.now() - t0) / 1000);
console.log(`engine (onnxruntime): ${results['engine fwd+input-grad'].toFixed(0)} images/s (forward + input gradient only: a lower bound of a training step)`);
await model.dispose();

if (values.torch) {
  const script = `
import torch, time, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0); torch.set_num_threads(2)
class Net(nn.Module):
    def __init__(s):
        super().__init__(); s.c1=nn.Conv2d(1,16,3,padding=1,bias=False); s.b1=nn.BatchNorm2d(16); s.c2=nn.Conv2d(16,32,3,padding=1,bias=False); s.b2=nn.BatchNorm2d(32); s.fc=nn.Linear(32*49,10)
    def forward(s,x):
        x=F.max_pool2d(F.relu(s.b1(s.c1(x))),2); x=F.max_pool2d(F.relu(s.b2(s.c2(x))),2); return s.fc(torch.flatten(x,1))
m=Net(); opt=torch.optim.Adam(m.parameters(),2e-3); x=torch.rand(${n},1,28,28); y=torch.randint(0,10,(${n},))
def epoch():
    for i in range(0,${n},64):
        opt.zero_grad(); F.cross_entropy(m(x[i:i+64]),y[i:i+64]).backward(); opt.step()
epoch(); t=time.time(); epoch(); print(${n}/(time.time()-t))`;
  results['pytorch train'] = Number(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }).trim());
  console.log(`PyTorch (2 threads): ${results['pytorch train'].toFixed(0)} images/s`);
  console.log(`tfjs wasm / PyTorch: ${(results['tfjs-wasm train'] / results['pytorch train']).toFixed(2)}x`);
}
console.log(JSON.stringify(results));
