#!/usr/bin/env python3
"""Time Captum's IntegratedGradients (50 steps) and LayerGradCam on torchvision vit_b_16
or swin_t (random weights from bench/export_models.py; PyTorch CPU, 2 threads), for
bench/transformer.bench.ts. Captum is not part of this repository: pass its source
directory (pytorch/captum) with --captum.

    /usr/bin/python3 bench/transformer_reference.py --captum /tmp/captum --model vit_b_16 --serve

It answers lines "<name> <repeats>" on stdin with one JSON line {"name", "ms"} on stdout.
One input [1, 3, 224, 224] (the TypeScript side's values), target class 0. The warm-up
before the first timed IG runs two batches of steps (2 x --batch), as the TypeScript side does.

  captum_ig       IntegratedGradients(model).attribute(x, black baseline, n_steps=50,
                  method="gausslegendre", internal_batch_size=--batch)
  captum_gradcam  LayerGradCam(model, layer).attribute + LayerAttribution.interpolate
                  (bilinear) at pytorch-grad-cam's layer for the model: vit_b_16
                  encoder.layers[-1].ln_1 (tokens [1, 197, 768]; Captum reads them as 197
                  "channels", so its map is not the token-grid map and is not upsampled, but
                  the work - one forward, the backward to the layer - is the same), swin_t model.permute
                  (the [1, 768, 7, 7] map after the last norm).
"""
import torch

from reference_common import bench_input, load_model, reference_parser, serve, stub_and_add_sources


def main():
    ap = reference_parser(__doc__, ["captum"])
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()
    stub_and_add_sources(args.captum)
    import captum
    from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam

    model = load_model(args.models, args.model)
    layer = model.encoder.layers[-1].ln_1 if args.model == "vit_b_16" else model.permute
    x = bench_input()
    ig = IntegratedGradients(model)
    lgc = LayerGradCam(model, layer)
    warm = set()

    def integrated():
        # the first call is serve's untimed warm-up: two batches of steps, as on the TypeScript side
        steps = args.steps if "ig" in warm else 2 * args.batch
        warm.add("ig")
        return ig.attribute(x, baselines=torch.zeros_like(x), target=0, n_steps=steps,
                            method="gausslegendre", internal_batch_size=args.batch)

    runs = {
        "captum_ig": integrated,
        # vit_b_16: Captum's map of tokens-as-channels is [1, 1, 768], nothing to upsample (the
        # 14 x 14 grid's bilinear upsampling costs about a millisecond)
        "captum_gradcam": (lambda: lgc.attribute(x, target=0)) if args.model == "vit_b_16"
        else (lambda: LayerAttribution.interpolate(lgc.attribute(x, target=0), (224, 224), "bilinear")),
    }
    serve(runs, {"captum": captum.__version__, "torch": torch.__version__}, args.warmup)


if __name__ == "__main__":
    main()
