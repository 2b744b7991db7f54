#!/usr/bin/env python3
"""A tiny torchvision Vision Transformer as an ONNX fixture, with PyTorch's gradients.

    /usr/bin/python3 scripts/make_vit_fixture.py [--out fixtures/vit]

Needs Debian's python3-torch, python3-torchvision and python3-onnx. The model is
torchvision.models.VisionTransformer with tiny dimensions (image 32, patch 8, 2 layers,
2 heads, hidden 32, MLP 64, 10 classes), random weights (seed 0), exported as
torchvision's ViT-B/16 is (opset 14, dynamic batch): its graph holds the same shape
computations (Where, Shape, Gather ... on integer tensors) that are not on the gradient
path. Written to the output folder:

  tiny_vit.onnx            input "input" [n, 3, 32, 32] -> "logits" [n, 10]
  tiny_vit.input.npy       x, float32 [2, 3, 32, 32]
  tiny_vit.logits.npy      model(x), float32 [2, 10]
  tiny_vit.seed.npy        cotangent of the logits, float32 [2, 10]
  tiny_vit.grad_input.npy  d(sum(logits * seed))/dx computed in float64, saved float32
  tiny_vit.json            the sorted op types of the exported graph
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
from torchvision.models import VisionTransformer

torch.set_num_threads(2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'vit'))
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=10).eval()
    # torchvision zero-initialises the head: give it random weights so the logits differ
    with torch.no_grad():
        model.heads.head.weight.normal_(0, 0.2)
        model.heads.head.bias.normal_(0, 0.1)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 32, 32, generator=gen)
    seed = torch.randn(2, 10, generator=gen)
    path = os.path.join(out, 'tiny_vit.onnx')
    torch.onnx.export(model, x, path, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'n'}, 'logits': {0: 'n'}}, opset_version=14, do_constant_folding=True)
    with torch.no_grad():
        logits = model(x)
    m64 = model.double()
    x64 = x.double().requires_grad_(True)
    (m64(x64) * seed.double()).sum().backward()
    save = lambda name, a: np.save(os.path.join(out, f'tiny_vit.{name}.npy'), np.ascontiguousarray(a, dtype=np.float32))
    save('input', x.numpy())
    save('logits', logits.numpy())
    save('seed', seed.numpy())
    save('grad_input', x64.grad.numpy())
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    with open(os.path.join(out, 'tiny_vit.json'), 'w') as f:
        json.dump({'ops': ops, 'torch': torch.__version__}, f, indent=1)
    print('ops:', ', '.join(ops))


if __name__ == '__main__':
    main()
