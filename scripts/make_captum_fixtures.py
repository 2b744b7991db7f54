#!/usr/bin/env python3
"""Captum reference attributions for the method tests (fixtures/captum/).

Captum is NOT part of this repository and is never vendored: bring its source
yourself (repository pytorch/captum, tag v0.8.0, which runs on Debian's
python3-torch 1.13) somewhere outside the repository and pass that path:

    git clone --branch v0.8.0 https://github.com/pytorch/captum /tmp/captum
    /usr/bin/python3 scripts/make_captum_fixtures.py --captum /tmp/captum

Models:
- tiny_resnet, tiny_mobilenet, tiny_vgg: the CNNs of scripts/make_torch_fixtures.py,
  rebuilt with the same seeds (that script is imported; the logits are checked against
  fixtures/torch/<name>.logits.npy, so the weights are those of the committed ONNX
  files), on fixtures/torch/<name>.input.npy;
- tiny_smooth: a small CNN with smooth activations only (SiLU, GELU, Softplus, average
  pooling), exported here to fixtures/captum/tiny_smooth.onnx with its input
  tiny_smooth.input.npy ([2, 3, 16, 16]). No ReLU-like kink means no float32 tie (below).

For each model, with targets [3, 7] (one class per input), it writes:

  <name>.saliency_abs.npy      Saliency(abs=True)           (Captum's default)
  <name>.saliency.npy          Saliency(abs=False)
  <name>.ixg.npy               InputXGradient
  <name>.ig_<baseline>_<method>.npy  IntegratedGradients, n_steps=50, with each
                               method in riemann_left/right/middle/trapezoid and
                               gausslegendre (see MODELS for which model gets which),
                               and the baselines:
        black    zeros (the inputs are already in model space)
        blur     the input blurred by a Gaussian (sigma 2 px, truncate 4, scipy
                 'reflect' borders), saved as <name>.baseline_blur.npy
        uniform  U(-2, 2) noise (numpy seed 0), saved as <name>.baseline_uniform.npy
  manifest.json                what was written; per IG run, Captum's convergence
                               delta (igDelta) and the float32 ties (igTies, below)
  quadrature.json              Captum's (alphas, step sizes) for each method and
                               several step counts

Float32 ties. Along an IG path every ReLU/ReLU6/MaxPool unit crosses its kink at some
alpha; with tens of thousands of units and 50 alphas a few interpolated points sit
within 1e-7 of a kink, where PyTorch's and onnxruntime's float32 rounding can take
different branches (a 1-2 % change of that point's gradient, ~3e-4 of the IG map).
For each IG run, the float64 distance of every interpolated point to the nearest kink
is computed; igTies[run] = number of points with 0 < distance < 1e-6 and the smallest
such distance. The test holds runs without ties to 1e-4 relative L2.

Captum v0.8.0 imports matplotlib (LLM visualisation) and tqdm at package import;
when they are not installed, empty stand-in modules are registered for them (no
code path used here touches them).
"""
import argparse
import importlib.abc
import importlib.machinery
import json
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
METHODS = ["riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre"]
TARGETS = [3, 7]
N_STEPS = 50
TIE = 1e-6
# (model, IG baselines, IG methods)
MODELS = [
    ("tiny_resnet", ["black", "blur", "uniform"], METHODS),
    ("tiny_smooth", ["black", "blur", "uniform"], METHODS),
    ("tiny_mobilenet", ["black"], METHODS),
    ("tiny_vgg", ["black"], ["gausslegendre"]),
]
QUAD_STEPS = [2, 3, 5, 16, 17, 20, 33, 50, 100, 257]


class TinySmooth(nn.Module):
    """Smooth activations only: IG paths have no kinks, so float32 rounding cannot flip a branch."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.c3 = nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.silu(self.bn1(self.c1(x)))
        x = F.gelu(self.c2(x))
        x = F.avg_pool2d(x, 2)
        x = F.softplus(self.c3(x)) + x
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def stub_optional_modules():
    """Register empty modules for Captum's optional plotting/progress imports if missing."""
    missing = []
    for name in ("matplotlib", "mpl_toolkits", "tqdm"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if not missing:
        return

    class Stub(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith("__"):
                raise AttributeError(attr)
            return type(attr, (), {})

    class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname, path, target=None):
            if fullname.split(".")[0] in missing:
                return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
            return None

        def create_module(self, spec):
            m = Stub(spec.name)
            m.__path__ = []
            return m

        def exec_module(self, module):
            pass

    sys.meta_path.insert(0, Finder())


def blur(x, sigma, truncate=4.0):
    """Gaussian blur over H, W of an NCHW array, scipy.ndimage 'reflect' borders, float64."""
    radius = int(truncate * sigma + 0.5)
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * t * t / (sigma * sigma))
    k /= k.sum()
    out = x.astype(np.float64)
    for axis in (2, 3):
        pad = [(0, 0)] * 4
        pad[axis] = (radius, radius)
        p = np.pad(out, pad, mode="symmetric")
        acc = np.zeros_like(out)
        n = out.shape[axis]
        for i, w in enumerate(k):
            acc += w * np.take(p, np.arange(i, i + n), axis=axis)
        out = acc
    return out.astype(np.float32)


KINKS = {nn.ReLU: (0.0,), nn.ReLU6: (0.0, 6.0), nn.LeakyReLU: (0.0,), nn.PReLU: (0.0,),
         nn.Hardswish: (-3.0, 3.0), nn.Hardsigmoid: (-3.0, 3.0)}


def point_margins(model64, points):
    """Per point (float64): distance of any kinked op input to its kink; MaxPool top-2 gaps."""
    found = []

    def hook(mod, inp, _out):
        t = inp[0].detach()
        if isinstance(mod, nn.MaxPool2d):
            k, st, pd = mod.kernel_size, mod.stride, mod.padding
            tp = F.pad(t, [pd] * 4, value=float("-inf"))
            cols = F.unfold(tp, k, stride=st)
            cols = cols.view(t.shape[0], t.shape[1], -1, cols.shape[-1])
            top = cols.topk(2, dim=2).values
            gap = top[:, :, 0] - top[:, :, 1]
            found.append(gap.flatten(1))
            return
        for kv in KINKS[type(mod)]:
            found.append((t - kv).abs().flatten(1))

    hs = [m.register_forward_hook(hook) for m in model64.modules()
          if isinstance(m, tuple(KINKS)) or isinstance(m, nn.MaxPool2d)]
    try:
        with torch.no_grad():
            model64(points)
    finally:
        for h in hs:
            h.remove()
    if not found:
        return torch.full((points.shape[0],), float("inf"), dtype=torch.float64)
    all_ = torch.cat(found, dim=1)
    # exact ties (0) are computed identically by every runtime (e.g. a constant image): not a risk
    all_ = torch.where(all_ > 0, all_, torch.full_like(all_, float("inf")))
    return all_.min(dim=1).values


def save(path, arr):
    np.save(path, np.ascontiguousarray(np.asarray(arr, dtype="<f4")))


def build(name, mtf, out_dir):
    if name == "tiny_smooth":
        torch.manual_seed(4242)
        model = mtf.init_and_calibrate(TinySmooth(), gen_seed=4243)
        x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(4244))
        save(os.path.join(out_dir, "tiny_smooth.input.npy"), x)
        with torch.no_grad():
            torch.onnx.export(model, x, os.path.join(out_dir, "tiny_smooth.onnx"), opset_version=17,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                              do_constant_folding=True)
        return model, x, 0.0
    idx = [m[0] for m in mtf.MODELS].index(name)
    torch.manual_seed(1000 + idx)  # exactly as make_torch_fixtures.main
    model = mtf.init_and_calibrate(mtf.MODELS[idx][1](), gen_seed=2000 + idx)
    torch_dir = os.path.join(ROOT, "fixtures", "torch")
    x = torch.from_numpy(np.load(os.path.join(torch_dir, f"{name}.input.npy")))
    with torch.no_grad():
        logits = model(x).numpy()
    err = float(np.abs(logits - np.load(os.path.join(torch_dir, f"{name}.logits.npy"))).max())
    if not err < 1e-5:
        raise RuntimeError(f"{name}: rebuilt model differs from the committed fixture (max logit diff {err:.3g})")
    return model, x, err


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--captum", required=True, help="directory holding Captum's source (the one containing captum/)")
    ap.add_argument("--out", default=os.path.join(ROOT, "fixtures", "captum"))
    args = ap.parse_args()

    torch.set_num_threads(2)
    stub_optional_modules()
    sys.path.insert(0, os.path.abspath(args.captum))
    sys.path.insert(0, HERE)
    import captum
    from captum.attr import InputXGradient, IntegratedGradients, Saliency
    from captum.attr._utils.approximation_methods import approximation_parameters
    import make_torch_fixtures as mtf

    os.makedirs(args.out, exist_ok=True)
    summary = {"captum": captum.__version__, "torch": torch.__version__, "targets": TARGETS, "n_steps": N_STEPS,
               "tie": TIE, "generator": "scripts/make_captum_fixtures.py --captum <path to captum v0.8.0>",
               "models": []}

    for name, baselines, methods in MODELS:
        model, x, err = build(name, mtf, args.out)
        model64 = __import__("copy").deepcopy(model).double()
        target = torch.tensor(TARGETS)
        base = os.path.join(args.out, name)

        save(base + ".saliency_abs.npy", Saliency(model).attribute(x, target=target).detach())
        save(base + ".saliency.npy", Saliency(model).attribute(x, target=target, abs=False).detach())
        save(base + ".ixg.npy", InputXGradient(model).attribute(x, target=target).detach())

        tensors = {"black": torch.zeros_like(x)}
        if "blur" in baselines:
            tensors["blur"] = torch.from_numpy(blur(x.numpy(), 2.0))
            save(base + ".baseline_blur.npy", tensors["blur"])
        if "uniform" in baselines:
            rng = np.random.default_rng(0)
            tensors["uniform"] = torch.from_numpy(rng.uniform(-2, 2, size=x.shape).astype(np.float32))
            save(base + ".baseline_uniform.npy", tensors["uniform"])
        ig = IntegratedGradients(model)
        deltas, ties = {}, {}
        for bname in baselines:
            b = tensors[bname]
            for method in methods:
                attr, delta = ig.attribute(x, baselines=b, target=target, n_steps=N_STEPS,
                                           method=method, return_convergence_delta=True)
                key = f"ig_{bname}_{method}"
                save(f"{base}.{key}.npy", attr.detach())
                deltas[key] = delta.detach().double().tolist()
                # the interpolated points exactly as Captum forms them (float32)
                _, alphas = approximation_parameters(method)
                points = torch.cat([b + a * (x - b) for a in alphas(N_STEPS)], 0)
                margins = point_margins(model64, points.double())
                near = margins[margins < TIE]
                ties[key] = {"count": int(near.numel()),
                             "smallest": float(margins.min()) if torch.isfinite(margins.min()) else None}
        summary["models"].append({"name": name, "baselines": baselines, "methods": methods,
                                  "igDelta": deltas, "igTies": ties, "logitCheck": err})
        tied = {k: v["count"] for k, v in ties.items() if v["count"]}
        print(f"{name}: saliency, ixg, {len(deltas)} IG arrays (logit check {err:.2e}); runs with ties: {tied or 'none'}")

    quad = {}
    for method in METHODS:
        sizes, alphas = approximation_parameters(method)
        quad[method] = {str(n): {"alphas": alphas(n), "weights": sizes(n)} for n in QUAD_STEPS}
    with open(os.path.join(args.out, "quadrature.json"), "w") as f:
        json.dump(quad, f)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, p)) for p in os.listdir(args.out))
    print(f"wrote {args.out} ({total} bytes)")


if __name__ == "__main__":
    sys.exit(main())
