#!/usr/bin/env python3
"""Reference fixtures for the region and path methods (fixtures/regions/).

Run with Debian's python (python3-skimage 0.19.3, python3-scipy, python3-torch):

    /usr/bin/python3 scripts/make_region_fixtures.py segments
    PAIR_SALIENCY=/tmp/pair-saliency /usr/bin/python3 scripts/make_region_fixtures.py paths xrai

PAIR saliency is NOT part of this repository: bring its source yourself (repository
PAIR-code/saliency) and point PAIR_SALIENCY at the folder holding its `saliency/`
package; only `saliency/core` is imported (numpy + scipy + skimage, no framework).

segments: the demo photographs (fixtures/images/*.jpg, decoded by PIL) downscaled with
  PIL's bilinear resize to <name>.image.npy (int32 0..255, [h, w, 3]); the label maps
  skimage computes on image / 255 (float64) are <name>.<algo>.npy (int32 [h, w]), for
  the parameter sets in SEGMENTS (written to segments.json); argsort.keys/order.npy:
  numpy's argsort of keys with many ties (its order decides Felzenszwalb's merges);
  gaussian.input/filtered.npy: scipy's gaussian_filter of a small random image, for
  GAUSSIAN_MODES x GAUSSIAN_SIGMAS.

paths: PAIR's BlurIG and GuidedIG (saliency.core) driven by torch on tiny_smooth, the
  smooth-activation CNN of scripts/make_captum_fixtures.py (rebuilt from its seeds and
  checked against fixtures/captum/tiny_smooth.saliency.npy), on its input
  fixtures/captum/tiny_smooth.input.npy, targets [3, 7]. PAIR gets each example as a
  float64 HWC array (so its blur derivative, a difference of two blurs divided by 0.01,
  does not lose digits to float32 cancellation); the callback hands torch float32 NCHW
  and returns float32 gradients of the target logit. Written: tiny_smooth.<run>.npy
  (float32 [2, 3, 16, 16], NCHW) for the runs in PATH_RUNS (paths.json).

xrai: PAIR's XRAI on tiny_resnet (scripts/make_torch_fixtures.py, rebuilt from its seeds
  and checked against fixtures/torch/tiny_resnet.logits.npy) for the chelsea photograph
  resized (PIL bilinear) to 32x32, pixels / 255 as the model input (xrai.input.npy,
  float32 [1, 3, 32, 32]), target class 3, IG steps 20, batch_size 1 (PAIR's IG sums
  float32 gradients one at a time). Segments: PAIR's _get_segments_felzenszwalb with
  resize_image=False (the default resizes to 224x224 with skimage's bicubic resize, which
  the port does not reproduce), passed to GetMaskWithDetails (their pixel counts and index
  sums in xrai.json). Written: xrai.ig.npy (PAIR's IG averaged over
  its min/max baselines, float32 [3, 32, 32] CHW), xrai.<algo>.map.npy (float64 [32, 32])
  and xrai.<algo>.ranks.npy (int32 [32, 32]) for algorithms full and fast (xrai.json).
  A richer ranking check on the chelsea photograph of `segments` (48x72): PAIR's segments
  (resize_image=False; their pixel counts and index sums in xrai_photo.json), a smooth
  synthetic attribution xrai_photo.attr.npy (float64 [48, 72]), and PAIR's XRAI._xrai /
  _xrai_fast on them: xrai_photo.<algo>.map.npy, xrai_photo.<algo>.ranks.npy.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, 'fixtures', 'regions')

PHOTOS = {'astronaut': (64, 64), 'chelsea': (72, 48)}
SEGMENTS = {
    'slic_default': ('slic', {}),
    'slic_n50_c20': ('slic', {'n_segments': 50, 'compactness': 20}),
    'slic_n30_s1': ('slic', {'n_segments': 30, 'compactness': 10, 'sigma': 1}),
    'felz_default': ('felzenszwalb', {}),
    'felz_s100_m50': ('felzenszwalb', {'scale': 100, 'sigma': 0.5, 'min_size': 50}),
}


def save(name, array):
    np.save(os.path.join(OUT, name), array)


PATH_RUNS = {
    'blurig_s20': ('BlurIG', {'steps': 20, 'max_sigma': 50, 'grad_step': 0.01}),
    'blurig_s16_sqrt': ('BlurIG', {'steps': 16, 'max_sigma': 4, 'grad_step': 0.01, 'sqrt': True}),
    'guidedig_s50': ('GuidedIG', {'x_steps': 50, 'fraction': 0.25, 'max_dist': 0.02}),
    'guidedig_s40_f10_d10': ('GuidedIG', {'x_steps': 40, 'fraction': 0.1, 'max_dist': 0.1}),
}
TARGETS = [3, 7]
GAUSSIAN_MODES = ['constant', 'reflect']
GAUSSIAN_SIGMAS = [0.7, 3, 50]


def pair_core():
    path = os.environ.get('PAIR_SALIENCY')
    if not path:
        sys.exit('set PAIR_SALIENCY to the folder holding PAIR saliency\'s saliency/ package')
    sys.path.insert(0, os.path.abspath(path))
    import saliency.core as core
    return core


def tiny_smooth():
    import torch
    sys.path.insert(0, HERE)
    import make_torch_fixtures as mtf
    import make_captum_fixtures as mcf
    torch.manual_seed(4242)  # exactly as make_captum_fixtures.build
    model = mtf.init_and_calibrate(mcf.TinySmooth(), gen_seed=4243).eval()
    x = np.load(os.path.join(ROOT, 'fixtures', 'captum', 'tiny_smooth.input.npy'))
    xt = torch.from_numpy(x).requires_grad_(True)
    (g,) = torch.autograd.grad(model(xt)[[0, 1], TARGETS].sum(), xt)
    err = float(np.abs(g.numpy() - np.load(os.path.join(ROOT, 'fixtures', 'captum', 'tiny_smooth.saliency.npy'))).max())
    if not err < 1e-6:
        raise RuntimeError('rebuilt tiny_smooth differs from the committed fixture (max gradient diff %.3g)' % err)
    return model, x


def model_callback(model, target):
    import torch

    def call(batch, call_model_args=None, expected_keys=None):
        xt = torch.from_numpy(np.ascontiguousarray(np.transpose(batch, (0, 3, 1, 2)), dtype=np.float32)).requires_grad_(True)
        (g,) = torch.autograd.grad(model(xt)[:, target].sum(), xt)
        return {'INPUT_OUTPUT_GRADIENTS': np.transpose(g.numpy(), (0, 2, 3, 1))}
    return call


def paths():
    import torch
    torch.set_num_threads(1)
    core = pair_core()
    model, x = tiny_smooth()
    manifest = {'model': 'tiny_smooth', 'targets': TARGETS, 'torch': torch.__version__, 'runs': {}}
    for key, (cls, params) in PATH_RUNS.items():
        out = np.zeros_like(x)
        for e, target in enumerate(TARGETS):
            hwc = np.transpose(x[e], (1, 2, 0)).astype(np.float64)
            mask = getattr(core, cls)().GetMask(hwc, model_callback(model, target), **params)
            out[e] = np.transpose(mask, (2, 0, 1))
        save('tiny_smooth.%s.npy' % key, out.astype(np.float32))
        manifest['runs'][key] = {'method': cls, 'params': params, 'sum': [float(out[e].sum()) for e in range(2)]}
    with open(os.path.join(OUT, 'paths.json'), 'w') as f:
        json.dump(manifest, f, indent=2)


def photo_ranking(pair_xrai):
    pixels = np.load(os.path.join(OUT, 'chelsea.image.npy')).astype(np.float64) / 255.0
    segs = pair_xrai._get_segments_felzenszwalb(pixels, resize_image=False)
    h, w = pixels.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    rnd = np.random.RandomState(5)
    attr = np.zeros((h, w))
    for _ in range(12):
        cy, cx, s, a = rnd.uniform(0, h), rnd.uniform(0, w), rnd.uniform(3, 12), rnd.randn()
        attr += a * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    attr += 0.05 * rnd.randn(h, w)
    save('xrai_photo.attr.npy', attr)
    idx = np.arange(h * w).reshape(h, w)
    manifest = {'segments': [{'pixels': int(m.sum()), 'indexSum': int(idx[m].sum())} for m in segs], 'algorithms': {}}
    for algo, fn in [('full', pair_xrai.XRAI._xrai), ('fast', pair_xrai.XRAI._xrai_fast)]:
        attr_map, ranks = fn(attr=attr, segs=segs, min_pixel_diff=50, integer_segments=True)
        save('xrai_photo.%s.map.npy' % algo, attr_map.astype(np.float64))
        save('xrai_photo.%s.ranks.npy' % algo, ranks.astype(np.int32))
        manifest['algorithms'][algo] = {'regions': int(ranks.max())}
    with open(os.path.join(OUT, 'xrai_photo.json'), 'w') as f:
        json.dump(manifest, f, indent=2)


def xrai():
    import torch
    from PIL import Image
    torch.set_num_threads(1)
    core = pair_core()
    from saliency.core import xrai as pair_xrai
    sys.path.insert(0, HERE)
    import make_torch_fixtures as mtf
    import make_captum_fixtures as mcf
    model, _, err = mcf.build('tiny_resnet', mtf, None)
    model.eval()
    im = Image.open(os.path.join(ROOT, 'fixtures', 'images', 'chelsea.jpg')).convert('RGB')
    pixels = np.asarray(im.resize((32, 32), Image.BILINEAR), dtype=np.float32) / 255
    x = np.ascontiguousarray(np.transpose(pixels, (2, 0, 1))[None])
    save('xrai.input.npy', x)
    hwc = pixels.astype(np.float64)
    segs = pair_xrai._get_segments_felzenszwalb(hwc, resize_image=False)
    photo_ranking(pair_xrai)
    idx = np.arange(32 * 32).reshape(32, 32)
    manifest = {'model': 'tiny_resnet', 'target': 3, 'steps': 20, 'logitError': err, 'algorithms': {},
                'segments': [{'pixels': int(m.sum()), 'indexSum': int(idx[m].sum())} for m in segs]}
    for algo in ['full', 'fast']:
        params = core.XRAIParameters(steps=20, return_ig_attributions=True, return_xrai_segments=True,
                                     algorithm=algo)
        out = core.XRAI().GetMaskWithDetails(hwc, model_callback(model, 3), segments=segs, batch_size=1,
                                             extra_parameters=params)
        save('xrai.%s.map.npy' % algo, out.attribution_mask.astype(np.float64))
        save('xrai.%s.ranks.npy' % algo, out.segments.astype(np.int32))
        manifest['algorithms'][algo] = {'regions': int(out.segments.max())}
    ig = np.mean(out.ig_attribution, axis=0)
    save('xrai.ig.npy', np.transpose(ig, (2, 0, 1)).astype(np.float32))
    with open(os.path.join(OUT, 'xrai.json'), 'w') as f:
        json.dump(manifest, f, indent=2)


def segments():
    from PIL import Image
    import skimage
    from skimage import segmentation
    manifest = {'skimage': skimage.__version__, 'images': {}, 'segments': {}}
    for photo, size in PHOTOS.items():
        im = Image.open(os.path.join(ROOT, 'fixtures', 'images', photo + '.jpg')).convert('RGB')
        pixels = np.asarray(im.resize(size, Image.BILINEAR), dtype=np.int32)
        save(photo + '.image.npy', pixels)
        x = pixels.astype(np.float64) / 255.0
        manifest['images'][photo] = list(pixels.shape)
        for key, (algo, params) in SEGMENTS.items():
            if algo == 'slic':
                labels = segmentation.slic(x, start_label=0, channel_axis=-1, **params)
            else:
                labels = segmentation.felzenszwalb(x, channel_axis=-1, **params)
            save('%s.%s.npy' % (photo, key), labels.astype(np.int32))
            manifest['segments'].setdefault(key, {'algorithm': algo, 'params': params, 'counts': {}})
            manifest['segments'][key]['counts'][photo] = int(labels.max() + 1)
    # numpy's default argsort is not stable: ties come out in its introsort's order
    keys = np.random.RandomState(7).randint(0, 40, size=1500).astype(np.float64) / 8
    save('argsort.keys.npy', keys)
    save('argsort.order.npy', np.argsort(keys).astype(np.int32))
    manifest['numpy'] = np.__version__
    # scipy.ndimage.gaussian_filter(x, [s, s, 0], mode) for the blur of Blur IG and the smoothing
    from scipy import ndimage
    x = np.random.RandomState(3).rand(12, 17, 3)
    save('gaussian.input.npy', x)
    save('gaussian.filtered.npy', np.stack([ndimage.gaussian_filter(x, [s, s, 0], mode=m)
                                            for m in GAUSSIAN_MODES for s in GAUSSIAN_SIGMAS]))
    manifest['gaussian'] = {'modes': GAUSSIAN_MODES, 'sigmas': GAUSSIAN_SIGMAS}
    with open(os.path.join(OUT, 'segments.json'), 'w') as f:
        json.dump(manifest, f, indent=2)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    for part in sys.argv[1:] or ['segments']:
        globals()[part]()
