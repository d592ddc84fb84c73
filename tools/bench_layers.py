"""Browser benchmark for the layers of chapters 3 and 6: training speed in the page against CPython, same work.

    python3 tools/bench_layers.py [--site DIR] [--pyodide-dir DIR] [--repeats 3] [--only dense|conv]

Prints figures; asserts nothing. For each network below: one epoch of 10,000 digits (the conv network's:
2,000, its steps being ~6× the work), mini-batch 10, monitors off (only SGD timed), in a worker of the
page's own code (js/worker.js, the WebAssembly kernel on: backend "auto") and through the same wire in
CPython; one untimed epoch first, then the median of --repeats. For a like-for-like single core, run it
with OPENBLAS_NUM_THREADS=1 (the page's worker is one thread). The page's summary says which fast path
ran ("step": the whole-step kernel, "products": the products-only kernel under numpy's step), printed
beside.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench_page import EPOCH, WORKER_RUNS, cpython_runs, for_cpython
from chromium import CHROMIUM, launch
from sitebuild.assemble import build_site
from sitebuild.serve import serve_dir

# (label, the settings that differ from network2's 784-100-10 cross-entropy run)
NETWORKS = [
    ("sigmoid (network2)", {}),
    ("tanh", {"activation": "tanh", "eta": 0.1}),
    (
        "ReLU + softmax, log-likelihood",
        {"activation": "relu", "cost": "log-likelihood", "output": "softmax", "eta": 0.1},
    ),
    (
        "ReLU + softmax, dropout 0.5",
        {"activation": "relu", "cost": "log-likelihood", "output": "softmax", "eta": 0.1, "dropout": 0.5},
    ),
    ("sigmoid, momentum 0.9", {"momentum": 0.9, "eta": 0.05}),
    ("sigmoid, L1", {"regularization": "l1", "lmbda": 1.0}),
]
# chapter 6: a network3-sized conv-pool layer (its run 2 with ReLU), on 1×28×28 digits
CONV = [
    (
        "conv 20×5×5 ReLU, pool 2, 100 ReLU",
        {
            "convolutions": "conv:20:5:relu,pool:2",
            "activation": "relu",
            "cost": "log-likelihood",
            "output": "softmax",
            "eta": 0.03,
            "lmbda": 0.0,
            "train_size": 2000,
        },
    ),
]


def runs(networks, repeats):
    base = {**EPOCH, "hidden": [100], "monitor": False, "backend": "auto"}
    return [{**base, **change} for _, change in networks for _ in range(1 + repeats)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temp dir)")
    parser.add_argument("--pyodide-dir", help="Pyodide files for the build (default: PYODIDE_DIR)")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per network (default 3)")
    parser.add_argument("--only", choices=("dense", "conv"), help="only chapter 3's dense networks, or the conv one")
    args = parser.parse_args(argv)
    networks = {"dense": NETWORKS, "conv": CONV}.get(args.only, NETWORKS + CONV)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    if not Path(CHROMIUM).exists():
        print(f"bench_layers: no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_site(
            Path(tmp) / "dist", pyodide="self", pyodide_dir=args.pyodide_dir, log=lambda *a: None
        )
        requests = runs(networks, args.repeats)
        server, url = serve_dir(Path(site))
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = browser.new_context(bypass_csp=True).new_page()  # string predicates use eval
                page.goto(url)
                page.wait_for_function("window.__app && window.__app.mode === 'ready'", timeout=180_000)
                answer = page.evaluate(WORKER_RUNS, requests)
                version = browser.version
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
        cpy = cpython_runs(Path(site), [for_cpython(r) for r in requests])

    page_runs = answer["summaries"]
    print(f"Chromium {version}, headless; kernel: {answer['kernel']}")
    print(
        "one epoch of 784-…-100-10, mini-batch 10, SGD only, examples/s "
        f"(median of {args.repeats} after an untimed epoch):"
    )
    print(f"  {'network':34} {'digits':>7} {'page':>9} {'CPython':>9} {'page/CPython':>13}  fast path")
    per = 1 + args.repeats
    for i, (label, change) in enumerate(networks):
        b = statistics.median(r["examples_per_s"] for r in page_runs[i * per + 1 : (i + 1) * per])
        c = statistics.median(r["examples_per_s"] for r in cpy[i * per + 1 : (i + 1) * per])
        path = f"{page_runs[i * per]['backend']}, {page_runs[i * per]['step']}"
        digits = change.get("train_size", EPOCH["train_size"])
        print(f"  {label:34} {digits:>7,} {b:>9,.0f} {c:>9,.0f} {b / c:>12.2f}×  {path}")
    print("  goal: ≥ 0.5× CPython, as for sigmoid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
