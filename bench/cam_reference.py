#!/usr/bin/env python3
"""Time Captum's LayerGradCam and pytorch-grad-cam's GradCAM, ScoreCAM, AblationCAM and
FullGrad on a benchmark model (PyTorch CPU, 2 threads), for bench/cam.bench.ts. Neither
library is part of this repository: pass their source directories (pytorch/captum v0.8.0,
jacobgil/pytorch-grad-cam) with --captum and --grad-cam. Needs cv2 (python3-opencv).

    /usr/bin/python3 bench/cam_reference.py --captum /tmp/captum --grad-cam /tmp/pgc \
        --models bench/models --model mobilenet_v2 --serve

It answers lines "<name> <repeats>" on stdin with one JSON line {"name", "ms"} on stdout
(the first request of a name also warms it up). One input [1, 3, 224, 224] with the same
deterministic values as the TypeScript side, target class 0; the layer is the last
feature map (mobilenet_v2: features[-1], resnet18: layer4[-1]).

  captum_gradcam  LayerGradCam(model, layer).attribute + LayerAttribution.interpolate (bilinear)
  pgc_gradcam     GradCAM(model, [layer])
  pgc_scorecam    ScoreCAM(model, [layer]), batch_size 32
  pgc_ablationcam AblationCAM(model, [layer], batch_size=32)
  pgc_fullgrad    FullGrad(model, [])
"""
import argparse
import json
import math
import os
import sys
import time
import types

import torch

torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--captum", required=True)
    ap.add_argument("--grad-cam", required=True)
    ap.add_argument("--models", default=os.path.join(HERE, "models"))
    ap.add_argument("--model", default="mobilenet_v2")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()

    from make_captum_fixtures import stub_optional_modules
    stub_optional_modules()
    import tqdm
    tqdm.tqdm = lambda it, *a, **k: it  # no progress bars on stderr
    try:
        import ttach  # noqa: F401
    except ImportError:
        tta = types.ModuleType("ttach")
        tta.Compose = tta.HorizontalFlip = tta.Multiply = lambda *a, **k: None
        sys.modules["ttach"] = tta
    sys.path.insert(0, os.path.abspath(args.captum))
    sys.path.insert(0, os.path.abspath(args.grad_cam))
    import captum
    from captum.attr import LayerAttribution, LayerGradCam
    import pytorch_grad_cam as pgc
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    from export_models import MODELS

    model = MODELS[args.model](weights=None)
    model.load_state_dict(torch.load(os.path.join(args.models, f"{args.model}.pt"), map_location="cpu"))
    model.eval()
    layer = model.features[-1] if args.model == "mobilenet_v2" else model.layer4[-1]
    per = 3 * 224 * 224
    x = torch.tensor([math.sin(i * 12.9898) * 0.5 for i in range(per)], dtype=torch.float32).view(1, 3, 224, 224)
    targets = [ClassifierOutputTarget(0)]
    lgc = LayerGradCam(model, layer)
    score = pgc.ScoreCAM(model, [layer])
    score.batch_size = 32

    def with_cam(cls, **kw):
        def run():
            with cls(model=model, target_layers=[layer], **kw) as cam:
                return cam(input_tensor=x, targets=targets)
        return run

    def fullgrad():
        cam = pgc.FullGrad(model, [])
        out = cam(input_tensor=x, targets=targets)
        cam.activations_and_grads.release()
        return out

    runs = {
        "captum_gradcam": lambda: LayerAttribution.interpolate(lgc.attribute(x, target=0), (224, 224), "bilinear"),
        "pgc_gradcam": with_cam(pgc.GradCAM),
        "pgc_scorecam": lambda: score(input_tensor=x, targets=targets),
        "pgc_ablationcam": with_cam(pgc.AblationCAM, batch_size=32),
        "pgc_fullgrad": fullgrad,
    }

    def timed(fn, n):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        return times

    warm = set()
    print(json.dumps({"ready": True, "captum": captum.__version__, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        name, n = parts[0], int(parts[1]) if len(parts) > 1 else 1
        if name not in warm:
            timed(runs[name], args.warmup)
            warm.add(name)
        print(json.dumps({"name": name, "ms": timed(runs[name], n)}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
