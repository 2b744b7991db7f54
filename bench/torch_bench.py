#!/usr/bin/env python3
"""Time the benchmark models in PyTorch (CPU, 2 threads) for comparison with the engine.

Usage (Debian's python3-torch / python3-torchvision, not the pyenv python):

    /usr/bin/python3 bench/torch_bench.py --models bench/models --out FILE.json
        [--repeats 5] [--warmup 2]
        [--models-list mobilenet_v2,resnet18]
        [--only forward_b1,forward_b16,fwd_bwd_b16]

Weights come from <models>/<name>.pt written by bench/export_models.py (the same
weights as <name>.onnx).  Measurements (each: `--warmup` untimed runs, then the
median wall time of `--repeats` runs, in milliseconds):

  forward_b1   model(x), x [1,3,224,224], under torch.no_grad()
  forward_b16  model(x), x [16,3,224,224], under torch.no_grad()
  fwd_bwd_b16  x [16,3,224,224]: x.requires_grad_(); y = model(x);
               torch.autograd.grad(y[:, 0].sum(), x)   (input gradient of one logit per example)

--models-list and --only take comma-separated names, so a caller can alternate
single measurements with its own.  The JSON written to --out (stdout if omitted):

  {"torch": "...", "threads": 2, "repeats": 5,
   "models": {"mobilenet_v2": {"forward_b1_ms": ..., "forward_b16_ms": ..., "fwd_bwd_b16_ms": ...}, ...},
   "samples": {"mobilenet_v2": {"forward_b1_ms": [...], ...}, ...}}

Only the requested measurements appear.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

torch.set_num_threads(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_models import MODELS  # noqa: E402

MEASUREMENTS = ("forward_b1", "forward_b16", "fwd_bwd_b16")


def load(models_dir, name):
    model = MODELS[name](weights=None)
    state = torch.load(os.path.join(models_dir, f"{name}.pt"), map_location="cpu")
    model.load_state_dict(state)
    return model.eval()


def make_run(model, what, x):
    if what in ("forward_b1", "forward_b16"):
        def run():
            with torch.no_grad():
                model(x)
    elif what == "fwd_bwd_b16":
        def run():
            xi = x.detach().clone().requires_grad_()
            y = model(xi)
            torch.autograd.grad(y[:, 0].sum(), xi)
    else:
        raise ValueError(what)
    return run


def time_ms(run, repeats, warmup):
    for _ in range(warmup):
        run()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples), samples


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "models"),
                    help="directory with <name>.pt from export_models.py")
    ap.add_argument("--out", help="JSON output file (default: stdout)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--models-list", default=",".join(MODELS), help="comma-separated subset of: " + ", ".join(MODELS))
    ap.add_argument("--only", default=",".join(MEASUREMENTS),
                    help="comma-separated subset of: " + ", ".join(MEASUREMENTS))
    args = ap.parse_args()

    names = [n for n in args.models_list.split(",") if n]
    whats = [w for w in args.only.split(",") if w]
    for n in names:
        if n not in MODELS:
            sys.exit(f"unknown model {n!r}; choose from {', '.join(MODELS)}")
    for w in whats:
        if w not in MEASUREMENTS:
            sys.exit(f"unknown measurement {w!r}; choose from {', '.join(MEASUREMENTS)}")

    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "repeats": args.repeats,
              "models": {}, "samples": {}}
    g = torch.Generator().manual_seed(0)
    x16 = torch.randn(16, 3, 224, 224, generator=g)
    x1 = x16[:1].clone()
    for name in names:
        model = load(args.models, name)
        result["models"][name] = {}
        result["samples"][name] = {}
        for what in whats:
            x = x1 if what == "forward_b1" else x16
            med, samples = time_ms(make_run(model, what, x), args.repeats, args.warmup)
            result["models"][name][f"{what}_ms"] = round(med, 2)
            result["samples"][name][f"{what}_ms"] = [round(s, 2) for s in samples]
            print(f"{name:14} {what:12} {med:9.1f} ms  (samples {', '.join(f'{s:.0f}' for s in samples)})",
                  file=sys.stderr)

    text = json.dumps(result, indent=2) + "\n"
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
