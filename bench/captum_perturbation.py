#!/usr/bin/env python3
"""Time the reference perturbation methods on a benchmark model (PyTorch CPU, 2 threads),
for bench/perturbation.bench.ts. Captum is not part of this repository: pass the directory
holding its source (pytorch/captum, tag v0.8.0) with --captum.

    /usr/bin/python3 bench/captum_perturbation.py --captum /tmp/captum --models bench/models --serve

It answers lines "<name> <repeats>" on stdin with one JSON line {"name": ..., "ms": [...]}
(the first request of a name also warms it up). Measurements, on one input [1, 3, 224, 224]
(the values of bench/methods.bench.ts), target class 0, baseline 0, 16 examples per forward:

  occlusion  Captum Occlusion, window (3, 16, 16), strides (3, 8, 8), perturbations_per_eval --perturbations-per-eval (16)
  shapley    Captum ShapleyValueSampling over the superpixels of --segments (an int32 .npy label
             map [224, 224]; default a 32 px grid, 49 features), n_samples --shapley-samples
  kernelshap Captum KernelShap over the same features, n_samples --kernelshap-samples
  rise       RISE as the authors' explanations.py computes it (RISE.forward: masks x image,
             softmax scores in batches of --rise-batch (their gpu_batch, default 100),
             scores x masks / N / p1), --rise-masks masks of
             cell 7, p1 0.5; the masks are made beforehand (their generate_masks), not timed
"""
import sys

import numpy as np
import torch

from reference_common import bench_input, load_model, reference_parser, serve, stub_and_add_sources


def rise_masks(n, s, p1, size=224, seed=0):
    """The authors' generate_masks (bilinear upsampling with a random shift, scikit-image resize)."""
    from skimage.transform import resize

    rng = np.random.default_rng(seed)
    cell = int(np.ceil(size / s))
    up = (s + 1) * cell
    grid = (rng.random((n, s, s)) < p1).astype("float32")
    masks = np.empty((n, size, size), dtype="float32")
    for i in range(n):
        dy, dx = rng.integers(0, cell, size=2)
        masks[i] = resize(grid[i], (up, up), order=1, mode="reflect", anti_aliasing=False)[dy:dy + size, dx:dx + size]
    return torch.from_numpy(masks).view(n, 1, size, size)


def main():
    ap = reference_parser(__doc__, ["captum"], serve_required=True)
    ap.add_argument("--shapley-samples", type=int, default=2)
    ap.add_argument("--kernelshap-samples", type=int, default=200)
    ap.add_argument("--rise-masks", type=int, default=4000)
    ap.add_argument("--rise-batch", type=int, default=100)
    ap.add_argument("--segments")
    ap.add_argument("--perturbations-per-eval", type=int, default=16)
    args = ap.parse_args()
    stub_and_add_sources(args.captum)
    import captum
    from captum.attr import KernelShap, Occlusion, ShapleyValueSampling

    model = load_model(args.models, args.model)
    x = bench_input()
    cols = 224 // 32
    if args.segments:
        grid = torch.from_numpy(np.load(args.segments).astype("int64"))[None, None]
    else:
        grid = torch.tensor([[(y // 32) * cols + xx // 32 for xx in range(224)] for y in range(224)])[None, None]
    masks = None

    def rise():
        with torch.no_grad():
            stack = torch.mul(masks, x.data)
            b = args.rise_batch
            p = torch.cat([torch.softmax(model(stack[i:i + b]), dim=1) for i in range(0, len(masks), b)])
            sal = torch.matmul(p.data.transpose(0, 1), masks.view(len(masks), 224 * 224)).view(-1, 224, 224)
            return sal / len(masks) / 0.5

    runs = {
        "occlusion": lambda: Occlusion(model).attribute(x, sliding_window_shapes=(3, 16, 16), strides=(3, 8, 8), target=0,
                                                        perturbations_per_eval=args.perturbations_per_eval),
        "shapley": lambda: ShapleyValueSampling(model).attribute(x, feature_mask=grid, target=0, n_samples=args.shapley_samples,
                                                                 perturbations_per_eval=args.perturbations_per_eval),
        "kernelshap": lambda: KernelShap(model).attribute(x, feature_mask=grid, target=0, n_samples=args.kernelshap_samples,
                                                          perturbations_per_eval=args.perturbations_per_eval),
        "rise": rise,
    }

    def make_masks(name):
        nonlocal masks
        if name == "rise" and masks is None:
            masks = rise_masks(args.rise_masks, 7, 0.5)

    serve(runs, {"captum": captum.__version__, "torch": torch.__version__}, args.warmup, before=make_masks)


if __name__ == "__main__":
    sys.exit(main())
