#!/usr/bin/env python3
"""Time Captum's attribution methods on a benchmark model (PyTorch CPU, 2 threads),
for bench/methods.bench.ts. Captum is not part of this repository: pass the directory
holding its source (pytorch/captum, tag v0.8.0) with --captum.

    /usr/bin/python3 bench/captum_methods.py --captum /tmp/captum --models bench/models \
        --model mobilenet_v2 [--repeats 3] [--warmup 1] [--only ig50,ig200,nt_ig,gradshap] --out FILE.json
    /usr/bin/python3 bench/captum_methods.py --captum /tmp/captum --serve

With --serve it stays up and answers lines "<name> <repeats>" on stdin with one JSON line
{"name": ..., "ms": [...]} on stdout (the first request of a name also warms it up), so a
caller can interleave single measurements with its own on a busy machine.

Measurements (one input [1, 3, 224, 224], the same deterministic values as the
TypeScript side, target class 0, internal_batch_size 16, black (zero) baseline):

  ig50      IntegratedGradients(n_steps=50), return_convergence_delta=True
  ig200     IntegratedGradients(n_steps=200), return_convergence_delta=True
  nt_ig     NoiseTunnel(IntegratedGradients) smoothgrad, nt_samples=10, n_steps=20, stdevs=0.15
  gradshap  GradientShap, n_samples=20, baselines: 8 random images, stdevs=0

Each: `--warmup` untimed runs, then the wall time of `--repeats` runs (ms). JSON:
  {"captum": "...", "torch": "...", "threads": 2, "samples": {"ig50": [...], ...}}
"""
import json
import sys

import torch

from reference_common import bench_input, load_model, reference_parser, serve, stub_and_add_sources, timed


def main():
    ap = reference_parser(__doc__, ["captum"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="ig50,ig200,nt_ig,gradshap")
    ap.add_argument("--out")
    args = ap.parse_args()
    stub_and_add_sources(args.captum)
    import captum
    from captum.attr import GradientShap, IntegratedGradients, NoiseTunnel

    model = load_model(args.models, args.model)
    x = bench_input()
    g = torch.Generator().manual_seed(0)
    dist = torch.rand(8, 3, 224, 224, generator=g) * 4 - 2
    ig = IntegratedGradients(model)
    runs = {
        "ig50": lambda: ig.attribute(x, target=0, n_steps=50, internal_batch_size=16, return_convergence_delta=True),
        "ig200": lambda: ig.attribute(x, target=0, n_steps=200, internal_batch_size=16, return_convergence_delta=True),
        "nt_ig": lambda: NoiseTunnel(ig).attribute(x, nt_type="smoothgrad", nt_samples=10, stdevs=0.15, target=0,
                                                   n_steps=20, internal_batch_size=16),
        "gradshap": lambda: GradientShap(model).attribute(x, baselines=dist, n_samples=20, stdevs=0.0, target=0),
    }
    if args.serve:
        serve(runs, {"captum": captum.__version__, "torch": torch.__version__}, args.warmup)
        return

    samples = {}
    for name in args.only.split(","):
        fn = runs[name]
        for _ in range(args.warmup):
            fn()
        samples[name] = timed(fn, args.repeats)
    out = {"captum": captum.__version__, "torch": torch.__version__, "threads": torch.get_num_threads(), "samples": samples}
    text = json.dumps(out)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    sys.exit(main())
