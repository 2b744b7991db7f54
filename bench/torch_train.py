"""PyTorch side of bench/training.bench.ts: one training epoch of the Fashion-MNIST CNN
(conv16-BN-ReLU-pool, conv32-BN-ReLU-pool, linear; batch 64; Adam) on Debian's python3-torch,
2 threads. Serve mode: reads "epoch <repeats>" lines, answers {"name", "ms"} with the wall
time of each epoch.

    /usr/bin/python3 bench/torch_train.py --serve --images 1024
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--serve', action='store_true')
parser.add_argument('--images', type=int, default=1024)
parser.add_argument('--threads', type=int, default=2)
args = parser.parse_args()
torch.manual_seed(0)
torch.set_num_threads(args.threads)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 49, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        return self.fc(torch.flatten(x, 1))


n = args.images
model = Net()
opt = torch.optim.Adam(model.parameters(), 2e-3)
x = torch.rand(n, 1, 28, 28)
y = torch.randint(0, 10, (n,))


def epoch():
    order = torch.randperm(n)
    for i in range(0, n, 64):
        idx = order[i:i + 64]
        opt.zero_grad()
        F.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()


epoch()  # warm-up
if not args.serve:
    t = time.time()
    epoch()
    print(n / (time.time() - t))
    sys.exit(0)
print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    name, repeats = line.split()
    ms = []
    for _ in range(int(repeats)):
        t = time.time()
        epoch()
        ms.append((time.time() - t) * 1000)
    print(json.dumps({'name': name, 'ms': ms}), flush=True)
