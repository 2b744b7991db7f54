"""What the Python reference benchmarks share (bench/cam_reference.py, captum_*.py,
quantus_metrics.py): 2 CPU threads, bench/ and scripts/ importable, the benchmark model
loaded from bench/models, the deterministic input of the TypeScript side, the timing loop
and the --serve protocol (lines "<name> <repeats>" on stdin, one JSON line
{"name", "ms"} on stdout; the first request of a name also warms it up)."""
import argparse
import json
import math
import os
import sys
import time

import torch

torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(os.path.dirname(HERE), "scripts")
for _p in (SCRIPTS, HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)


def reference_parser(doc, sources, model=True, serve_required=False):
    """The arguments every reference script takes: its library sources (required paths,
    e.g. ["captum", "zennit"]), --models (and --model), --warmup, --serve. Add more, then parse."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in sources:
        ap.add_argument(f"--{name}", required=True)
    ap.add_argument("--models", default=os.path.join(HERE, "models"))
    if model:
        ap.add_argument("--model", default="mobilenet_v2")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--serve", action="store_true", required=serve_required)
    return ap


def stub_and_add_sources(*paths):
    """Stub the reference libraries' optional imports (scripts/make_captum_fixtures.py), then
    put their source directories first on sys.path (the last given first)."""
    from make_captum_fixtures import stub_optional_modules

    stub_optional_modules()
    for path in paths:
        sys.path.insert(0, os.path.abspath(path))


def load_model(models_dir, name):
    """A torchvision model of bench/export_models.py with its saved weights, in eval mode."""
    from export_models import MODELS

    model = MODELS[name](weights=None)
    model.load_state_dict(torch.load(os.path.join(models_dir, f"{name}.pt"), map_location="cpu"))
    return model.eval()


def bench_input():
    """One [1, 3, 224, 224] input, as bench/methods.bench.ts: sin(i * 12.9898) * 0.5 (float32)."""
    per = 3 * 224 * 224
    return torch.tensor([math.sin(i * 12.9898) * 0.5 for i in range(per)], dtype=torch.float32).view(1, 3, 224, 224)


def timed(fn, n):
    """Wall times (ms) of n calls of fn."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def serve(runs, ready, warmup=1, before=None):
    """Print the `ready` JSON line, then answer "<name> <repeats> [warm]" requests until stdin ends
    (a name warms up on its first request, and again before each request marked warm).
    `before(name)`, when given, runs ahead of each request (lazy setup)."""
    warm = set()
    print(json.dumps({"ready": True, **ready}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        name, n = parts[0], int(parts[1]) if len(parts) > 1 else 1
        rewarm = len(parts) > 2 and parts[2] == "warm"  # one untimed run right before the timed ones
        if before is not None:
            before(name)
        if name not in warm or rewarm:
            timed(runs[name], warmup)
            warm.add(name)
        print(json.dumps({"name": name, "ms": timed(runs[name], n)}), flush=True)
