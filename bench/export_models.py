#!/usr/bin/env python3
"""Export the benchmark models (torchvision mobilenet_v2, resnet18, vit_b_16 and swin_t, random weights).

Usage (Debian's python3-torch / python3-torchvision, not the pyenv python):

    /usr/bin/python3 bench/export_models.py --out bench/models [--force] [--models mobilenet_v2,resnet18]

For each model it writes into --out:

  <name>.onnx   opset 17, input "input" [N,3,224,224] (dynamic batch N), output "logits" [N,1000]
  <name>.pt     the state dict, so bench/torch_bench.py times the identical weights

Weights are random (weights=None, torch.manual_seed fixed; vit_b_16's zero-initialised
head is re-drawn from N(0, 0.02)).  Before export the
BatchNorm running statistics are re-estimated (momentum=None, cumulative average)
on 10 random batches of 16 in train mode; without this, random-weight
mobilenet_v2 produces logits of order 1e-10.  Files that already exist are kept
unless --force is given.  bench/models/ is meant to stay out of git.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn
import torchvision

torch.set_num_threads(2)

MODELS = {
    "mobilenet_v2": torchvision.models.mobilenet_v2,
    "resnet18": torchvision.models.resnet18,
    "vit_b_16": torchvision.models.vit_b_16,
    "swin_t": torchvision.models.swin_t,
}
SEEDS = {"mobilenet_v2": 1, "resnet18": 2, "vit_b_16": 3, "swin_t": 4}


def build(name):
    """Model with the random weights used by the benchmark (deterministic)."""
    torch.manual_seed(SEEDS[name])
    model = MODELS[name](weights=None)
    if name == "vit_b_16":
        # torchvision zero-initialises the ViT head: every logit and gradient would be 0.
        nn.init.normal_(model.heads.head.weight, std=0.02)
    return model


def recalibrate_bn(model, batches=10, batch_size=16, seed=0):
    if not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        return model.eval()  # LayerNorm models (vit_b_16, swin_t): nothing to re-estimate
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(batch_size, 3, 224, 224, generator=g))
    model.eval()
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "models"))
    ap.add_argument("--force", action="store_true", help="re-export even if the files exist")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of: " + ", ".join(MODELS))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    for name in [m for m in args.models.split(",") if m]:
        if name not in MODELS:
            sys.exit(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
        onnx_path = os.path.join(args.out, f"{name}.onnx")
        pt_path = os.path.join(args.out, f"{name}.pt")
        if not args.force and os.path.exists(onnx_path) and os.path.exists(pt_path):
            print(f"{name}: exists, skipping ({onnx_path})")
            continue
        t0 = time.time()
        model = recalibrate_bn(build(name))
        torch.save(model.state_dict(), pt_path)
        x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(123))
        with torch.no_grad():
            logits = model(x)
        # Outside no_grad: there nn.MultiheadAttention takes its fused fast path
        # (aten::_native_multi_head_attention), which has no ONNX export.
        torch.onnx.export(
            model, x, onnx_path, opset_version=17,
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            do_constant_folding=True,
        )
        print(f"{name}: wrote {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.1f} MB) and {pt_path}; "
              f"|logits| max {logits.abs().max().item():.3g}, std {logits.std().item():.3g}; "
              f"{time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
