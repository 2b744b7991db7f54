#!/usr/bin/env python3
"""Small PyTorch models of the architectures beyond plain CNNs, as engine fixtures (issue 16).

    /usr/bin/python3 scripts/make_arch_fixtures.py [--out fixtures/arch]

Same files and manifest format as scripts/make_torch_fixtures.py (whose helpers it imports):
logits, input gradient and one inner tap's gradient from PyTorch autograd (float64), for

  tiny_swin          patch embedding, window attention (relative position bias), a shifted
                     block (torch.roll + attention mask), patch merging; tap: the softmax of
                     the first block's attention (the attention map)
  tiny_convnext      4x4 patchify stem, depthwise 7x7, channels-last LayerNorm, GELU,
                     layer scale, LayerNorm2d downsampling; tap: a block output
  tiny_efficientnet  SiLU, MBConv with squeeze-excitation (sigmoid gate); tap: the SE gate
  tiny_densenet      dense blocks (concatenation), transitions with average pooling;
                     tap: the first dense block's concatenated output
"""
import argparse
import json
import os
import sys

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torch_fixtures import (N, C, H, W, NUM_CLASSES, init_and_calibrate, save, save_case,  # noqa: E402
                                 reference_case, export_fixture_onnx)

torch.set_num_threads(2)


# --------------------------------------------------------------------------- Swin-like

class WindowAttention(nn.Module):
    def __init__(self, dim, ws, heads):
        super().__init__()
        self.ws, self.heads, self.scale = ws, heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.softmax = nn.Softmax(dim=-1)
        self.bias_table = nn.Parameter(torch.randn((2 * ws - 1) ** 2, heads) * 0.5)
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (ws - 1)
        self.register_buffer("rel_index", rel[:, :, 0] * (2 * ws - 1) + rel[:, :, 1])

    def forward(self, x, mask=None):  # x: (B*nW, T, C)
        b, t, c = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.bias_table[self.rel_index.reshape(-1)].reshape(t, t, -1).permute(2, 0, 1)
        attn = attn + bias.unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.reshape(-1, nw, self.heads, t, t) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.reshape(-1, self.heads, t, t)
        attn = self.softmax(attn)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, t, c))


class SwinBlock(nn.Module):
    def __init__(self, dim, res, ws, heads, shift):
        super().__init__()
        self.res, self.ws, self.shift = res, ws, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, ws, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        mask = None
        if shift:
            img = torch.zeros(res, res)
            cnt = 0
            for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                    img[hs, wsl] = cnt
                    cnt += 1
            win = self.partition(img[None, :, :, None]).squeeze(-1)  # nW, T
            mask = (win[:, None, :] - win[:, :, None]) != 0
            mask = mask.float() * -100.0
        self.register_buffer("mask", mask)

    def partition(self, x):  # (B, H, W, C) -> (B*nW, T, C)
        r, ws, c = x.shape[1], self.ws, x.shape[-1]
        x = x.reshape(-1, r // ws, ws, r // ws, ws, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(-1, ws * ws, c)

    def merge(self, x):  # (B*nW, T, C) -> (B, H, W, C)
        r, ws, c = self.res, self.ws, x.shape[-1]
        x = x.reshape(-1, r // ws, r // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(-1, r, r, c)

    def forward(self, x):  # (B, H, W, C)
        y = self.norm1(x)
        if self.shift:
            y = torch.roll(y, shifts=(-self.shift, -self.shift), dims=(1, 2))
        y = self.merge(self.attn(self.partition(y), self.mask))
        if self.shift:
            y = torch.roll(y, shifts=(self.shift, self.shift), dims=(1, 2))
        x = x + y
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x))


class TinySwin(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, 16, 4, 4)               # 16 x 8 x 8
        self.norm0 = nn.LayerNorm(16)
        self.block1 = SwinBlock(16, 8, 4, 2, 0)
        self.block2 = SwinBlock(16, 8, 4, 2, 2)
        self.merge = PatchMerging(16)                     # 4 x 4 x 32
        self.norm = nn.LayerNorm(32)
        self.head = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        x = self.norm0(self.patch(x).permute(0, 2, 3, 1))
        x = self.merge(self.block2(self.block1(x)))
        return self.head(self.norm(x).mean(dim=(1, 2)))


# --------------------------------------------------------------------------- ConvNeXt-like

class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pw1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pw2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(torch.rand(dim) + 0.5)

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.gamma * self.pw2(self.act(self.pw1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class TinyConvNeXt(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 4, 4), LayerNorm2d(16))   # 16 x 8 x 8
        self.stage1 = nn.Sequential(ConvNeXtBlock(16), ConvNeXtBlock(16))    # <- tap stage1.1
        self.down = nn.Sequential(LayerNorm2d(16), nn.Conv2d(16, 32, 2, 2))  # 32 x 4 x 4
        self.stage2 = nn.Sequential(ConvNeXtBlock(32))
        self.norm = nn.LayerNorm(32)
        self.head = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        x = self.stage2(self.down(self.stage1(self.stem(x))))
        return self.head(self.norm(x.mean(dim=(2, 3))))


# --------------------------------------------------------------------------- EfficientNet-like

def conv_bn_silu(cin, cout, k=3, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.SiLU())


class SqueezeExcite(nn.Module):
    def __init__(self, ch, squeezed):
        super().__init__()
        self.fc1 = nn.Conv2d(ch, squeezed, 1)
        self.act = nn.SiLU()
        self.fc2 = nn.Conv2d(squeezed, ch, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * self.gate(self.fc2(self.act(self.fc1(s))))


class MBConv(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.residual = stride == 1 and cin == cout
        self.block = nn.Sequential(conv_bn_silu(cin, hidden, 1), conv_bn_silu(hidden, hidden, 3, stride, hidden),
                                   SqueezeExcite(hidden, max(1, cin // 4)),
                                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class TinyEfficientNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_silu(3, 16, 3, 2),        # 16 x 16 x 16
            MBConv(16, 24, 2, 4),             # 24 x 8 x 8  (its SE gate <- tap)
            MBConv(24, 24, 1, 4),
            conv_bn_silu(24, 64, 1))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(64, NUM_CLASSES))

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


# --------------------------------------------------------------------------- DenseNet-like

class DenseLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, 2 * growth, 1, bias=False),
                                  nn.BatchNorm2d(2 * growth), nn.ReLU(), nn.Conv2d(2 * growth, growth, 3, 1, 1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.body(x)], 1)


class Transition(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, cout, 1, bias=False), nn.AvgPool2d(2, 2))


class TinyDenseNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))                                      # 16 x 8 x 8
        self.block1 = nn.Sequential(DenseLayer(16, 8), DenseLayer(24, 8))                  # 32 x 8 x 8 <- tap
        self.trans1 = Transition(32, 16)                                                    # 16 x 4 x 4
        self.block2 = nn.Sequential(DenseLayer(16, 8), DenseLayer(24, 8))                  # 32 x 4 x 4
        self.norm = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        x = self.block2(self.trans1(self.block1(self.stem(x))))
        x = F.adaptive_avg_pool2d(F.relu(self.norm(x)), 1)
        return self.fc(torch.flatten(x, 1))


# --------------------------------------------------------------------------- ViT with a class token

class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.softmax = nn.Softmax(dim=-1)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attn = self.softmax((qkv[0] * self.scale) @ qkv[1].transpose(-2, -1))
        return self.proj((attn @ qkv[2]).transpose(1, 2).reshape(b, t, c))


class ViTBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TinyViTTokens(nn.Module):
    """Patch 8 on 32 x 32: a class token + 4 x 4 patch tokens, 2 blocks of 2 heads."""

    def __init__(self, dim=16):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 8, 8)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, 17, dim) * 0.5)
        self.blocks = nn.Sequential(ViTBlock(dim, 2), ViTBlock(dim, 2))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, NUM_CLASSES)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([x[:, :1] * 0 + self.cls, x], 1) + self.pos   # no expand: no Where in the export
        return self.head(self.norm(self.blocks(x))[:, 0])


def rollout_references(model, x, cls):
    """Attention rollout (Abnar & Zuidema 2020; heads averaged, (A + I) row-normalised) and
    gradient-weighted rollout (Chefer et al. 2021b: R += mean_h (dY/dA * A)^+ R) of the class
    token over the patch tokens, float64, for the logit of class `cls`."""
    store = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: store.append(out)) for m in model.modules() if isinstance(m, nn.Softmax)]
    try:
        logits = model(x)
    finally:
        for h in hooks:
            h.remove()
    grads = torch.autograd.grad(logits[:, cls].sum(), store)
    n, t = x.shape[0], store[0].shape[-1]
    eye = torch.eye(t, dtype=x.dtype).expand(n, t, t)
    roll, chefer = eye.clone(), eye.clone()
    for a, g in zip(store, grads):
        a = a.detach()
        m = a.mean(1) + eye
        roll = (m / m.sum(-1, keepdim=True)) @ roll
        chefer = chefer + (g * a).clamp(min=0).mean(1) @ chefer
    return roll[:, 0, 1:].reshape(n, 4, 4), chefer[:, 0, 1:].reshape(n, 4, 4)


MODELS = [
    ("tiny_swin", TinySwin, 17, "block1.attn.softmax"),
    ("tiny_convnext", TinyConvNeXt, 17, "stage1.1"),
    ("tiny_efficientnet", TinyEfficientNet, 17, "features.1.block.2.gate"),
    ("tiny_densenet", TinyDenseNet, 17, "block1.1"),
    ("tiny_vit_tokens", TinyViTTokens, 17, "blocks.1.attn.softmax"),
]
ROLLOUT_CLASS = 3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "fixtures", "arch"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = {"generator": "scripts/make_arch_fixtures.py (/usr/bin/python3 scripts/make_arch_fixtures.py)",
                "torch": torch.__version__, "onnx": onnx.__version__, "models": []}
    for idx, (name, ctor, opset, tap_qualname) in enumerate(MODELS):
        torch.manual_seed(5000 + idx)
        model = init_and_calibrate(ctor(), gen_seed=6000 + idx)
        try:
            case = reference_case(model, tap_qualname, input_seed=7000 + 100 * idx)
        except RuntimeError as e:
            raise RuntimeError(f"{name}: {e}") from None
        x, attempt, margin, tap32, gx32, gx64 = case["x"], case["attempt"], case["margin"], case["tap32"], case["gx32"], case["gx64"]
        onnx_path = os.path.join(args.out, f"{name}.onnx")
        tap_tensor, tap_node, tap_op, ops = export_fixture_onnx(model, x, onnx_path, opset, tap_qualname)
        base = os.path.join(args.out, name)
        save_case(base, case)
        if name == "tiny_vit_tokens":
            roll, chefer = rollout_references(case["model64"], x.double(), ROLLOUT_CLASS)
            save(base + ".rollout.npy", roll.detach().numpy())
            save(base + ".chefer.npy", chefer.detach().numpy())
        rel = (gx32.double() - gx64).norm().item() / gx64.norm().item()
        if not rel < 1e-4:
            raise RuntimeError(f"{name}: float32 input gradient disagrees with float64 ({rel:.3g})")
        manifest["models"].append({
            "name": name, "file": f"{name}.onnx", "opset": opset,
            "params": sum(p.numel() for p in model.parameters()),
            "inputShape": [N, C, H, W], "outputShape": [N, NUM_CLASSES],
            "tap": {"tensor": tap_tensor, "node": tap_node, "opType": tap_op, "module": tap_qualname,
                    "shape": list(tap32.shape)},
            "ops": ops, "inputSeedAttempt": attempt, "kinkMargin": margin if margin != float("inf") else None})
        print(f"{name:18} {os.path.getsize(onnx_path):8d} B  f32 rel {rel:.2e}  tap {tap_tensor} {list(tap32.shape)}  ops {ops}")
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
