#!/usr/bin/env python3
"""Quantus and Captum reference values for the metric tests (fixtures/metrics/).

Neither library is part of this repository or vendored: bring their sources yourself
(understandable-machine-intelligence-lab/Quantus, pytorch/captum; Quantus imports Captum)
outside the repository and pass the paths:

    QUANTUS=/tmp/quantus CAPTUM=/tmp/captum /usr/bin/python3 scripts/make_metric_fixtures.py

Run it from a directory that holds no folder named like a Python package (a stray
`zennit/` folder in the working directory shadows the real module). Debian packages
needed: python3-torch, python3-onnx, python3-scipy, python3-skimage, python3-opencv,
python3-sklearn, python3-cachetools, python3-pandas.

Models (exported here, smooth activations so no float32 tie can flip a branch):
  tiny_gray.onnx    [1, 12, 12] -> 5 logits; tiny_colour.onnx [3, 12, 12] -> 5 logits
Inputs: <model>.input.npy (uniform [0, 1)), <model>.attr.npy (standard normal: no ties),
targets = each input's top class (manifest.json).

Random draws are fixed on both sides: the perturbations Quantus and Captum would draw are
drawn here (numpy seeds), saved, and fed to both (explicit perturbation functions; Quantus'
own subset draws are recorded by wrapping np.random.choice). Quantus normalises maps by
the max over all inputs of one call: effective complexity (the one normalised metric whose
value depends on the scale) is called once per input (per-input normalisation, as the
project defines it).
"""
import json
import os
import sys

import numpy as np
import scipy.stats
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "fixtures", "metrics")
sys.path[:0] = [os.environ["QUANTUS"], os.environ["CAPTUM"]]
import quantus  # noqa: E402
from quantus.helpers import utils as qutils  # noqa: E402
from quantus.functions.perturb_func import noisy_linear_imputation  # noqa: E402
from captum.attr import Saliency  # noqa: E402
from captum.metrics import infidelity, infidelity_perturb_func_decorator, sensitivity_max  # noqa: E402


class Tiny(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.c1 = nn.Conv2d(cin, 4, 3, padding=1)
        self.c2 = nn.Conv2d(4, 6, 3, padding=1)
        self.fc = nn.Linear(6 * 6 * 6, 5)

    def forward(self, x):
        x = torch.tanh(self.c1(x))
        x = F.avg_pool2d(F.softplus(self.c2(x)), 2)
        return self.fc(torch.flatten(x, 1))


def save(name, arr, dtype="<f4"):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(np.asarray(arr, dtype=dtype)))


def export(model, x, name):
    torch.onnx.export(model, torch.from_numpy(x), os.path.join(OUT, name + ".onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)


def saliency(model, inputs, targets, **_):
    x = torch.as_tensor(np.asarray(inputs), dtype=torch.float32)
    return Saliency(model).attribute(x, target=torch.as_tensor(np.asarray(targets)), abs=False).detach().numpy()


def fixed_noise(noise):
    """A Quantus perturb_func returning x + noise[step] for step 0, 1, ... (one batch per step)."""
    state = {"step": 0}

    def perturb(arr, indices, **_):
        out = arr + noise[:, state["step"]].reshape(arr.shape)
        state["step"] += 1
        return out
    return perturb


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    models = {"tiny_gray": Tiny(1).eval(), "tiny_colour": Tiny(3).eval()}
    with torch.no_grad():
        for model in models.values():  # a sharper head: outputs and predictions move with the input
            model.fc.weight *= 40
            model.c1.weight *= 3
    rng = np.random.RandomState(0)
    data = {"tiny_gray": rng.uniform(0, 1, (4, 1, 12, 12)).astype("f4"), "tiny_colour": rng.uniform(0, 1, (2, 3, 12, 12)).astype("f4")}
    manifest = {"generator": "scripts/make_metric_fixtures.py", "torch": torch.__version__, "models": {}}
    for name, model in models.items():
        x = data[name]
        export(model, x, name)
        with torch.no_grad():
            logits = model(torch.from_numpy(x)).numpy()
        y = logits.argmax(1)
        a = rng.standard_normal(x.shape).astype("f4")
        save(f"{name}.input.npy", x)
        save(f"{name}.attr.npy", a)
        save(f"{name}.logits.npy", logits)
        manifest["models"][name] = {"targets": y.tolist()}
    out = {}

    # ---- faithfulness on tiny_gray (one channel: Quantus' element features are our pixels)
    m, x = models["tiny_gray"], data["tiny_gray"]
    a = np.load(os.path.join(OUT, "tiny_gray.attr.npy"))
    y = np.array(manifest["models"]["tiny_gray"]["targets"])
    common = dict(disable_warnings=True, abs=False, normalise=False)
    out["pixel_flipping"] = quantus.PixelFlipping(features_in_step=4, perturb_baseline=0.0, **common)(
        model=m, x_batch=x, y_batch=y, a_batch=a, softmax=True)
    for order in ("morf", "lerf"):
        out[f"region_{order}"] = quantus.RegionPerturbation(patch_size=4, regions_evaluation=9, order=order, perturb_baseline=0.0, **common)(
            model=m, x_batch=x, y_batch=y, a_batch=a, softmax=True)
    class PerInputROAD(quantus.ROAD):  # Quantus averages ROAD over inputs; keep each input's curve
        def custom_postprocess(self, **kwargs):
            pass
    road_y = y
    manifest["roadTargets"] = road_y.tolist()
    out["road"] = np.asarray(PerInputROAD(noise=0.0, **common)(model=m, x_batch=x, y_batch=road_y, a_batch=a, softmax=True)).reshape(4, -1)

    grid = (np.arange(12)[:, None] // 4) * 3 + np.arange(12)[None, :] // 4
    real_segments = qutils.get_superpixel_segments
    qutils.get_superpixel_segments = lambda img, segmentation_method: grid
    out["irof"] = quantus.IROF(perturb_baseline=0.0, return_aggregate=False, **common)(model=m, x_batch=x, y_batch=y, a_batch=a, softmax=True)
    qutils.get_superpixel_segments = real_segments

    choices = []
    real_choice = np.random.choice

    def recording_choice(*args, **kwargs):
        r = real_choice(*args, **kwargs)
        choices.append(np.array(r))
        return r
    np.random.seed(1)
    np.random.choice = recording_choice
    # Quantus' batched Pearson needs scipy >= 1.11 (axis=); its per-row branch, as a function:
    def pearson_rows(a, b, batched=True, **_):
        return np.array([scipy.stats.pearsonr(aa, bb)[0] for aa, bb in zip(a, b)])
    out["faithfulness_correlation"] = quantus.FaithfulnessCorrelation(similarity_func=pearson_rows, nr_runs=30, subset_size=20, perturb_baseline=0.0, return_aggregate=False, **common)(
        model=m, x_batch=x, y_batch=y, a_batch=a, softmax=False)
    np.random.choice = real_choice
    save("faithfulness_correlation.subsets.npy", np.stack(choices).reshape(30, 4, 20), dtype="<i4")

    # ---- Captum infidelity and sensitivity_max, perturbations drawn here
    S = 5
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    noise = np.random.RandomState(2).normal(0, 0.1, (4 * S, 1, 12, 12)).astype("f4")
    save("infidelity.noise.npy", noise)
    nt = torch.from_numpy(noise)

    def plain(inputs):
        return nt, inputs - nt
    out["infidelity_plain"] = infidelity(m, plain, xt, torch.from_numpy(a), target=yt, n_perturb_samples=S).numpy()

    @infidelity_perturb_func_decorator(True)
    def scaled(inputs):
        return inputs - nt
    out["infidelity_mbi"] = infidelity(m, scaled, xt, torch.from_numpy(a), target=yt, n_perturb_samples=S).numpy()
    out["infidelity_mbi_normalized"] = infidelity(m, scaled, xt, torch.from_numpy(a), target=yt, n_perturb_samples=S, normalize=True).numpy()

    unoise = np.random.RandomState(3).uniform(-0.02, 0.02, (4 * S, 1, 12, 12)).astype("f4")
    save("sensitivity.noise.npy", unoise)
    ut = torch.from_numpy(unoise)

    def explain_fn(inputs, target):
        return Saliency(m).attribute(inputs, target=target, abs=False)
    out["sensitivity_max"] = sensitivity_max(explain_fn, xt, perturb_func=lambda inp: inp + ut, n_perturb_samples=S, target=yt).numpy()

    # ---- Quantus robustness with the same perturbations (noise[e, step]) and Captum saliency
    g = saliency(m, x, y)
    save("tiny_gray.saliency.npy", g)
    per_step = unoise.reshape(4, S, 1, 12, 12)
    rob = dict(disable_warnings=True, abs=False, normalise=False, nr_samples=S, return_aggregate=False)
    out["avg_sensitivity"] = quantus.AvgSensitivity(perturb_func=fixed_noise(per_step), **rob)(model=m, x_batch=x, y_batch=y, a_batch=g, explain_func=saliency)
    out["local_lipschitz"] = quantus.LocalLipschitzEstimate(perturb_func=fixed_noise(per_step), **rob)(model=m, x_batch=x, y_batch=y, a_batch=g, explain_func=saliency)
    out["ris"] = quantus.RelativeInputStability(perturb_func=fixed_noise(per_step), **rob)(model=m, x_batch=x, y_batch=y, a_batch=g, explain_func=saliency)
    out["ros"] = quantus.RelativeOutputStability(perturb_func=fixed_noise(per_step), **rob)(model=m, x_batch=x, y_batch=y, a_batch=g, explain_func=saliency)

    # ---- complexity (Quantus defaults abs + normalise, per input) and localisation
    one = dict(disable_warnings=True, return_aggregate=False)
    rng_suff = np.random.RandomState(5)
    qa = dict(model=m, x_batch=x, y_batch=y, a_batch=a, batch_size=1)
    out["sparseness"] = quantus.Sparseness(**one)(**qa)
    out["complexity"] = quantus.Complexity(**one)(**qa)
    # Quantus normalises by the max over everything passed in one call (whatever batch_size):
    # one call per input gives the per-input normalisation the project uses
    out["effective_complexity"] = np.concatenate([quantus.EffectiveComplexity(eps=0.5, **one)(
        model=m, x_batch=x[e:e + 1], y_batch=y[e:e + 1], a_batch=a[e:e + 1]) for e in range(4)])
    # sufficiency: 8 inputs (the 4 and their mirror images) so that some explanations are close
    x8 = np.concatenate([x, x[..., ::-1]]).copy()
    a8 = np.concatenate([a, a[..., ::-1] + 0.3 * rng_suff.standard_normal(a.shape)]).astype("f4")
    save("sufficiency.input.npy", x8)
    save("sufficiency.attr.npy", a8)
    out["sufficiency"] = quantus.Sufficiency(threshold=0.9, normalise=False, **one)(model=m, x_batch=x8, y_batch=np.zeros(8, int), a_batch=a8)
    s = np.zeros((4, 1, 12, 12), "f4")
    for e, (r, c) in enumerate([(0, 0), (3, 5), (6, 2), (8, 8)]):
        s[e, 0, r:r + 4, c:c + 4] = 1
    save("tiny_gray.masks.npy", s)
    a_peak = a.copy()
    a_peak[1, 0, 4, 6] = 10.0  # inside the mask of input 1: a sure hit
    save("tiny_gray.attr_peak.npy", a_peak)
    loc = dict(disable_warnings=True, return_aggregate=False, abs=False, normalise=False)
    ql = dict(model=m, x_batch=x, y_batch=y, a_batch=a_peak, s_batch=s)
    out["pointing_game"] = quantus.PointingGame(**loc)(**ql)
    out["energy_pointing_game"] = quantus.AttributionLocalisation(positive_attributions=True, **loc)(**ql)
    out["relevance_mass"] = quantus.RelevanceMassAccuracy(**loc)(**ql)
    out["relevance_rank"] = quantus.RelevanceRankAccuracy(**loc)(**ql)
    out["topk_intersection"] = quantus.TopKIntersection(k=20, **loc)(**ql)

    # ---- colour: region perturbation with padded patches, ROAD's imputation per channel
    m, x = models["tiny_colour"], data["tiny_colour"]
    a = np.load(os.path.join(OUT, "tiny_colour.attr.npy"))
    y = np.array(manifest["models"]["tiny_colour"]["targets"])
    a_map = a.sum(1, keepdims=True)
    out["colour_region_morf"] = quantus.RegionPerturbation(patch_size=5, regions_evaluation=9, perturb_baseline=0.0, **common)(
        model=m, x_batch=x, y_batch=y, a_batch=a_map, softmax=True)
    removed = np.random.RandomState(4).choice(144, 60, replace=False)
    save("imputation.removed.npy", removed, dtype="<i4")
    out["imputation"] = noisy_linear_imputation(x[0].copy(), removed, noise=0.0)

    for k, v in out.items():
        save(f"quantus.{k}.npy" if not k.startswith(("infidelity", "sensitivity")) else f"captum.{k}.npy", np.asarray(v, dtype="f8"), dtype="<f8")
    manifest["files"] = sorted(out)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print("wrote", len(out), "references to", OUT)


if __name__ == "__main__":
    main()
