"""``bench``: the CPython figures (backprop.cli.bench, in this process), then the browser's
(tools/bench_page.py on a fresh build, in its own process: it needs Playwright and Chromium, and the
build imports no browser code). Prints figures; the benches themselves say what they measure.
"""

import subprocess
import sys

from .assemble import build_site
from .common import DATA_DIR, ROOT, import_backprop

BENCH_PAGE = ROOT / "tools" / "bench_page.py"
BENCH_FIRST = ROOT / "tools" / "bench_first.py"


def run_first_visit(runs=3):
    """Issue 19's figures (tools/bench_first.py, in its own process): today's site beside this tree's."""
    print(f"== first and second visits ({BENCH_FIRST.relative_to(ROOT)}) ==", flush=True)
    return subprocess.run([sys.executable, str(BENCH_FIRST), "--runs", str(runs)]).returncode


def run_bench(out_dir, pyodide, pyodide_dir, cpython=True, browser=True):
    """Print CPython figures (backprop.cli.bench) and browser figures (tools/bench_page.py); returns the
    exit status: 1 when either could not run."""
    status = 0
    if cpython:
        import_backprop()
        try:
            from backprop.cli import bench
        except ImportError as e:
            print(f"CPython bench unavailable: {e}")
            status = 1
        else:
            print("== CPython (python -m backprop bench) ==", flush=True)
            bench.run_bench(subset=DATA_DIR / "mnist-subset.npz")
    if browser:
        print(f"== headless Chromium ({BENCH_PAGE.relative_to(ROOT)}) ==", flush=True)
        site = build_site(out_dir, pyodide, pyodide_dir)
        status |= subprocess.run([sys.executable, str(BENCH_PAGE), "--site", str(site)]).returncode
    return status
