#!/usr/bin/env python3
"""Generate the small PyTorch reference fixtures used by the engine tests.

Regenerate with (Debian's python3-torch / python3-onnx, not the pyenv python):

    /usr/bin/python3 scripts/make_torch_fixtures.py [--out fixtures/torch]

For each small CNN (random weights, fixed seeds, BatchNorm running statistics
re-estimated on random batches so that the logits are not tiny) it writes to
``fixtures/torch/``:

  <name>.onnx               torch.onnx.export, input "input", output "logits",
                            dynamic batch axis 0, do_constant_folding=True
  <name>.input.npy          x, float32 [2, 3, 32, 32]
  <name>.logits.npy         model(x), float32 [2, 10]
  <name>.seed.npy           cotangent for the logits, float32 [2, 10] (random normal)
  <name>.grad_input.npy     d(sum(logits * seed))/dx computed in float64, saved float32
  <name>.grad_input_f32.npy the same computed in float32
  <name>.tap_act.npy        value of an inner activation ("tap"), float32
  <name>.tap_grad.npy       d(sum(logits * seed))/d(tap), float64 computed, saved float32
  manifest.json             names, opsets, shapes, the ONNX tensor/node of each tap
                            and the sorted op types of each exported graph.

The ONNX name of a tap is found programmatically: torch 1.13 names each node
"/<scope>/<scope>/.../<OpType>[_k]" where each scope atom is the module's
qualified name reduced to its last non-numeric atom plus trailing numeric atoms
(see torch/onnx/utils.py:_unqualified_variable_name).  The tap tensor is the
unique output of a node inside the tapped module's scope that is consumed
outside that scope.  The result is checked against the loaded ONNX graph.

All .npy files are written with numpy.save (little-endian float32, C order).
"""
import argparse
import copy
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)

N, C, H, W = 2, 3, 32, 32
NUM_CLASSES = 10


# --------------------------------------------------------------------------- models

class TinyVGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False),   # 0
            nn.BatchNorm2d(8),                           # 1
            nn.ReLU(),                                   # 2
            nn.MaxPool2d(2),                             # 3
            nn.Conv2d(8, 16, 3, padding=1, bias=False),  # 4
            nn.BatchNorm2d(16),                          # 5
            nn.ReLU(),                                   # 6  <- tap (second ReLU)
            nn.MaxPool2d(2),                             # 7
            nn.Conv2d(16, 16, 3, stride=2, padding=1, bias=True),  # 8 -> 16x4x4
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 4 * 4, 32),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(32, NUM_CLASSES),
        )

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)


class ConvBNAct(nn.Sequential):
    def __init__(self, cin, cout, k=3, stride=1, groups=1, act=True):
        layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                  nn.BatchNorm2d(cout)]
        if act:
            layers.append(nn.ReLU6())
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    """torchvision-style MobileNetV2 block."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res_connect = stride == 1 and cin == cout
        self.conv = nn.Sequential(
            ConvBNAct(cin, hidden, k=1),                               # expand
            ConvBNAct(hidden, hidden, k=3, stride=stride, groups=hidden),  # depthwise
            nn.Conv2d(hidden, cout, 1, bias=False),                    # project
            nn.BatchNorm2d(cout),
        )

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class TinyMobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            ConvBNAct(3, 16, k=3, stride=2),              # 16x16x16
            InvertedResidual(16, 24, stride=2, expand=2),  # 24x8x8
            InvertedResidual(24, 24, stride=1, expand=3),  # residual
            ConvBNAct(24, 64, k=1),                        # final conv-BN-ReLU6 <- tap (its ReLU6)
        )
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(64, NUM_CLASSES))

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 7, 2, 3, bias=False)   # 16x16x16
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)                 # 16x8x8
        self.layer1 = nn.Sequential(BasicBlock(16, 16))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, stride=2))  # 32x4x4 <- tap (block output)
        self.fc = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        x = F.adaptive_avg_pool2d(x, 1)
        x = torch.flatten(x, 1)
        return self.fc(x)


class TinyMixed(nn.Module):
    """Small net exercising many ONNX ops (opset 17)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.lrelu = nn.LeakyReLU(0.1)
        self.dil = nn.Conv2d(8, 8, 3, padding=2, dilation=2)
        self.prelu = nn.PReLU(8)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)  # 8x16x16
        self.hswish = nn.Hardswish()
        self.mix = nn.Conv2d(16, 8, 1)
        self.gate = nn.Conv2d(8, 8, 1)
        self.hsig = nn.Hardsigmoid()
        self.down = nn.Conv2d(8, 8, 3, stride=2)             # after pad 1: 8x8x8
        self.gelu = nn.GELU()                                # <- tap
        # proj sits between GELU and the permute: torch 1.13.1 (Debian build) computes a
        # wrong float32 GELU backward when grad_output has permuted (channels-last)
        # strides, which would corrupt the float32 reference gradient.
        self.proj = nn.Conv2d(8, 8, 1)
        self.ln = nn.LayerNorm(8)
        self.value = nn.Conv2d(8, 8, 1)
        self.up_t = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1)  # 8x16x16
        self.up_bilinear = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.up_nearest = nn.Upsample(scale_factor=2, mode="nearest")
        self.den = nn.Conv2d(8, 8, 1)
        self.scale = nn.Parameter(torch.randn(1, 8, 1, 1))
        self.head = nn.Linear(8, NUM_CLASSES)

    def forward(self, x):
        x = self.lrelu(self.stem(x))
        x = self.prelu(self.dil(x))
        x = self.pool(x)                                     # B,8,16,16
        a, b = torch.chunk(x, 2, dim=1)                      # 4 + 4 channels
        x = torch.cat([torch.sigmoid(a) * b, torch.tanh(b), self.hswish(x)], dim=1)  # 16 ch
        x = self.mix(x)
        x = x * self.hsig(self.gate(x))
        x = F.pad(x, (1, 1, 1, 1), mode="constant", value=0.25)
        x = self.proj(self.gelu(self.down(x)))               # B,8,8,8
        x = self.ln(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        bsz, ch, hh, ww = x.shape
        q = x.flatten(2).transpose(1, 2)                     # B,HW,C
        k = x.flatten(2)                                     # B,C,HW
        attn = torch.softmax(torch.matmul(q, k) / (ch ** 0.5), dim=-1)  # B,HW,HW
        v = self.value(x).flatten(2).transpose(1, 2)         # B,HW,C
        y = torch.matmul(attn, v).transpose(1, 2).reshape(bsz, ch, hh, ww)
        x = x + y
        u = self.up_t(x) - self.up_nearest(x) + self.up_bilinear(x)  # B,8,16,16
        u = u / (1 + torch.sigmoid(self.den(u)))
        u = u * self.scale
        return self.head(u.mean(dim=[2, 3]))


# (name, constructor, opset, qualified name of the tapped module)
MODELS = [
    ("tiny_vgg", TinyVGG, 13, "features.6"),
    ("tiny_mobilenet", TinyMobileNet, 17, "features.3.2"),
    ("tiny_resnet", TinyResNet, 17, "layer2.0"),
    ("tiny_mixed", TinyMixed, 17, "gelu"),
]


# --------------------------------------------------------------------------- helpers

def init_and_calibrate(model, gen_seed):
    """Random non-trivial BN affine params + re-estimated BN running stats, then eval()."""
    g = torch.Generator().manual_seed(gen_seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                # He-normal (fan_in): the default init shrinks activations/gradients
                # layer after layer, which matters for the nets without BatchNorm.
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            elif isinstance(m, nn.LayerNorm):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.4)
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.copy_(torch.rand(bn.weight.shape, generator=g) + 0.5)
            bn.bias.copy_(torch.randn(bn.bias.shape, generator=g) * 0.2)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative moving average
        if bns:
            model.train()
            for _ in range(20):
                model(torch.randn(8, C, H, W, generator=g))
    model.eval()
    return model


def onnx_scope_prefix(model, qualname):
    """ONNX node-name prefix torch 1.13 gives to nodes traced inside module `qualname`."""
    def unqualified(name):
        atoms = name.split(".")
        for i in range(len(atoms) - 1, -1, -1):
            if not atoms[i].isnumeric():
                return ".".join(atoms[i:])
        return name

    atoms = qualname.split(".")
    scopes = []
    for i in range(1, len(atoms) + 1):
        sub = ".".join(atoms[:i])
        model.get_submodule(sub)  # raises if absent
        # numeric-only intermediate atoms (Sequential children) are their own scope
        scopes.append(unqualified(sub))
    return "/" + "/".join(scopes) + "/"


def find_tap(onnx_model, prefix):
    """Unique (tensor, node) produced inside `prefix` scope and consumed outside it."""
    graph = onnx_model.graph
    inside = [n for n in graph.node if n.name.startswith(prefix)]
    if not inside:
        raise RuntimeError(f"no ONNX node with prefix {prefix!r}")
    consumers = {}
    for n in graph.node:
        for t in n.input:
            consumers.setdefault(t, []).append(n)
    graph_outputs = {o.name for o in graph.output}
    found = []
    for n in inside:
        for t in n.output:
            outside = [c for c in consumers.get(t, []) if not c.name.startswith(prefix)]
            if outside or t in graph_outputs:
                found.append((t, n.name, n.op_type))
    if len(found) != 1:
        raise RuntimeError(f"expected one tensor leaving scope {prefix!r}, got {found}")
    return found[0]


KINK_MARGIN = 2e-5


def kink_margin(model, x):
    """Smallest distance (float64) of any piecewise-linear op input to its kink.

    Covers ReLU (0), ReLU6 (0, 6), LeakyReLU/PReLU (0), Hardswish/Hardsigmoid (+-3)
    and the gap between the two largest entries of every MaxPool window whose max
    is positive (all-zero windows after a ReLU are harmless).  Inputs whose margin
    is tiny would make float32 and float64 (or torch and another runtime) take
    different branches, so such input seeds are rejected.
    """
    margins = []
    kinks = {nn.ReLU: (0.0,), nn.ReLU6: (0.0, 6.0), nn.LeakyReLU: (0.0,), nn.PReLU: (0.0,),
             nn.Hardswish: (-3.0, 3.0), nn.Hardsigmoid: (-3.0, 3.0)}

    def hook(mod, inp, _out):
        t = inp[0].detach()
        if isinstance(mod, nn.MaxPool2d):
            k, st, pd = (mod.kernel_size, mod.stride, mod.padding)
            tp = F.pad(t, [pd] * 4 if isinstance(pd, int) else [pd[1], pd[1], pd[0], pd[0]],
                       value=float("-inf"))
            cols = F.unfold(tp, k, stride=st)
            cols = cols.view(t.shape[0], t.shape[1], -1, cols.shape[-1])
            top = cols.topk(2, dim=2).values
            gap = top[:, :, 0] - top[:, :, 1]
            gap = gap[top[:, :, 0] > KINK_MARGIN]
            if gap.numel():
                margins.append(gap.min().item())
            return
        for kv in kinks[type(mod)]:
            margins.append((t - kv).abs().min().item())

    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, tuple(kinks)) or isinstance(m, nn.MaxPool2d)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hs:
            h.remove()
    return min(margins) if margins else float("inf")


def run_with_tap(model, x, tap_module):
    store = {}

    def hook(_m, _i, out):
        store["tap"] = out

    h = tap_module.register_forward_hook(hook)
    try:
        y = model(x)
    finally:
        h.remove()
    return y, store["tap"]


def save(path, arr):
    arr = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
    np.save(path, arr)


def reference_case(model, tap_qualname, input_seed):
    """One fixture model's input (drawn away from the ops' kinks), output seed, and forward
    and backward in float32 and float64: the float64 gradients are the reference."""
    model64 = copy.deepcopy(model).double().eval()
    for attempt in range(100):
        g = torch.Generator().manual_seed(input_seed + attempt)
        x = torch.randn(N, C, H, W, generator=g)
        seed = torch.randn(N, NUM_CLASSES, generator=g)
        margin = kink_margin(model64, x.double())
        if margin > KINK_MARGIN:
            break
    else:
        raise RuntimeError("no input seed keeps ops away from their kinks")

    # float32 forward/backward
    x32 = x.clone().requires_grad_(True)
    logits, tap32 = run_with_tap(model, x32, model.get_submodule(tap_qualname))
    (gx32,) = torch.autograd.grad((logits * seed).sum(), x32)

    # float64 reference
    x64 = x.double().requires_grad_(True)
    logits64, tap64 = run_with_tap(model64, x64, model64.get_submodule(tap_qualname))
    gx64, gtap64 = torch.autograd.grad((logits64 * seed.double()).sum(), [x64, tap64])
    return dict(model64=model64, x=x, seed=seed, attempt=attempt, margin=margin, logits=logits, logits64=logits64,
                tap32=tap32, gx32=gx32, gx64=gx64, gtap64=gtap64)


def save_case(base, case, f32_gradient=False):
    """The fixture files of one reference case: <base>.input/.logits/.seed/.grad_input/.tap_act/.tap_grad.npy
    (gradients from float64), and <base>.grad_input_f32.npy when asked."""
    save(base + ".input.npy", case["x"].numpy())
    save(base + ".logits.npy", case["logits"].detach().numpy())
    save(base + ".seed.npy", case["seed"].numpy())
    save(base + ".grad_input.npy", case["gx64"].detach().numpy())
    if f32_gradient:
        save(base + ".grad_input_f32.npy", case["gx32"].detach().numpy())
    save(base + ".tap_act.npy", case["tap32"].detach().numpy())
    save(base + ".tap_grad.npy", case["gtap64"].detach().numpy())


def export_fixture_onnx(model, x, onnx_path, opset, tap_qualname):
    """Export at `opset` with a dynamic batch, check it, and find the tap's tensor and node.
    Returns (tap tensor, tap node, tap op type, sorted op types)."""
    with torch.no_grad():
        torch.onnx.export(
            model, x, onnx_path, opset_version=opset,
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            do_constant_folding=True,
        )
    om = onnx.load(onnx_path)
    onnx.checker.check_model(om)
    tap_tensor, tap_node, tap_op = find_tap(om, onnx_scope_prefix(model, tap_qualname))
    # verify: the node exists and produces the tensor
    node = [n for n in om.graph.node if n.name == tap_node]
    assert len(node) == 1 and tap_tensor in node[0].output, (tap_node, tap_tensor)
    return tap_tensor, tap_node, tap_op, sorted({n.op_type for n in om.graph.node})


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "fixtures", "torch"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    manifest = {
        "generator": "scripts/make_torch_fixtures.py (/usr/bin/python3 scripts/make_torch_fixtures.py)",
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "models": [],
    }
    rows = []
    for idx, (name, ctor, opset, tap_qualname) in enumerate(MODELS):
        torch.manual_seed(1000 + idx)
        model = init_and_calibrate(ctor(), gen_seed=2000 + idx)
        n_params = sum(p.numel() for p in model.parameters())

        try:
            case = reference_case(model, tap_qualname, input_seed=3000 + 100 * idx)
        except RuntimeError as e:
            raise RuntimeError(f"{name}: {e}") from None
        x, attempt, margin = case["x"], case["attempt"], case["margin"]
        logits, logits64, tap32, gx32, gx64 = case["logits"], case["logits64"], case["tap32"], case["gx32"], case["gx64"]

        onnx_path = os.path.join(args.out, f"{name}.onnx")
        tap_tensor, tap_node, tap_op, ops = export_fixture_onnx(model, x, onnx_path, opset, tap_qualname)

        save_case(os.path.join(args.out, name), case, f32_gradient=True)

        f32_vs_f64 = (gx32.double() - gx64).abs().max().item() / gx64.abs().max().item()
        if not f32_vs_f64 < 1e-4:
            raise RuntimeError(f"{name}: float32 input gradient disagrees with float64 "
                               f"(max rel err {f32_vs_f64:.3g}); torch backward bug?")
        manifest["models"].append({
            "name": name,
            "file": f"{name}.onnx",
            "opset": opset,
            "params": n_params,
            "inputShape": [N, C, H, W],
            "outputShape": [N, NUM_CLASSES],
            "tap": {"tensor": tap_tensor, "node": tap_node, "opType": tap_op,
                    "module": tap_qualname, "shape": list(tap32.shape)},
            "ops": ops,
            "inputSeedAttempt": attempt,
            "kinkMargin": margin,
        })
        rows.append((name, opset, n_params, os.path.getsize(onnx_path),
                     logits.detach().abs().max().item(), gx64.abs().max().item(), (logits.double() - logits64).abs().max().item(),
                     f32_vs_f64, tap_tensor, list(tap32.shape), len(ops)))

    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    print(f"{'model':15} {'opset':>5} {'params':>7} {'onnx B':>8} {'|logit|max':>10} "
          f"{'|gx|max':>9} {'logit f32-f64':>13} {'gx f32 relerr':>13} {'#ops':>4}  tap")
    for r in rows:
        print(f"{r[0]:15} {r[1]:5d} {r[2]:7d} {r[3]:8d} {r[4]:10.3f} {r[5]:9.2e} {r[6]:13.2e} "
              f"{r[7]:13.2e} {r[10]:4d}  {r[8]} {r[9]}")
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"total fixture size: {total} bytes in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
