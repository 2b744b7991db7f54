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
  numpy's argsort of keys with many ties (its order decides Felzenszwalb's merges).
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
    with open(os.path.join(OUT, 'segments.json'), 'w') as f:
        json.dump(manifest, f, indent=2)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    for part in sys.argv[1:] or ['segments']:
        globals()[part]()
