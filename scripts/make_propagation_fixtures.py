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

LRP, on small CNNs defined and exported here (fixtures/propagation/<model>.onnx, opset 17,
input <model>.input.npy [2, 3, 16, 16] uniform in [0, 1], targets [3, 7]):

  lrp_vgg      Conv-ReLU-MaxPool, Conv-ReLU-AvgPool, Conv-ReLU, AdaptiveAvgPool, Linear-ReLU-Linear
  lrp_vgg_bn   the same with a BatchNorm2d after every Conv (exported unfolded:
               TrainingMode.PRESERVE skips torch's Conv-BN fusion)
  lrp_resnet   stem Conv-BN-ReLU-MaxPool, one residual block (Conv-BN-ReLU-Conv-BN + identity),
               ReLU, AdaptiveAvgPool, Linear; for Zennit the residual sum is zennit.layer.Sum
               (what its ResNet canonizer inserts) so the Norm rule applies to it

  <model>.zennit_<composite>.npy   Zennit composites EpsilonPlus, EpsilonGammaBox (low 0, high 1),
        EpsilonAlpha2Beta1, EpsilonPlusFlat, with the SequentialMergeBatchNorm canonizer, seeded
        with one-hot(target) * f(x)_target (so relevance sums to f(x) where rules conserve)
  lrp_vgg.captum_epsilon.npy       Captum LRP with its default rules (epsilon 1e-9 everywhere)
  lrp_vgg.captum_gamma_epsilon.npy Captum LRP with GammaRule(0.25) on the Convs, EpsilonRule(0.25)
        on the Linears (the pools keep epsilon 1e-9)

DeepLIFT on deeplift_net (exported here; no hooked module feeds another, see
deeplift_fixtures; its max pool does not overlap, where Captum's unpooling and the chain
rule agree):
  deeplift_net.deeplift_zero.npy, .deeplift_uniform.npy   Captum DeepLift with a zero baseline
        and with deeplift_net.baseline_uniform.npy (U(0, 1), one per input)
  deeplift_net.deepliftshap.npy   Captum DeepLiftShap over the 4 examples .baseline_draws.npy
and baselines for lrp_vgg / lrp_resnet, where only Captum's deltas are kept (manifest).
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


# ----------------------------------------------------------------------------- LRP

class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.sum = None  # zennit.layer.Sum for Zennit; plain + for export
        self.relu2 = nn.ReLU()

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        out = self.sum(torch.stack([out, x], dim=-1)) if self.sum is not None else out + x
        return self.relu2(out)


class LrpNet(nn.Module):
    def __init__(self, kind):
        super().__init__()
        bn = (lambda c: [nn.BatchNorm2d(c)]) if kind == "vgg_bn" else (lambda c: [])
        if kind == "resnet":
            self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                                          Residual(8), nn.AdaptiveAvgPool2d(1))
            self.classifier = nn.Sequential(nn.Linear(8, 10))
        else:
            self.features = nn.Sequential(
                nn.Conv2d(3, 8, 3, padding=1), *bn(8), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1), *bn(16), nn.ReLU(), nn.AvgPool2d(2),
                nn.Conv2d(16, 16, 3, padding=1), *bn(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
            self.classifier = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def calibrate(model, seed):
    """Random BatchNorm statistics and affine parameters (eval mode), so folding is not trivial."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.rand(c, generator=g) * 0.4 - 0.2)
            m.running_var.copy_(torch.rand(c, generator=g) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(c, generator=g) * 0.4 - 0.2)
    return model.eval()


def export_unfused(model, x, path):
    with torch.no_grad():
        torch.onnx.export(model, x, path, opset_version=17, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)


LRP_KINDS = ["vgg", "vgg_bn", "resnet"]


def build_lrp_net(i, kind):
    torch.manual_seed(5000 + i)
    model = calibrate(LrpNet(kind), 6000 + i)
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(7000 + i))
    return f"lrp_{kind}", model, x


class DeepLiftNet(nn.Module):
    """No hooked module feeds another directly (see deeplift_fixtures)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.r1 = nn.ReLU()
        self.mix = nn.Conv2d(8, 8, 1)
        self.pool = nn.MaxPool2d(2)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.r2 = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(16, 16)
        self.act = nn.ReLU()  # a Sigmoid here: float32 rescale ratios (s(a) - s(b)) / (a - b) cancel, 3e-4 from float64 in Captum and here alike
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(self.mix(self.r1(self.c1(x))))
        x = self.gap(self.r2(self.c2(x)))
        return self.fc2(self.act(self.fc1(torch.flatten(x, 1))))


def deeplift_fixtures(out):
    """Captum DeepLift (zero and uniform baselines) and DeepLiftShap (4 fixed baseline examples).

    Captum attaches each module's backward hook to its input tensor and captures grad_output
    with a hook on its output tensor; when one hooked module (ReLU) feeds another (MaxPool),
    the first captures its grad_output before the second rewrites it, so its multipliers see
    the plain max-pool gradient and completeness fails (Captum's own delta, recorded for
    lrp_vgg and lrp_resnet as captumDelta). The comparison model therefore never feeds a hooked
    module straight into another.
    """
    from captum.attr import DeepLift, DeepLiftShap
    target = torch.tensor(TARGETS)
    written = {}
    torch.manual_seed(9000)
    model = DeepLiftNet().eval()
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(9001))
    models = [("deeplift_net", model, x)]
    for i, kind in enumerate(LRP_KINDS):
        if kind != "vgg_bn":
            models.append(build_lrp_net(i, kind))
    for k, (name, model, x) in enumerate(models):
        base = os.path.join(out, name)
        if name == "deeplift_net":
            save(base + ".input.npy", x)
            export_unfused(model, x, base + ".onnx")
        g = torch.Generator().manual_seed(8000 + k)
        uniform = torch.rand(x.shape, generator=g)
        draws = torch.rand((4,) + tuple(x.shape[1:]), generator=g)
        save(base + ".baseline_uniform.npy", uniform)
        save(base + ".baseline_draws.npy", draws)
        entry = {"captumDelta": {}}
        for bname, b in [("zero", torch.zeros_like(x)), ("uniform", uniform)]:
            attr, delta = DeepLift(copy.deepcopy(model)).attribute(x.clone(), b, target=target, return_convergence_delta=True)
            if name == "deeplift_net":
                save(base + f".deeplift_{bname}.npy", attr.detach())
            entry["captumDelta"][f"deeplift_{bname}"] = delta.tolist()
        attr, delta = DeepLiftShap(copy.deepcopy(model)).attribute(x.clone(), draws, target=target, return_convergence_delta=True)
        if name == "deeplift_net":
            save(base + ".deepliftshap.npy", attr.detach())
        entry["captumDelta"]["deepliftshap"] = delta.tolist()
        entry["reference"] = name == "deeplift_net"
        written[name] = entry
    return written


def lrp_fixtures(out):
    import onnx
    from zennit.canonizers import SequentialMergeBatchNorm
    from zennit.composites import EpsilonAlpha2Beta1, EpsilonGammaBox, EpsilonPlus, EpsilonPlusFlat
    from zennit.layer import Sum
    from captum.attr import LRP

    composites = {
        "epsilon-plus": lambda: EpsilonPlus(canonizers=[SequentialMergeBatchNorm()]),
        "epsilon-gamma-box": lambda: EpsilonGammaBox(low=0.0, high=1.0, canonizers=[SequentialMergeBatchNorm()]),
        "epsilon-alpha2-beta1": lambda: EpsilonAlpha2Beta1(canonizers=[SequentialMergeBatchNorm()]),
        "epsilon-plus-flat": lambda: EpsilonPlusFlat(canonizers=[SequentialMergeBatchNorm()]),
    }
    target = torch.tensor(TARGETS)
    written = {}
    for i, kind in enumerate(LRP_KINDS):
        name, model, x = build_lrp_net(i, kind)
        base = os.path.join(out, name)
        save(base + ".input.npy", x)
        export_unfused(model, x, base + ".onnx")
        ops = sorted({n.op_type for n in onnx.load(base + ".onnx").graph.node})
        with torch.no_grad():
            logits = model(x)
        save(base + ".logits.npy", logits)
        seed = torch.zeros_like(logits)
        seed[torch.arange(2), target] = logits[torch.arange(2), target]
        entry = {"ops": ops, "delta": {}}
        for cname, make in composites.items():
            zmodel = copy.deepcopy(model)
            for m in zmodel.modules():
                if isinstance(m, Residual):
                    m.sum = Sum()
            xr = x.clone().requires_grad_()
            with make().context(zmodel) as modified:
                y = modified(xr)
                (rel,) = torch.autograd.grad(y, xr, grad_outputs=seed)
            save(base + f".zennit_{cname}.npy", rel)
            entry["delta"][cname] = (rel.sum(dim=(1, 2, 3)) - seed.sum(1)).tolist()
        if kind == "vgg":
            cmodel = copy.deepcopy(model)
            rel, delta = LRP(cmodel).attribute(x.clone(), target=target, return_convergence_delta=True)
            save(base + ".captum_epsilon.npy", rel.detach())
            entry["captumDelta"] = delta.tolist()
            # layer rules: GammaRule(0.25) on every Conv, EpsilonRule(0.25) on every Linear
            from captum.attr._utils.lrp_rules import EpsilonRule, GammaRule
            cmodel = copy.deepcopy(model)
            for m in cmodel.modules():
                if isinstance(m, nn.Conv2d):
                    m.rule = GammaRule(gamma=0.25)
                elif isinstance(m, nn.Linear):
                    m.rule = EpsilonRule(epsilon=0.25)
            rel, delta = LRP(cmodel).attribute(x.clone(), target=target, return_convergence_delta=True)
            save(base + ".captum_gamma_epsilon.npy", rel.detach())
            entry["captumGammaEpsilonDelta"] = delta.tolist()
        written[name] = entry
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
        manifest["lrp"] = lrp_fixtures(args.out)
    manifest["deeplift"] = deeplift_fixtures(args.out)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)


if __name__ == "__main__":
    main()
