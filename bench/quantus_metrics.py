#!/usr/bin/env python3
"""Time Quantus' metrics (PyTorch CPU, 2 threads) for bench/metrics.bench.ts. Quantus (and
Captum, which it imports) are not part of this repository: pass their source directories.

    /usr/bin/python3 bench/quantus_metrics.py --quantus /tmp/quantus --captum /tmp/captum --serve

It answers lines "<name> <repeats>" on stdin with one JSON line {"name", "ms": [...]} (the
first request of a name also warms it up). Run it from a directory without a folder named
like a Python package (a stray `zennit/` shadows the real module).

Models: the demo's Fashion-MNIST CNN architecture (scripts/train_fashion_mnist.py, random
weights: the work does not depend on them) on 16 images [1, 28, 28], and torchvision
mobilenet_v2 (bench/models/mobilenet_v2.pt, bench/export_models.py) on 4 images
[3, 224, 224]. Attributions: fixed random maps [n, 1, H, W] (their values do not change
the work). The TypeScript side does the same number of model evaluations per measurement:

  *_pf   PixelFlipping, softmax, zero substrate; fmnist 28 pixels per step (28 steps),
         mobilenet 1568 elements per step (Quantus checks the step against the map's
         50176 pixels but flips the 150528 elements of the image: 96 steps; ours flips
         523 pixels per step, 96 steps)
  *_rp   RegionPerturbation MoRF, zero substrate; fmnist 4 x 4 patches, all 49;
         mobilenet 16 x 16 patches, 50 of 196
  *_road ROAD, noise 0.01, 50 percentages (fmnist only: Quantus' ROAD indexes colour
         images out of range)
  *_ms   MaxSensitivity, 10 samples, uniform noise 0.02, explanations: Captum Saliency
         (attributions shaped like the input: Quantus cannot compare a map with them)
  *_fc   FaithfulnessCorrelation, 100 runs, subsets of 28 pixels (fmnist) / 3 x 224
         elements (mobilenet), zero substrate
"""
import os
import sys

import numpy as np
import torch

from reference_common import HERE, load_model, reference_parser, serve


def main():
    args = reference_parser(None, ["quantus", "captum"], model=False).parse_args()
    sys.path[:0] = [os.path.abspath(args.quantus), os.path.abspath(args.captum), HERE, os.path.join(os.path.dirname(HERE), "scripts")]
    import scipy.stats
    import quantus
    from captum.attr import Saliency
    from train_fashion_mnist import Net

    torch.manual_seed(0)
    fm = Net(0.286, 0.353).eval()
    rng = np.random.RandomState(0)
    data = {"fm": (fm, rng.uniform(0, 1, (16, 1, 28, 28)).astype("f4"), rng.standard_normal((16, 1, 28, 28)).astype("f4"))}

    def mobilenet():  # loaded on first use
        if "mb" not in data:
            mb = load_model(args.models, "mobilenet_v2")
            r = np.random.RandomState(1)
            data["mb"] = (mb.eval(), r.uniform(-1, 1, (4, 3, 224, 224)).astype("f4"), r.standard_normal((4, 1, 224, 224)).astype("f4"))
            data["mb3"] = (data["mb"][0], data["mb"][1], r.standard_normal((4, 3, 224, 224)).astype("f4"))
        return data["mb"]

    def saliency(model, inputs, targets, **_):
        x = torch.as_tensor(np.asarray(inputs), dtype=torch.float32)
        return Saliency(model).attribute(x, target=torch.as_tensor(np.asarray(targets)), abs=False).detach().numpy()

    def pearson_rows(a, b, batched=True, **_):  # Quantus' batched Pearson needs scipy >= 1.11
        return np.array([scipy.stats.pearsonr(aa, bb)[0] for aa, bb in zip(a, b)])

    q = dict(disable_warnings=True, abs=False, normalise=False)

    def runner(key, metric, **call):
        def run():
            if key != "fm":
                mobilenet()
            model, x, a = data[key]
            return metric(model=model, x_batch=x, y_batch=np.zeros(len(x), int), a_batch=a, **call)
        return run

    runs = {
        "fm_pf": runner("fm", quantus.PixelFlipping(features_in_step=28, perturb_baseline=0.0, **q), softmax=True),
        "mb_pf": runner("mb", quantus.PixelFlipping(features_in_step=1568, perturb_baseline=0.0, **q), softmax=True),
        "fm_rp": runner("fm", quantus.RegionPerturbation(patch_size=4, regions_evaluation=49, perturb_baseline=0.0, **q), softmax=True),
        "mb_rp": runner("mb", quantus.RegionPerturbation(patch_size=16, regions_evaluation=50, perturb_baseline=0.0, **q), softmax=True),
        "fm_road": runner("fm", quantus.ROAD(noise=0.01, **q), softmax=True),
        "fm_ms": runner("fm", quantus.MaxSensitivity(nr_samples=10, lower_bound=0.02, **q), explain_func=saliency),
        "mb_ms": runner("mb3", quantus.MaxSensitivity(nr_samples=10, lower_bound=0.02, **q), explain_func=saliency),
        "fm_fc": runner("fm", quantus.FaithfulnessCorrelation(similarity_func=pearson_rows, nr_runs=100, subset_size=28, perturb_baseline=0.0, **q), softmax=False),
        "mb_fc": runner("mb", quantus.FaithfulnessCorrelation(similarity_func=pearson_rows, nr_runs=100, subset_size=3 * 224, perturb_baseline=0.0, **q), softmax=False),
    }

    serve(runs, {"torch": torch.__version__}, args.warmup)


if __name__ == "__main__":
    sys.exit(main())
