#!/usr/bin/env python3
"""pytorch-grad-cam and Captum reference maps for the CAM tests (fixtures/cam/).

Neither library is vendored: bring their sources yourself, outside the repository,
and pass the paths (pytorch-grad-cam at commit 084273b, Captum at tag v0.8.0):

    PYTORCH_GRAD_CAM_PATH=/tmp/pgc CAPTUM_PATH=/tmp/captum \\
        /usr/bin/python3 scripts/make_cam_fixtures.py

pytorch-grad-cam needs cv2 (Debian python3-opencv), tqdm and sklearn; ttach (test-time
augmentation, unused here) is replaced by an empty stand-in module when missing.

Models: tiny_resnet (layer = model.layer2, the block output: ONNX
/layer2/layer2.0/relu_1/Relu_output_0, [32, 4, 4]) and tiny_mobilenet (layer =
model.features[3], its ReLU6: ONNX /features/features.3/features.3.2/Clip_output_0,
[64, 8, 8]), rebuilt from scripts/make_torch_fixtures.py with its seeds (checked against
fixtures/torch/<name>.logits.npy), on fixtures/torch/<name>.input.npy, targets [3, 7].

For each model it writes <name>.<method>.npy, float32:
  pgc_<variant>        pytorch-grad-cam's output ([n, H, W]: ReLU, resize, min-max) for
                       GradCAM, HiResCAM, GradCAMPlusPlus, XGradCAM, LayerCAM, EigenCAM,
                       ScoreCAM, AblationCAM, FullGrad
  pgc_<variant>_raw    its get_cam_image at the layer ([n, h, w], signed, before ReLU)
                       (not for FullGrad, which has no layer map)
  captum_gradcam       Captum LayerGradCam, raw ([n, 1, h, w]; relu_attributions=False)
  captum_gradcam_bilinear / _nearest   LayerAttribution.interpolate of it to [n, 1, H, W]
  captum_guidedgradcam Captum GuidedGradCam (tiny_resnet only: plain ReLUs, which Captum's
                       GuidedBackprop hooks; it ignores tiny_mobilenet's ReLU6) ([n, C, H, W])
  captum_layergxa      LayerGradientXActivation at the layer ([n, C, h, w])
  captum_layerig       LayerIntegratedGradients at the layer, zero baseline, 50 steps,
                       gausslegendre ([n, C, h, w])
  fullgrad_bias_sum    sum over every bias b of sum(b * df/d(layer output)) per example,
                       and fullgrad_input_sum = sum(x * df/dx), fullgrad_logit = f(x) ([n])
"""
import importlib.abc
import importlib.machinery
import json
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGETS = [3, 7]
OUT = os.path.join(ROOT, "fixtures", "cam")


def stub(names):
    for name in names:
        try:
            __import__(name)
        except ImportError:
            mod = types.ModuleType(name)
            mod.__getattr__ = lambda attr: types.SimpleNamespace  # noqa: E731
            sys.modules[name] = mod


def save(name, arr):
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().numpy()
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(np.asarray(arr, dtype="<f4")))


def build(name, mtf):
    idx = [m[0] for m in mtf.MODELS].index(name)
    torch.manual_seed(1000 + idx)  # exactly as make_torch_fixtures.main
    model = mtf.init_and_calibrate(mtf.MODELS[idx][1](), gen_seed=2000 + idx).eval()
    x = torch.from_numpy(np.load(os.path.join(ROOT, "fixtures", "torch", f"{name}.input.npy")))
    with torch.no_grad():
        logits = model(x).numpy()
    err = float(np.abs(logits - np.load(os.path.join(ROOT, "fixtures", "torch", f"{name}.logits.npy"))).max())
    if not err < 1e-5:
        raise RuntimeError(f"{name}: rebuilt model differs from the committed fixture ({err:.3g})")
    return model, x


def main():
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.environ["PYTORCH_GRAD_CAM_PATH"])
    sys.path.insert(0, os.environ["CAPTUM_PATH"])
    stub(["matplotlib", "matplotlib.pyplot", "matplotlib.colors"])
    try:
        import ttach  # noqa: F401
    except ImportError:
        tta = types.ModuleType("ttach")
        tta.Compose = tta.HorizontalFlip = tta.Multiply = lambda *a, **k: None
        sys.modules["ttach"] = tta
    import make_torch_fixtures as mtf
    import pytorch_grad_cam as pgc
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    from captum.attr import LayerGradCam, LayerGradientXActivation, LayerIntegratedGradients, LayerAttribution

    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    manifest = {"generator": "scripts/make_cam_fixtures.py", "targets": TARGETS, "models": {}}
    for name, layer_of, tap in [
        ("tiny_resnet", lambda m: m.layer2, "/layer2/layer2.0/relu_1/Relu_output_0"),
        ("tiny_mobilenet", lambda m: m.features[3], "/features/features.3/features.3.2/Clip_output_0"),
    ]:
        model, x = build(name, mtf)
        layer = layer_of(model)
        targets = [ClassifierOutputTarget(t) for t in TARGETS]
        variants = ["GradCAM", "HiResCAM", "GradCAMPlusPlus", "XGradCAM", "LayerCAM", "EigenCAM", "ScoreCAM", "AblationCAM"]
        for v in variants:
            cam = getattr(pgc, v)(model=model, target_layers=[layer])
            out = cam(input_tensor=x.clone(), targets=targets)
            save(f"{name}.pgc_{v.lower()}", out)
            acts = cam.activations_and_grads.activations[0].numpy()
            grads = cam.activations_and_grads.gradients[0].numpy() if cam.activations_and_grads.gradients else None
            raw = cam.get_cam_image(x.clone(), layer, targets, acts, grads, False)
            save(f"{name}.pgc_{v.lower()}_raw", raw)
            cam.activations_and_grads.release()
        fg = pgc.FullGrad(model=model, target_layers=[])
        save(f"{name}.pgc_fullgrad", fg(input_tensor=x.clone(), targets=targets))
        fg.activations_and_grads.release()

        lgc = LayerGradCam(model, layer).attribute(x, target=TARGETS)
        save(f"{name}.captum_gradcam", lgc)
        save(f"{name}.captum_gradcam_bilinear", LayerAttribution.interpolate(lgc, x.shape[-2:], "bilinear"))
        save(f"{name}.captum_gradcam_nearest", LayerAttribution.interpolate(lgc, x.shape[-2:], "nearest"))
        if name == "tiny_resnet":
            from captum.attr import GuidedGradCam
            save(f"{name}.captum_guidedgradcam", GuidedGradCam(model, layer).attribute(x, target=TARGETS))
        save(f"{name}.captum_layergxa", LayerGradientXActivation(model, layer).attribute(x, target=TARGETS))
        lig = LayerIntegratedGradients(model, layer).attribute(x, baselines=torch.zeros_like(x), target=TARGETS,
                                                               n_steps=50, method="gausslegendre")
        save(f"{name}.captum_layerig", lig)

        # FullGrad completeness terms in float64: every Conv/Linear bias and BatchNorm's implicit bias.
        m64 = __import__("copy").deepcopy(model).double()
        x64 = x.double().requires_grad_(True)
        outs, biases = [], []
        def hook(mod, inp, out):
            if isinstance(mod, torch.nn.BatchNorm2d):
                b = mod.bias - mod.running_mean * mod.weight / torch.sqrt(mod.running_var + mod.eps)
            elif isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)) and mod.bias is not None:
                b = mod.bias
            else:
                return
            out.retain_grad()
            outs.append(out)
            biases.append(b.detach())
        hs = [m.register_forward_hook(hook) for m in m64.modules()]
        y = m64(x64)
        for h in hs:
            h.remove()
        sel = y[torch.arange(len(TARGETS)), TARGETS]
        sel.sum().backward()
        bias_sum = torch.zeros(len(TARGETS), dtype=torch.float64)
        for o, b in zip(outs, biases):
            shape = (1, -1) + (1,) * (o.dim() - 2)
            bias_sum += (o.grad * b.view(shape)).flatten(1).sum(1)
        save(f"{name}.fullgrad_bias_sum", bias_sum.detach())
        save(f"{name}.fullgrad_input_sum", (x64.grad * x64).flatten(1).sum(1).detach())
        save(f"{name}.fullgrad_logit", sel.detach())
        manifest["models"][name] = {"tap": tap, "input": f"fixtures/torch/{name}.input.npy", "shape": list(x.shape)}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)


if __name__ == "__main__":
    main()
