#!/usr/bin/env python3
"""Reference attributions for the propagation methods (fixtures/propagation/).

Captum and Zennit are NOT part of this repository and are never vendored: bring their
source yourself, outside the repository, and pass the paths:

    git clone --branch v0.8.0 https://github.com/pytorch/captum /tmp/captum
    git clone https://github.com/chr5tphr/zennit /tmp/zennit
    /usr/bin/python3 scripts/make_propagation_fixtures.py --captum /tmp/captum --zennit /tmp/zennit/src

Guided backprop / deconvnet (Captum GuidedBackprop, Deconvolution), targets [3, 7], on the
CNNs of scripts/make_torch_fixtures.py (rebuilt with the same seeds through
scripts/make_captum_fixtures.py, checked against the committed logits):

  <model>.guided.npy, <model>.deconvnet.npy   tiny_vgg, tiny_resnet (plain ReLU)
  tiny_mobilenet.guided_relu6.npy, .deconvnet_relu6.npy
        tiny_mobilenet with each nn.ReLU6 swapped for an nn.ReLU subclass computing relu6,
        so that Captum hooks it (Captum's own GuidedBackprop leaves ReLU6 alone; that
        plain Captum result is tiny_mobilenet.guided_captum.npy, to show the difference).

LRP (see LRP_MODELS below) is written by the second half of this script.
"""
import argparse
import copy
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGETS = [3, 7]


def save(path, arr):
    np.save(path, np.ascontiguousarray(np.asarray(arr, dtype="<f4")))


class ReLU6AsReLU(nn.ReLU):
    """relu6, but an nn.ReLU for Captum's isinstance check."""

    def forward(self, x):
        return F.relu6(x)


def relu6_as_relu(model):
    for name, child in model.named_children():
        if isinstance(child, nn.ReLU6):
            setattr(model, name, ReLU6AsReLU())
        else:
            relu6_as_relu(child)
    return model


def guided_fixtures(out, mcf, mtf):
    from captum.attr import Deconvolution, GuidedBackprop
    target = torch.tensor(TARGETS)
    written = {}
    for name in ["tiny_vgg", "tiny_resnet", "tiny_mobilenet"]:
        model, x, _ = mcf.build(name, mtf, out)
        model.eval()
        base = os.path.join(out, name)
        if name == "tiny_mobilenet":
            save(base + ".guided_captum.npy", GuidedBackprop(model).attribute(x, target=target).detach())
            hooked = relu6_as_relu(copy.deepcopy(model))
            with torch.no_grad():
                assert torch.allclose(hooked(x), model(x))
            save(base + ".guided_relu6.npy", GuidedBackprop(hooked).attribute(x, target=target).detach())
            save(base + ".deconvnet_relu6.npy", Deconvolution(hooked).attribute(x, target=target).detach())
            written[name] = ["guided_captum", "guided_relu6", "deconvnet_relu6"]
        else:
            save(base + ".guided.npy", GuidedBackprop(model).attribute(x, target=target).detach())
            save(base + ".deconvnet.npy", Deconvolution(model).attribute(x, target=target).detach())
            written[name] = ["guided", "deconvnet"]
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--captum", required=True, help="directory holding Captum's source (the one containing captum/)")
    ap.add_argument("--zennit", required=False, help="directory holding Zennit's source (the one containing zennit/)")
    ap.add_argument("--out", default=os.path.join(ROOT, "fixtures", "propagation"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    sys.path.insert(0, HERE)
    import make_captum_fixtures as mcf
    import make_torch_fixtures as mtf
    mcf.stub_optional_modules()
    sys.path.insert(0, os.path.abspath(args.captum))
    if args.zennit:
        sys.path.insert(0, os.path.abspath(args.zennit))
    os.makedirs(args.out, exist_ok=True)
    manifest = {"generator": "scripts/make_propagation_fixtures.py", "torch": torch.__version__, "targets": TARGETS}
    manifest["guided"] = guided_fixtures(args.out, mcf, mtf)
    if args.zennit:
        import lrp_fixtures  # noqa: F401  (second half, below)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)


if __name__ == "__main__":
    main()
