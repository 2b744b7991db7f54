#!/usr/bin/env python3
"""Time PAIR saliency's BlurIG and GuidedIG driven by torch (the reference side of
bench/paths.bench.ts).

    PAIR_SALIENCY=/path/holding/saliency /usr/bin/python3 bench/pair_paths.py \
        --model bench/models/mobilenet_v2.pt --only blurig,guidedig [--repeats 1] [--out FILE]

PAIR saliency is not vendored: PAIR_SALIENCY points at a folder holding its `saliency/`
package (only saliency.core is imported). torchvision mobilenet_v2 with the weights of
bench/export_models.py, torch 2 threads, one image (numpy seed 0, uniform [0, 1), HWC
float64 as PAIR takes images), target class 0. Callback: NCHW float32 batch, input
gradient of the target logit. Settings: BlurIG steps 100, max_sigma 50, batch_size 16;
GuidedIG x_steps 200, fraction 0.25, max_dist 0.02 (one gradient per step, PAIR's only
mode). Prints JSON {"blurig_ms": [...], "guidedig_ms": [...]} (wall times per run,
after one untimed warm-up call of the model).
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
import torchvision

warnings.filterwarnings('ignore')
torch.set_num_threads(2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--only', default='blurig,guidedig')
    ap.add_argument('--repeats', type=int, default=1)
    ap.add_argument('--out')
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(os.environ['PAIR_SALIENCY']))
    import saliency.core as core

    model = torchvision.models.mobilenet_v2(weights=None)
    model.load_state_dict(torch.load(args.model))
    model.eval()

    def call(batch, call_model_args=None, expected_keys=None):
        x = torch.from_numpy(np.ascontiguousarray(np.transpose(batch, (0, 3, 1, 2)), dtype=np.float32)).requires_grad_(True)
        (g,) = torch.autograd.grad(model(x)[:, 0].sum(), x)
        return {core.INPUT_OUTPUT_GRADIENTS: np.transpose(g.numpy(), (0, 2, 3, 1))}

    image = np.random.RandomState(0).uniform(0, 1, (224, 224, 3))
    call(image[None])
    runs = {
        'blurig': lambda: core.BlurIG().GetMask(image, call, steps=100, max_sigma=50, batch_size=16),
        'guidedig': lambda: core.GuidedIG().GetMask(image, call, x_steps=200, fraction=0.25, max_dist=0.02),
    }
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads()}
    for name in args.only.split(','):
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            runs[name]()
            times.append((time.perf_counter() - t0) * 1000)
        out[name + '_ms'] = times
    text = json.dumps(out)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)
    print(text)


if __name__ == '__main__':
    main()
