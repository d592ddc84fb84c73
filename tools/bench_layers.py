"""Browser benchmark for the layers of chapter 3: training speed in the page against CPython, same work.

    python3 tools/bench_layers.py [--site DIR] [--pyodide-dir DIR] [--repeats 3]

Prints figures; asserts nothing. For each network below: one epoch of 10,000 digits, mini-batch 10,
monitors off (only SGD timed), in a worker of the page's own code (js/worker.js, the WebAssembly kernel
on: backend "auto") and through the same wire in CPython; one untimed epoch first, then the median of
--repeats. The page's summary says which fast path ran ("step": the whole-step kernel, "products": the
products-only kernel under numpy's step), printed beside.
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


def runs(repeats):
    base = {**EPOCH, "hidden": [100], "monitor": False, "backend": "auto"}
    return [{**base, **change} for _, change in NETWORKS for _ in range(1 + repeats)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temp dir)")
    parser.add_argument("--pyodide-dir", help="Pyodide files for the build (default: PYODIDE_DIR)")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per network (default 3)")
    args = parser.parse_args(argv)
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
        requests = runs(args.repeats)
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
        "one epoch of 784-100-10, mini-batch 10, 10,000 digits, SGD only, examples/s "
        f"(median of {args.repeats} after an untimed epoch):"
    )
    print(f"  {'network':34} {'page':>9} {'CPython':>9} {'page/CPython':>13}  fast path")
    per = 1 + args.repeats
    for i, (label, _) in enumerate(NETWORKS):
        b = statistics.median(r["examples_per_s"] for r in page_runs[i * per + 1 : (i + 1) * per])
        c = statistics.median(r["examples_per_s"] for r in cpy[i * per + 1 : (i + 1) * per])
        path = f"{page_runs[i * per]['backend']}, {page_runs[i * per]['step']}"
        print(f"  {label:34} {b:>9,.0f} {c:>9,.0f} {b / c:>12.2f}×  {path}")
    print("  goal: ≥ 0.5× CPython, as for sigmoid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
