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
import os
import sys
import types

import torch

from reference_common import bench_input, load_model, reference_parser, serve


def main():
    args = reference_parser(__doc__, ["captum", "grad-cam"]).parse_args()

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

    model = load_model(args.models, args.model)
    layer = model.features[-1] if args.model == "mobilenet_v2" else model.layer4[-1]
    x = bench_input()
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

    serve(runs, {"captum": captum.__version__, "torch": torch.__version__}, args.warmup)


if __name__ == "__main__":
    sys.exit(main())
