"""The core package in its second home: Pyodide 0.27.7 (Python 3.12, numpy 2.0.2), run by Node."""

import os
import shutil
import subprocess
from pathlib import Path

from ci_support import ROOT, skip_or_fail

HERE = Path(__file__).parent / "pyodide"


def run_in_pyodide(script, *extra):
    pyodide_dir = os.environ.get("PYODIDE_DIR")
    node = shutil.which("node")
    if not pyodide_dir:
        skip_or_fail("PYODIDE_DIR is not set (a folder with Pyodide 0.27.7 and its numpy wheel)")
    if not node:
        skip_or_fail("node is not installed")
    proc = subprocess.run([node, str(HERE / "run_in_pyodide.mjs"), pyodide_dir, str(ROOT / "py" / "backprop"),
                           str(HERE / script), *extra], capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "FAIL" not in out, out
    assert " 0 failed" in out and "checks ok" in out, out
    return out


def test_core_contracts_hold_in_pyodide():
    run_in_pyodide("core_checks.py")


def test_what_the_views_compute_holds_in_pyodide():
    """metrics, preprocess, augment and units on wasm32, where numpy's index type is int32."""
    run_in_pyodide("library_checks.py")


def test_wasm_kernel_equals_numpy_in_pyodide():
    """Node's WebAssembly has SIMD: js/kernel.js installs web/kernel/gemm.wasm as the page does."""
    run_in_pyodide("kernel_checks.py", str(ROOT / "web" / "kernel" / "gemm.wasm"))
