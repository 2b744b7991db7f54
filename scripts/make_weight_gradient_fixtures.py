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
