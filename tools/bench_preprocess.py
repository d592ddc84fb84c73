"""How long ``backprop.data.preprocess.mnist_like`` takes on a 280x280 drawing, in CPython and in Pyodide.

    python3 tools/bench_preprocess.py [--repeats 200] [--pyodide-dir DIR]

The inputs are the ten committed drawn digits (tests/data/drawn_digits.json) rasterised by
tests/drawing.py, as uint8 alpha like the page's canvas gives. Prints the median time per call and the
slowest digit's median; with a Pyodide directory (``--pyodide-dir`` or PYODIDE_DIR) and node on PATH it
also runs the same loop inside Pyodide under node, the page's numpy build, and prints the ratio.
"""

import argparse
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"  # drawing.py (the tests' rasteriser) and the Node runner for Pyodide
for p in (ROOT / "py", TESTS):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from drawing import load_drawn_digits, rasterise  # noqa: E402  (after the path set-up)
from sitebuild.assemble import write_package_zip  # noqa: E402  (tools/, this script's folder)


def time_digits(doc, repeats):
    """Median seconds of mnist_like per digit; also runs in Pyodide (its source is sent there)."""
    import statistics

    import numpy as np

    from backprop.data.preprocess import mnist_like

    mnist_like(np.ones((2, 2)))  # warm-up: first calls in Pyodide compile code paths
    medians = []
    for d in range(10):
        ink = np.round(rasterise(doc["digits"][str(d)], doc["canvas"], doc["line_width"]) * 255).astype(np.uint8)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            mnist_like(ink)
            times.append(time.perf_counter() - t0)
        medians.append(statistics.median(times))
    return medians


def report(where, medians):
    ms = [m * 1e3 for m in medians]
    print(
        f"{where}: mnist_like on 280x280 uint8: median {statistics.median(ms):.3f} ms per drawing "
        f"(slowest digit {max(ms):.3f} ms; per digit 0-9: {' '.join(f'{m:.2f}' for m in ms)})"
    )
    return statistics.median(ms)


def run_pyodide(pyodide_dir, doc, repeats):
    node = shutil.which("node")
    if node is None:
        print("Pyodide: skipped (node not on PATH)")
        return None
    # rasterise's source comes from drawing.py itself, so both homes time the same ink
    drawing_src = (TESTS / "drawing.py").read_text(encoding="utf-8")
    script = (
        drawing_src
        + "\n"
        + inspect.getsource(time_digits)
        + f"\nimport json\nprint('MEDIANS', json.dumps(time_digits(json.loads({json.dumps(json.dumps(doc))}), "
        f"{repeats})))\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.py"
        path.write_text(script.replace("DRAWN_DIGITS = Path(__file__)", "DRAWN_DIGITS = Path('.')"), encoding="utf-8")
        package = write_package_zip(Path(tmp) / "backprop.zip")  # the harness loads the zip the page ships
        done = subprocess.run(
            [node, str(TESTS / "pyodide" / "run_in_pyodide.mjs"), str(pyodide_dir), str(package), str(path)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("MEDIANS ")), None)
    if done.returncode != 0 or line is None:
        print(f"Pyodide: failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        return None
    return report("Pyodide 0.27.7 (node)", json.loads(line[len("MEDIANS ") :]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--pyodide-dir", default=os.environ.get("PYODIDE_DIR"))
    args = parser.parse_args(argv)
    doc = load_drawn_digits()
    cpython = report(f"CPython {sys.version.split()[0]}", time_digits(doc, args.repeats))
    if args.pyodide_dir:
        pyodide = run_pyodide(args.pyodide_dir, doc, args.repeats)
        if pyodide is not None:
            print(f"Pyodide / CPython: {pyodide / cpython:.1f}x")
    else:
        print("Pyodide: skipped (set PYODIDE_DIR or pass --pyodide-dir)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
