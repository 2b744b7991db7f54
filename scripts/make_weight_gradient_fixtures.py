"""Fixture for the engine's weight gradients (src/engine/weights.test.ts, src/engine/training.test.ts).

A tiny CNN (conv 3x3 pad 1 with bias -> ReLU -> maxpool 2 -> flatten -> linear), seeded weights and
inputs, and PyTorch autograd gradients with respect to every weight and bias of
  - the sum over the batch of the logit of each example's label, and
  - the mean softmax cross-entropy of the batch,
written to fixtures/weight-gradients/tiny_cnn.json.

    /usr/bin/python3 scripts/make_weight_gradient_fixtures.py
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(15)
x = torch.rand(5, 2, 6, 6)
labels = torch.tensor([0, 3, 1, 2, 3])
conv_w = (torch.randn(3, 2, 3, 3) * 0.5).requires_grad_()
conv_b = (torch.randn(3) * 0.1).requires_grad_()
fc_w = (torch.randn(4, 27) * 0.3).requires_grad_()
fc_b = (torch.randn(4) * 0.1).requires_grad_()
params = {'conv.weight': conv_w, 'conv.bias': conv_b, 'fc.weight': fc_w, 'fc.bias': fc_b}


def logits():
    h = F.max_pool2d(F.relu(F.conv2d(x, conv_w, conv_b, padding=1)), 2)
    return F.linear(torch.flatten(h, 1), fc_w, fc_b)


def grads(value):
    g = torch.autograd.grad(value, list(params.values()), retain_graph=True)
    return {k: v.flatten().tolist() for k, v in zip(params, g)}


out = logits()
label_logits = out.gather(1, labels[:, None]).sum()
loss = F.cross_entropy(out, labels)
fixture = {
    'input': {'dims': list(x.shape), 'data': x.flatten().tolist()},
    'labels': labels.tolist(),
    'params': {k: {'dims': list(v.shape), 'data': v.detach().flatten().tolist()} for k, v in params.items()},
    'logits': out.detach().flatten().tolist(),
    'labelLogitGradients': grads(label_logits),
    'loss': loss.item(),
    'lossGradients': grads(loss),
    'torch': torch.__version__,
}
with open('fixtures/weight-gradients/tiny_cnn.json', 'w') as f:
    json.dump(fixture, f)
print('wrote fixtures/weight-gradients/tiny_cnn.json', loss.item())


# The trainer's conv-BN-ReLU-pool network in training mode (src/training/engineForward.ts), 4 and 8
# channels, on the first 8 Fashion-MNIST training images: the mean cross-entropy, its gradient with
# respect to every learned parameter, and the batch statistics -> fixtures/weight-gradients/bn_cnn.json.
import gzip
import numpy as np

with gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16)[: 8 * 784].astype(np.float32) / 255
with gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz') as f:
    ys = torch.tensor(np.frombuffer(f.read(), np.uint8, offset=8)[:8].astype(np.int64))
mean, std = 0.286, 0.353
torch.manual_seed(16)
P = {}
for k, (cin, cout) in enumerate([(1, 4), (4, 8)], start=1):
    P[f'conv{k}.weight'] = torch.randn(cout, cin, 3, 3) * (2 / (cin * 9)) ** 0.5
    P[f'bn{k}.gamma'] = 1 + 0.1 * torch.randn(cout)
    P[f'bn{k}.beta'] = 0.1 * torch.randn(cout)
P['fc.weight'] = torch.randn(10, 8 * 49) * 0.05
P['fc.bias'] = torch.randn(10) * 0.05
for v in P.values():
    v.requires_grad_()
h = (torch.tensor(images).reshape(8, 1, 28, 28) - mean) / std
stats = []
for k in (1, 2):
    h = F.conv2d(h, P[f'conv{k}.weight'], padding=1)
    stats += [h.mean((0, 2, 3)).detach(), h.var((0, 2, 3), unbiased=False).detach()]
    h = F.batch_norm(h, None, None, P[f'bn{k}.gamma'], P[f'bn{k}.beta'], training=True, eps=1e-5)
    h = F.max_pool2d(F.relu(h), 2)
out = F.linear(torch.flatten(h, 1), P['fc.weight'], P['fc.bias'])
loss = F.cross_entropy(out, ys)
g = torch.autograd.grad(loss, list(P.values()))
r = lambda t: [float('%.8g' % v) for v in t.detach().flatten().tolist()]
fixture = {
    'images': 'first 8 of the Fashion-MNIST training split, pixels / 255',
    'labels': ys.tolist(),
    'normalisation': {'mean': mean, 'std': std},
    'params': {k: {'dims': list(v.shape), 'data': r(v)} for k, v in P.items()},
    'loss': loss.item(),
    'gradients': {k: r(v) for k, v in zip(P, g)},
    'stats': [r(s) for s in stats],
    'torch': torch.__version__,
}
with open('fixtures/weight-gradients/bn_cnn.json', 'w') as f:
    json.dump(fixture, f)
print('wrote fixtures/weight-gradients/bn_cnn.json', loss.item())
