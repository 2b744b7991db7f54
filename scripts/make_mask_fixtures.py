#!/usr/bin/env python3
"""Reference fixtures for the mask methods (I-GOS, I-GOS++) and Structured Attention Graphs.

Runs the OFFICIAL research code, fetched beside the project (never committed here), on a
small CNN exported to ONNX:

    IGOS_PP=/path/to/khorrams/IGOS_pp SAG=/path/to/viv92/structured-attention-graphs \
        /usr/bin/python3 scripts/make_mask_fixtures.py [--out fixtures/mask]

The reference code is written for CUDA; this script runs it on the CPU by making
`.cuda()` the identity and dropping `device='cuda'`. The path noise of I-GOS
(`torch.randn_like(...) * .2`) is switched off (randn_like -> zeros) so that both sides
follow the same deterministic optimisation; the baseline is the same tensor on both sides
(black in model space) instead of each side's blur.

Writes: tiny.onnx (input "input" [n,3,32,32], output "logits" [n,10]), image.npy (model
space, [1,3,32,32]), baseline.npy, igos_mask.npy / igospp_mask.npy (the coarse 8x8 masks),
sag_priority.npy (the 7x7 ref_mask given to the search; lower is inserted first),
sag_image_hwc.npy / sag_roots.json (every root the beam search returned, as patch indices
row*7+col), and manifest.json (the settings).
"""
import argparse
import json
import os
import sys
import time
import types

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(2)

# ---- run CUDA-only code on the CPU
torch.Tensor.cuda = lambda self, *a, **k: self
nn.Module.cuda = lambda self, *a, **k: self
_ones = torch.ones
torch.ones = lambda *a, **k: _ones(*a, **{key: v for key, v in k.items() if key != 'device'})
torch.randn_like = lambda t, *a, **k: torch.zeros_like(t)


def load_patched(folder, name, replacements):
    """Import folder/name.py after textual compatibility fixes (each must apply exactly once)."""
    with open(os.path.join(folder, name + '.py')) as f:
        source = f.read()
    for old, new in replacements:
        assert source.count(old) == 1, f'{name}.py: expected one "{old}"'
        source = source.replace(old, new)
    module = types.ModuleType(name)
    module.__file__ = os.path.join(folder, name + '.py')
    sys.modules[name] = module
    exec(compile(source, module.__file__, 'exec'), module.__dict__)
    return module


class Tiny(nn.Module):
    """A small CNN whose evidence is the texture energy (squared conv responses) inside one region:
    deleting that region (towards the 0 baseline) removes the prediction, as in the synthetic tests."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        region = torch.zeros(1, 1, 32, 32)
        region[:, :, 8:20, 12:26] = 1
        self.register_buffer('region', region)
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        h = self.conv(x)
        return self.head((h * h * self.region).mean(dim=(2, 3)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='fixtures/mask')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    model = Tiny().eval()
    with torch.no_grad():
        model.head.weight.mul_(300.0)
    for p in model.parameters():
        p.requires_grad_(False)
    rng = np.random.default_rng(3)
    hwc = np.clip(0.5 + 0.25 * rng.standard_normal((32, 32, 3)), 0, 1).astype(np.float32)
    hwc[8:20, 12:26] = np.clip(hwc[8:20, 12:26] * 1.8 - 0.2, 0, 1)
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    image = torch.from_numpy(((hwc - mean) / std).transpose(2, 0, 1)[None].copy())
    baseline = torch.zeros_like(image)
    torch.onnx.export(model, image, os.path.join(args.out, 'tiny.onnx'), input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'n'}, 'logits': {0: 'n'}}, opset_version=13)
    probs = torch.softmax(model(image), 1)[0]
    label = int(probs.argmax())
    np.save(os.path.join(args.out, 'image.npy'), image.numpy())
    np.save(os.path.join(args.out, 'baseline.npy'), baseline.numpy())
    settings = dict(size=8, iterations=10, steps=10, l1=1.0, tv=20.0, alpha=1000.0, label=label, prob=float(probs[label]))

    # ---- I-GOS and I-GOS++ (khorrams/IGOS_pp)
    methods_helper = load_patched(os.environ['IGOS_PP'], 'methods_helper', [
        # torch >= 1.13 refuses an in-place update indexed by the tensor itself; the same update on a copy of the index
        ('indices[indices] = losses >', 'indices[indices.clone()] = losses >'),
        ('indices[indices] *= (alphas', 'indices[indices.clone()] *= (alphas')])
    sys.path.insert(0, os.environ['IGOS_PP'])
    import methods as igos_methods
    methods_helper.init(32)
    init_mask = torch.ones(1, 1, 8, 8)
    lab = torch.tensor([label])
    for name, fn in [('igos', igos_methods.IGOS), ('igospp', igos_methods.iGOS_pp)]:
        t0 = time.time()
        m = fn(model=model, model_name='tiny', init_mask=init_mask, image=image, baseline=baseline, label=lab, size=8,
               iterations=settings['iterations'], ig_iter=settings['steps'], L1=1, L2=20, alpha=1000, opt='LS')
        np.save(os.path.join(args.out, f'{name}_mask.npy'), m.detach().numpy().astype(np.float32).reshape(8, 8))
        print(name, time.time() - t0, m.detach().numpy().reshape(8, 8).round(2), file=sys.stderr)
    sys.path.remove(os.environ['IGOS_PP'])

    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        json.dump({'igos': settings, 'noise': 0, 'baseline': 'zero (model space: the mean colour)'}, f, indent=1)
    print('probability', settings['prob'], 'label', label, file=sys.stderr, flush=True)

    # ---- SAG beam search (viv92/structured-attention-graphs)
    sys.path.insert(0, os.environ['SAG'])
    import search
    # preprocess_image flips HWC channel order before normalising: hand it BGR so that it sees our RGB image
    sag_priority = rng.random((1, 1, 7, 7))
    t0 = time.time()
    full = float(probs[label])
    sag = dict(beam_width=3, successors=15, threshold=0.9, max_roots=10, max_size=20)
    roots = search.beamSearch_topKSuccessors_roots(sag_priority, sag['beam_width'], sag['successors'], hwc[:, :, ::-1].copy(),
                                                   (mean + 0 * hwc)[:, :, ::-1].copy(), model, label, sag['threshold'], full, sag['max_roots'],
                                                   sag['max_size'], use_cuda=0)
    patches = [sorted(int(r * 7 + c) for _, _, r, c in zip(*np.where(m == 0))) for m, _, _ in roots]
    np.save(os.path.join(args.out, 'sag_priority.npy'), sag_priority.reshape(7, 7).astype(np.float64))
    with open(os.path.join(args.out, 'sag_roots.json'), 'w') as f:
        json.dump({'roots': patches, 'probabilities': [float(p) for _, p, _ in roots]}, f)
    print('sag roots', time.time() - t0, patches, file=sys.stderr)
    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        json.dump({'igos': settings, 'sag': sag, 'noise': 0, 'baseline': 'zero (model space: the mean colour)'}, f, indent=1)


if __name__ == '__main__':
    main()
