#!/usr/bin/env python3
"""Time the OFFICIAL I-GOS / I-GOS++ (khorrams/IGOS_pp) and Structured Attention Graphs
(viv92/structured-attention-graphs) research code on a benchmark model (PyTorch CPU,
2 threads), for bench/mask.bench.ts. Neither is part of this repository: fetch them and
point IGOS_PP and SAG at their folders (the code is imported from there, as
scripts/make_mask_fixtures.py does: `.cuda()` is the identity, the path noise is off).

    IGOS_PP=/tmp/IGOS_pp SAG=/tmp/structured-attention-graphs /usr/bin/python3 bench/mask_reference.py \
        --models bench/models --model mobilenet_v2 --target 378 --iterations 2 --steps 5 --max-size 4 --serve

Answers lines "<name> <repeats>" on stdin with one JSON line {"name", "ms"} on stdout.
Input: bench/reference_common.py's [1, 3, 224, 224]; baseline: zero in model space (the
mean colour) on both sides; target class --target.

  igos    methods.IGOS(size 28, iterations, ig_iter = steps, L1 1, L2 20, alpha 1000, opt 'LS')
  igospp  methods.iGOS_pp (the same settings)
  sag     search.beamSearch_topKSuccessors_roots(priority, beam 3, successors 15, threshold 0.9,
          max roots 10, max size) + diverse_subset_selection.maximal_overlapThresh_set(overlap 1),
          priority = the seeded 7x7 map --sag-priority-seed (lower first; the TS side gets 1 - it)
"""
import json
import os
import sys

import numpy as np
import torch

from reference_common import bench_input, load_model, reference_parser, serve


def sag_priority(seed):
    """The 7x7 reference map (lower = inserted first), also printed for the TypeScript side."""
    return np.random.default_rng(seed).random((1, 1, 7, 7))


def main():
    ap = reference_parser(__doc__, [])
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--iterations", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--max-size", type=int, default=4)
    ap.add_argument("--sag-priority-seed", type=int, default=7)
    ap.add_argument("--print-priority", action="store_true")
    args = ap.parse_args()
    if args.print_priority:
        print(json.dumps(sag_priority(args.sag_priority_seed).ravel().tolist()))
        return
    for var in ("IGOS_PP", "SAG"):
        if not os.path.isdir(os.environ.get(var, "")):
            sys.exit(f"{var} must name the folder of the official code (see this script's docstring)")

    from make_mask_fixtures import load_patched  # also runs CUDA code on the CPU, noise off

    model = load_model(args.models, args.model)
    for p in model.parameters():
        p.requires_grad_(False)
    x = bench_input()
    baseline = torch.zeros_like(x)
    label = torch.tensor([args.target])

    methods_helper = load_patched(os.environ["IGOS_PP"], "methods_helper", [
        ("indices[indices] = losses >", "indices[indices.clone()] = losses >"),
        ("indices[indices] *= (alphas", "indices[indices.clone()] *= (alphas")])
    sys.path.insert(0, os.environ["IGOS_PP"])
    import methods as igos_methods
    sys.path.remove(os.environ["IGOS_PP"])
    methods_helper.init(224)
    init_mask = torch.ones(1, 1, 28, 28)

    def mask_run(fn):
        return lambda: fn(model=model, model_name=args.model, init_mask=init_mask, image=x, baseline=baseline, label=label, size=28,
                          iterations=args.iterations, ig_iter=args.steps, L1=1, L2=20, alpha=1000, opt="LS")

    sys.path.insert(0, os.environ["SAG"])
    import search
    import diverse_subset_selection
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    hwc = (x[0].numpy().transpose(1, 2, 0) * std + mean)[:, :, ::-1].copy()  # preprocess_image flips BGR -> RGB
    base_hwc = np.broadcast_to(mean, hwc.shape)[:, :, ::-1].copy()
    with torch.no_grad():
        full = float(torch.softmax(model(x), 1)[0, args.target])
    priority = sag_priority(args.sag_priority_seed)

    def sag():
        with torch.no_grad():
            roots = search.beamSearch_topKSuccessors_roots(priority, 3, 15, hwc, base_hwc, model, args.target, 0.9, full, 10,
                                                           args.max_size, use_cuda=0)
            shown = diverse_subset_selection.maximal_overlapThresh_set(roots, 1) if roots else []
        patches = [sorted(int(r * 7 + c) for _, _, r, c in zip(*np.where(m == 0))) for m, _, _ in roots]
        print(json.dumps({"sag_roots": patches}), file=sys.stderr, flush=True)
        return shown

    runs = {"igos": mask_run(igos_methods.IGOS), "igospp": mask_run(igos_methods.iGOS_pp), "sag": sag}
    serve(runs, {"torch": torch.__version__}, args.warmup)


if __name__ == "__main__":
    main()
