"""metrics, preprocess and augment in the page's Python: Pyodide 0.27.7 (wasm32, numpy 2.0.2), run by Node."""

import os
import shutil
import subprocess
from pathlib import Path

from ci_support import ROOT, skip_or_fail

HERE = Path(__file__).parent / "pyodide"


def test_library_views_hold_in_pyodide():
    pyodide_dir = os.environ.get("PYODIDE_DIR")
    node = shutil.which("node")
    if not pyodide_dir:
        skip_or_fail("PYODIDE_DIR is not set (a folder with Pyodide 0.27.7 and its numpy wheel)")
    if not node:
        skip_or_fail("node is not installed")
    proc = subprocess.run([node, str(HERE / "run_in_pyodide.mjs"), pyodide_dir, str(ROOT / "py" / "backprop"),
                           str(HERE / "library_checks.py")], capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr[-3000:]
    assert proc.returncode == 0, out
    assert "FAIL" not in out, out
    assert "0 failed" in out and "5 checks ok" in out, out
