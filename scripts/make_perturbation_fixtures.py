#!/usr/bin/env python3
"""Captum reference attributions for the perturbation methods (fixtures/perturbation/).

Captum is NOT part of this repository: bring its source (pytorch/captum, tag v0.8.0)
somewhere outside it and pass the path, as for scripts/make_captum_fixtures.py:

    /usr/bin/python3 scripts/make_perturbation_fixtures.py --captum /tmp/captum

Models: tiny_resnet and tiny_mobilenet of scripts/make_torch_fixtures.py (rebuilt with the
same seeds by make_captum_fixtures.build, which checks the logits against the committed
ONNX fixtures), on fixtures/torch/<name>.input.npy ([2, 3, 32, 32]), targets [3, 7].

For each model it writes <name>.<run>.npy for these runs (parameters in manifest.json):
  occlusion          Occlusion, window (3, 8, 8), stride 4, baseline 0
  occlusion_cut      Occlusion, window (3, 6, 6), stride 5 (last window cut off at the
                     border), baseline <name>.baseline.npy (U(-1, 1), numpy seed 1, one per input)
  ablation           FeatureAblation over a 4 px grid (64 features), baseline 0
  ablation_base      the same with <name>.baseline.npy
  permutation        FeaturePermutation over an 8 px grid (16 features) on four inputs (the
                     two inputs, then their left-right mirrors), with the permutation of
                     each feature fixed (manifest: permutations)
  shapley            ShapleyValueSampling over the 8 px grid, baseline 0, the orderings fixed
                     (manifest: orderings; Captum's permutation generator is replaced)
  kernelshap         KernelShap over the 8 px grid, the coalitions fixed (manifest:
                     kernelCoalitions: the full and the empty one first, then draws with the
                     Shapley kernel's size distribution), scikit-learn LinearRegression
  lime               Lime over the 8 px grid with interpretable_model SkLearnLinearRegression,
                     Captum's default similarity (cosine distance, width 1), coalitions fixed
                     (manifest: limeCoalitions, Bernoulli(1/2))
  rise               (tiny_resnet only) RISE by the authors' recipe (eclique/RISE,
                     explanations.py, RISE.generate_masks and forward: scikit-image resize
                     order 1, mode 'reflect', crop at the shift; softmax scores; divided by
                     N and p1), 64 masks, cell 4, p1 0.5, the grids and shifts fixed
                     (manifest: rise); written as [2, 3, 32, 32] (the map repeated per channel)
  sobol              (tiny_resnet only) Sobol attribution as Xplique's SobolAttributionMethod
                     with ScipySobolSequenceRS (unscrambled) and JansenEstimator, inpainting
                     (x * M), masks upsampled by nearest neighbour, grid 8, 32 designs, the
                     target logit; written per cell (before Xplique's final bicubic resize,
                     which is TensorFlow's and cannot run here), expanded to [2, 3, 32, 32]
  sobol_points.npy   the first 16 points of scipy.stats.qmc.Sobol(512, scramble=False)
Grids label patches row by row (src/masks/grid.ts). Captum's Lime default model is a Lasso;
least squares is used here, as src/methods/perturbation/lime.ts does.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGETS = [3, 7]
MODELS = ["tiny_resnet", "tiny_mobilenet"]


def grid(h, w, p):
    cols = -(-w // p)
    return np.array([[(y // p) * cols + x // p for x in range(w)] for y in range(h)], dtype=np.int64)


def save(path, arr):
    np.save(path, np.ascontiguousarray(np.asarray(arr, dtype="<f4")))


def kernel_coalitions(m, count, rng):
    out = [np.ones(m, dtype=np.int64), np.zeros(m, dtype=np.int64)]
    k_all = np.arange(1, m)
    p = (m - 1) / (k_all * (m - k_all))
    p /= p.sum()
    while len(out) < count:
        k = rng.choice(k_all, p=p)
        z = np.zeros(m, dtype=np.int64)
        z[rng.permutation(m)[:k]] = 1
        out.append(z)
    return out


def rise_fixture(model, x, path, n_masks=64, s=4, p1=0.5):
    """RISE as the authors' explanations.py computes it, with recorded grids and shifts."""
    from skimage.transform import resize

    rng = np.random.default_rng(7)
    h, w = x.shape[2:]
    cell_size = np.ceil(np.array([h, w]) / s)
    up_size = (s + 1) * cell_size
    grids = (rng.random((n_masks, s, s)) < p1).astype("float32")
    shifts = [[int(rng.integers(0, cell_size[0])), int(rng.integers(0, cell_size[1]))] for _ in range(n_masks)]
    masks = np.empty((n_masks, h, w))
    for i, (dy, dx) in enumerate(shifts):
        masks[i] = resize(grids[i], up_size, order=1, mode="reflect", anti_aliasing=False)[dy:dy + h, dx:dx + w]
    masks = torch.from_numpy(masks.reshape(-1, 1, h, w)).float()
    sal = []
    with torch.no_grad():
        for e, target in enumerate(TARGETS):
            probs = torch.softmax(model(masks * x[e:e + 1]), dim=1)
            m = torch.matmul(probs.transpose(0, 1), masks.view(n_masks, h * w)).view(-1, h, w) / n_masks / p1
            sal.append(m[target])
    save(path, torch.stack(sal)[:, None].expand(-1, 3, -1, -1).numpy())
    return {"cell": s, "p": p1, "grids": grids.astype(int).reshape(n_masks, -1).tolist(), "shifts": shifts}


def sobol_fixture(model, x, path, grid_size=8, nb_design=32):
    """Xplique's Sobol attribution (replicated design, inpainting, Jansen), per cell."""
    from scipy.stats import qmc

    d = grid_size * grid_size
    ab = qmc.Sobol(2 * d, scramble=False).random(nb_design).astype(np.float32)
    a, b = ab[:, :d], ab[:, d:]
    c = np.repeat(a[None], d, axis=0)
    for i in range(d):
        c[i, :, i] = b[:, i]
    masks = np.concatenate([a, b, c.reshape(-1, d)]).reshape(-1, 1, grid_size, grid_size)
    h, w = x.shape[2:]
    up = torch.from_numpy(np.repeat(np.repeat(masks, h // grid_size, axis=2), w // grid_size, axis=3))
    out = []
    with torch.no_grad():
        for e, target in enumerate(TARGETS):
            y = torch.cat([model(x[e:e + 1] * up[k:k + 256])[:, target] for k in range(0, len(up), 256)]).numpy()
            ya, yc = y[:nb_design], y[2 * nb_design:].reshape(d, nb_design)
            var = max(float(np.var(ya, ddof=1)), 1e-12)
            st = ((ya[None] - yc) ** 2).sum(-1) / (2 * nb_design * var)
            cells = st.reshape(grid_size, grid_size)
            out.append(np.repeat(np.repeat(cells, h // grid_size, 0), w // grid_size, 1))
    save(path, np.stack(out)[:, None].repeat(3, axis=1))
    save(os.path.join(os.path.dirname(path), "sobol_points.npy"), qmc.Sobol(512, scramble=False).random(16))
    return {"grid": grid_size, "designs": nb_design}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--captum", required=True, help="directory holding Captum's source (the one containing captum/)")
    ap.add_argument("--out", default=os.path.join(ROOT, "fixtures", "perturbation"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    sys.path.insert(0, HERE)
    import make_captum_fixtures as mcf

    mcf.stub_optional_modules()
    sys.path.insert(0, os.path.abspath(args.captum))
    import captum
    from captum.attr import FeatureAblation, FeaturePermutation, KernelShap, Lime, Occlusion, ShapleyValueSampling
    from captum._utils.models.linear_model import SkLearnLinearRegression
    import make_torch_fixtures as mtf

    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(12)
    mask4 = grid(32, 32, 4)
    mask8 = grid(32, 32, 8)
    m8 = int(mask8.max()) + 1
    permutations = [list(rng.permutation(4)) for _ in range(m8)]
    permutations = [p if p != [0, 1, 2, 3] else [1, 0, 2, 3] for p in [list(map(int, p)) for p in permutations]]
    orderings = [list(map(int, rng.permutation(m8))) for _ in range(5)]
    kcoal = [list(map(int, z)) for z in kernel_coalitions(m8, 60, rng)]
    lcoal = [list(map(int, rng.integers(0, 2, m8))) for _ in range(80)]
    manifest = {"captum": captum.__version__, "torch": torch.__version__, "targets": TARGETS, "models": MODELS,
                "generator": "scripts/make_perturbation_fixtures.py --captum <path to captum v0.8.0>",
                "occlusion": {"window": [3, 8, 8], "stride": 4}, "occlusion_cut": {"window": [3, 6, 6], "stride": 5},
                "ablationPatch": 4, "gridPatch": 8, "permutations": permutations, "orderings": orderings,
                "kernelCoalitions": kcoal, "limeCoalitions": lcoal}

    for name in MODELS:
        model, x, _ = mcf.build(name, mtf, args.out)
        model.eval()
        base = torch.from_numpy(np.random.default_rng(1).uniform(-1, 1, size=x.shape).astype(np.float32))
        save(os.path.join(args.out, f"{name}.baseline.npy"), base)
        with torch.no_grad():
            run = lambda what, arr: save(os.path.join(args.out, f"{name}.{what}.npy"), arr.detach().numpy())
            occ = Occlusion(model)
            run("occlusion", occ.attribute(x, sliding_window_shapes=(3, 8, 8), strides=4, target=TARGETS, perturbations_per_eval=16))
            run("occlusion_cut", occ.attribute(x, sliding_window_shapes=(3, 6, 6), strides=5, baselines=base, target=TARGETS))
            fa = FeatureAblation(model)
            fm4 = torch.from_numpy(mask4)[None, None]
            run("ablation", fa.attribute(x, feature_mask=fm4, target=TARGETS))
            run("ablation_base", fa.attribute(x, feature_mask=fm4, baselines=base, target=TARGETS))

            x4 = torch.cat([x, x.flip(3)])
            queue = list(permutations)

            def fixed_perm(batch, feature_mask):
                perm = torch.tensor(queue.pop(0))
                return batch[perm] * feature_mask.to(batch.dtype) + batch * feature_mask.bitwise_not().to(batch.dtype)

            fp = FeaturePermutation(model, perm_func=fixed_perm)
            fm8 = torch.from_numpy(mask8)[None, None]
            run("permutation", fp.attribute(x4, feature_mask=fm8, target=TARGETS * 2))
            assert not queue, "every fixed permutation was used once"

            svs = ShapleyValueSampling(model)
            svs.permutation_generator = lambda n_features, n_samples: iter(orderings)
            run("shapley", svs.attribute(x, feature_mask=fm8, target=TARGETS, n_samples=len(orderings)))

        def fixed(coalitions):
            def gen(_inputs, **_kwargs):
                for z in coalitions:
                    yield torch.tensor([z], dtype=torch.long)
            return gen

        ks = KernelShap(model)
        ks.perturb_func = fixed(kcoal)
        run("kernelshap", ks.attribute(x, feature_mask=fm8, target=TARGETS, n_samples=len(kcoal)))
        lime = Lime(model, interpretable_model=SkLearnLinearRegression())
        lime.perturb_func = fixed(lcoal)
        run("lime", lime.attribute(x, feature_mask=fm8, target=TARGETS, n_samples=len(lcoal)))

        if name == "tiny_resnet":
            manifest["sobol"] = sobol_fixture(model, x, os.path.join(args.out, f"{name}.sobol.npy"))
            manifest["rise"] = rise_fixture(model, x, os.path.join(args.out, f"{name}.rise.npy"))

    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"wrote {args.out} ({total} bytes)")


if __name__ == "__main__":
    sys.exit(main())
