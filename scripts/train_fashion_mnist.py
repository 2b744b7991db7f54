#!/usr/bin/python3
"""Train the demo's small CNN on Fashion-MNIST and export it to ONNX.

Run with Debian's Python and PyTorch (apt-get install python3-torch python3-torchvision
python3-onnx dataset-fashion-mnist):

    /usr/bin/python3 scripts/train_fashion_mnist.py [--out models/fashion-mnist] [--epochs 4]

Writes (all small enough to commit):
  model.onnx              opset 17; input "input" [N, 1, 28, 28] float32, pixel values in [0, 1]
                          (white = 1); output "logits" [N, 10]. The dataset normalisation
                          (x - mean) / std is INSIDE the model (its first two nodes, Sub and Div),
                          so callers feed plain pixels and a "black" baseline is pixel 0.
  model.preprocess.json   how to turn an image file into the model's input (see src/io/preprocess.ts)
  labels.txt              the ten class names, one per line, in logit order
  images/NN-<class>.png   one 28x28 grayscale test image per class: the first test image of
                          each class (TEST split, index recorded in images/index.json)
  images/index.json       file, label, class name, test-split index, and the model's prediction
  training.json           the training record: seed, epochs, time, test accuracy, parameters

Deterministic on one machine (seeded, 2 threads); a few minutes on 2 CPU cores.
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = '/usr/share/datasets/fashion-mnist'
CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
           'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']


def read_idx(path):
    """IDX file (optionally gzipped) -> numpy array (the format src/io/idx.ts reads)."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack('>HBB', data[:4])
    assert zero == 0 and dtype == 0x08, f'{path}: expected unsigned-byte IDX'
    shape = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(split):
    images = read_idx(os.path.join(DATA, f'{split}-images-idx3-ubyte.gz'))
    labels = read_idx(os.path.join(DATA, f'{split}-labels-idx1-ubyte.gz'))
    return images, labels


class Net(nn.Module):
    """conv-BN-ReLU-maxpool x2, flatten, linear. Pixels in [0, 1] -> normalised inside."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32))
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32))
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(torch.flatten(x, 1))


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='models/fashion-mnist')
    ap.add_argument('--epochs', type=int, default=4)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    os.makedirs(os.path.join(args.out, 'images'), exist_ok=True)

    tr_img, tr_lab = load('train')
    te_img, te_lab = load('t10k')
    xtr = torch.from_numpy(tr_img.astype(np.float32) / 255).unsqueeze(1)
    ytr = torch.from_numpy(tr_lab.astype(np.int64))
    xte = torch.from_numpy(te_img.astype(np.float32) / 255).unsqueeze(1)
    yte = torch.from_numpy(te_lab.astype(np.int64))
    mean, std = float(xtr.mean()), float(xtr.std())

    model = Net(mean, std)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    history = []
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            xb = xtr[idx]
            # light augmentation: random horizontal flip (garments are left-right symmetric classes)
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        acc = evaluate(model, xte, yte)
        history.append({'epoch': epoch + 1, 'trainLoss': total / len(xtr), 'testAccuracy': acc,
                        'seconds': round(time.time() - t0, 1)})
        print(f'epoch {epoch + 1}: loss {total / len(xtr):.4f}  test accuracy {acc:.4f}  ({time.time() - t0:.0f} s)', flush=True)
    seconds = time.time() - t0
    model.eval()
    test_acc = evaluate(model, xte, yte)

    onnx_path = os.path.join(args.out, 'model.onnx')
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=17,
                      input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, do_constant_folding=True)

    with open(os.path.join(args.out, 'labels.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    with open(os.path.join(args.out, 'model.preprocess.json'), 'w') as f:
        json.dump({
            'size': [28, 28],
            'resize': 'stretch',
            'channels': 'L',
            'layout': 'NCHW',
            'pixelRange': [0, 1],
            'mean': 0,
            'std': 1,
            'labels': 'labels.txt',
            'note': 'Fashion-MNIST: white garment on black, 28x28 grayscale; the dataset normalisation '
                    f'(x - {mean:.4f}) / {std:.4f} is inside the model',
        }, f, indent=2)
        f.write('\n')

    from torchvision.io import write_png
    index = []
    with torch.no_grad():
        for c, name in enumerate(CLASSES):
            i = int(np.nonzero(te_lab == c)[0][0])
            slug = name.lower().replace('/', '-').replace(' ', '-')
            file = f'{c:02d}-{slug}.png'
            write_png(torch.from_numpy(te_img[i].copy()).unsqueeze(0), os.path.join(args.out, 'images', file))
            logits = model(xte[i:i + 1])[0]
            index.append({'file': file, 'label': c, 'class': name, 'testIndex': i,
                          'prediction': int(logits.argmax()),
                          'logits': [round(float(v), 5) for v in logits]})
    with open(os.path.join(args.out, 'images', 'index.json'), 'w') as f:
        json.dump({'source': f'{DATA}/t10k-images-idx3-ubyte.gz (Fashion-MNIST TEST split, first image of each class)',
                   'images': index}, f, indent=2)
        f.write('\n')

    record = {
        'script': 'scripts/train_fashion_mnist.py',
        'torch': torch.__version__,
        'seed': args.seed, 'epochs': args.epochs, 'batch': args.batch,
        'optimizer': 'AdamW lr 3e-3 (one-cycle), weight decay 1e-4, random horizontal flips',
        'threads': torch.get_num_threads(),
        'trainSeconds': round(seconds, 1),
        'testAccuracy': test_acc,
        'parameters': sum(p.numel() for p in model.parameters()),
        'normalisation': {'mean': mean, 'std': std, 'where': 'inside the model'},
        'onnxBytes': os.path.getsize(onnx_path),
        'history': history,
    }
    with open(os.path.join(args.out, 'training.json'), 'w') as f:
        json.dump(record, f, indent=2)
        f.write('\n')
    print(json.dumps({k: record[k] for k in ('trainSeconds', 'testAccuracy', 'parameters', 'onnxBytes')}))


if __name__ == '__main__':
    main()
