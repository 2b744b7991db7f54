#!/usr/bin/env python3
"""Time the reference propagation methods on a benchmark model (PyTorch CPU, 2 threads), for
bench/propagation.bench.ts. Captum and Zennit are not part of this repository: pass the
directories holding their sources (pytorch/captum v0.8.0; chr5tphr/zennit 0.5.1, which runs
on Debian's torch 1.13).

    /usr/bin/python3 bench/captum_propagation.py --captum /tmp/captum --zennit /tmp/zennit/src \
        --models bench/models --model mobilenet_v2 --serve

Answers lines "<name> <repeats>" on stdin with one JSON line {"name": ..., "ms": [...]} (the
first request of a name also warms it up). Measurements, one input [1, 3, 224, 224] with the
values of bench/methods.bench.ts, target class 0:

  guided    Captum GuidedBackprop (on mobilenet_v2 it leaves ReLU6 alone: less work than ours)
  lrp       Zennit EpsilonPlus with its BatchNorm canonizer (SequentialMergeBatchNorm;
            ResNetCanonizer for resnet18), seeded with one-hot * f(x)
  deeplift  Captum DeepLift, zero baseline (mobilenet_v2 only: resnet18 reuses a ReLU module
            per block, which Captum's DeepLift refuses)
"""
import sys

import torch

from reference_common import bench_input, load_model, reference_parser, serve, stub_and_add_sources


def main():
    args = reference_parser(__doc__, ["captum", "zennit"]).parse_args()
    stub_and_add_sources(args.captum, args.zennit)
    import captum
    from captum.attr import DeepLift, GuidedBackprop
    from zennit.canonizers import SequentialMergeBatchNorm
    from zennit.composites import EpsilonPlus
    from zennit.torchvision import ResNetCanonizer

    model = load_model(args.models, args.model)
    x = bench_input()
    canonizer = ResNetCanonizer() if args.model.startswith("resnet") else SequentialMergeBatchNorm()

    def lrp():
        composite = EpsilonPlus(canonizers=[canonizer])
        xr = x.clone().requires_grad_()
        with composite.context(model) as modified:
            y = modified(xr)
            seed = torch.zeros_like(y)
            seed[0, 0] = y[0, 0].detach()
            (rel,) = torch.autograd.grad(y, xr, grad_outputs=seed)
        return rel

    runs = {
        "guided": lambda: GuidedBackprop(model).attribute(x, target=0),
        "lrp": lrp,
        "deeplift": lambda: DeepLift(model).attribute(x, torch.zeros_like(x), target=0),
    }

    serve(runs, {"captum": captum.__version__, "torch": torch.__version__}, args.warmup)


if __name__ == "__main__":
    sys.exit(main())
