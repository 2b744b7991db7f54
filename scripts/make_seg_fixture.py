#!/usr/bin/env python3
"""Train and export the small segmentation model of fixtures/seg/ (issue 16: a real model
where the segmentation target applies; no npm package ships one without pulling
@google-cloud/storage and eslint as runtime dependencies, see docs/beyond-classifiers.md).

    /usr/bin/python3 scripts/make_seg_fixture.py

A fully convolutional net (3 conv layers, dilation, no pooling) segments 32 x 32 RGB pictures
of a disc and a square on a noisy background into 3 classes (0 background, 1 disc, 2 square),
trained on freshly drawn pictures (Adam, 1500 steps of 32, seed 0; a few seconds on a CPU).
Writes fixtures/seg/:

  shapes_seg.onnx        opset 17, input "input" [N, 3, 32, 32] in [0, 1], output "logits" [N, 3, 32, 32]
  shapes_seg.preprocess.json  preprocessing sidecar (size 32, RGB, NCHW, pixels in [0, 1], labels)
  shapes_seg.input.npy   two test pictures [2, 3, 32, 32] (not seen in training)
  shapes_seg.truth.npy   their true class per pixel [2, 32, 32] (float32)
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "seg")
S = 32


def draw(rng, n):
    """n pictures with one disc (class 1) and one square (class 2), not overlapping."""
    x = rng.uniform(0, 0.35, (n, 3, S, S)).astype(np.float32)
    y = np.zeros((n, S, S), np.int64)
    yy, xx = np.mgrid[0:S, 0:S]
    for i in range(n):
        while True:
            cx, cy, r = rng.integers(6, S - 6), rng.integers(6, S - 6), rng.integers(3, 6)
            sx, sy, h = rng.integers(2, S - 10), rng.integers(2, S - 10), rng.integers(4, 9)
            disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
            square = (xx >= sx) & (xx < sx + h) & (yy >= sy) & (yy < sy + h)
            if not (disc & square).any():
                break
        cd, cs = rng.uniform(0.5, 1, 3), rng.uniform(0.5, 1, 3)
        for c in range(3):
            x[i, c][disc] = cd[c]
            x[i, c][square] = cs[c]
        y[i][disc] = 1
        y[i][square] = 2
    return x, y


def build():
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=2, dilation=2), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=4, dilation=4), nn.ReLU(),
        nn.Conv2d(16, 3, 1),
    )


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = build()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(1500):
        x, y = draw(rng, 32)
        loss = nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x, y = draw(np.random.default_rng(1), 2)
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(1).numpy()
    acc = (pred == y).mean()
    ious = [((pred == c) & (y == c)).sum() / ((pred == c) | (y == c)).sum() for c in (1, 2)]
    print(f"final loss {loss.item():.4f}; test pixel accuracy {acc:.3f}, IoU disc {ious[0]:.3f}, square {ious[1]:.3f}")
    os.makedirs(OUT, exist_ok=True)
    torch.onnx.export(model, torch.from_numpy(x[:1]), os.path.join(OUT, "shapes_seg.onnx"), opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    np.save(os.path.join(OUT, "shapes_seg.input.npy"), x)
    np.save(os.path.join(OUT, "shapes_seg.truth.npy"), y.astype(np.float32))
    with open(os.path.join(OUT, "shapes_seg.preprocess.json"), "w") as f:
        json.dump({"size": 32, "channels": "RGB", "layout": "NCHW", "pixelRange": [0, 1],
                   "labels": ["background", "disc", "square"],
                   "note": "trained by scripts/make_seg_fixture.py on synthetic pictures"}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
