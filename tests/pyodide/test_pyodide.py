"""The core package in its second home: Pyodide 0.27.7 (Python 3.12, numpy 2.0.2), run by Node."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ci_support import ROOT, skip_or_fail

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def package_zip(tmp_path_factory):
    """The package as the page gets it: build.py's archive (the command line's folder left out)."""
    import build

    return build.write_package_zip(tmp_path_factory.mktemp("pkg") / "backprop.zip")


def run_in_pyodide(package_zip, script, *extra):
    pyodide_dir = os.environ.get("PYODIDE_DIR")
    node = shutil.which("node")
    if not pyodide_dir:
        skip_or_fail("PYODIDE_DIR is not set (a folder with Pyodide 0.27.7 and its numpy wheel)")
    if not node:
        skip_or_fail("node is not installed")
    proc = subprocess.run(
        [node, str(HERE / "run_in_pyodide.mjs"), pyodide_dir, str(package_zip), str(HERE / script), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "FAIL" not in out, out
    assert " 0 failed" in out and "checks ok" in out, out
    return out


def test_core_contracts_hold_in_pyodide(package_zip):
    run_in_pyodide(package_zip, "core_in_pyodide.py")


def test_the_layers_contracts_hold_in_pyodide(package_zip):
    """ReLU, tanh, softmax, L1, dropout, momentum, the superset JSON and the lab's new exercises on wasm32."""
    run_in_pyodide(package_zip, "layers_in_pyodide.py")


def test_what_the_views_compute_holds_in_pyodide(package_zip):
    """metrics, preprocess, augment and units on wasm32, where numpy's index type is int32."""
    run_in_pyodide(package_zip, "views_in_pyodide.py")


def test_wasm_kernel_equals_numpy_in_pyodide(package_zip):
    """Node's WebAssembly has SIMD: js/kernel.js installs web/kernel/gemm.wasm as the page does."""
    run_in_pyodide(package_zip, "kernel_in_pyodide.py", str(ROOT / "web" / "kernel" / "gemm.wasm"))


def test_everything_the_page_and_the_lab_import_loads_from_the_trimmed_files(package_zip, tmp_path, monkeypatch):
    """The site's py/python_stdlib.zip and numpy wheel (sitebuild/trim.py, compiled.py) hold every module
    the page's, the lab's and Pyodide's own Python import: Python is started from them, as the page
    starts it (a copy of Pyodide's folder whose numpy wheel and lock file are the trimmed ones, the
    modules the page imports compiled as the build compiles them)."""
    from sitebuild import trim

    pyodide_dir = os.environ.get("PYODIDE_DIR")
    if not pyodide_dir:
        skip_or_fail("PYODIDE_DIR is not set (a folder with Pyodide 0.27.7 and its numpy wheel)")
    trimmed = tmp_path / "python_stdlib.zip"
    folder = tmp_path / "pyodide"
    folder.mkdir()
    wheel = next(f for f in Path(pyodide_dir).iterdir() if f.suffix == ".whl" and f.name.startswith("numpy-"))
    kept, dropped, counts = trim.write_python_archives(
        Path(pyodide_dir) / "python_stdlib.zip", trimmed, wheel, folder / wheel.name,
        pyodide_dir=pyodide_dir, package=package_zip,
    )  # fmt: skip
    if counts is None:
        skip_or_fail("Node.js 18 or later is needed to compile the modules as the build does")
    assert "email/__init__.pyc" not in kept and any(n.startswith("json/") for n in kept)
    wheel_sha = trim.sha256_bytes((folder / wheel.name).read_bytes())
    for f in Path(pyodide_dir).iterdir():
        if f.name == "pyodide-lock.json":
            trim.write_trimmed_lock(f, folder / f.name, wheel_sha)
        elif f != wheel:
            (folder / f.name).symlink_to(f.resolve())
    assert any(n.startswith("numpy/f2py/") for n in dropped) and any("_umath_tests" in n for n in dropped)
    monkeypatch.setenv("STDLIB_ZIP", str(trimmed))
    monkeypatch.setenv("PYODIDE_DIR", str(folder))
    out = run_in_pyodide(package_zip, "stdlib_in_pyodide.py", "-")
    assert "ok   import backprop.page.session" in out and "ok   import asyncio" in out, out
    assert "ok   numpy's trimmed wheel: no f2py, no test extension modules" in out, out
    numeric = "/lib/python3.12/site-packages/numpy/_core/numeric.pyc"
    assert f"came from: /lib/python312.zip/asyncio/__init__.pyc {numeric} Dot product of two arrays." in out, out


def test_the_snapshot_after_imports_restores_the_same_interpreter_and_refuses_a_mismatch(package_zip):
    """web/js/imported-snapshot.js under Node: numpy's libraries put back where the snapshot expects
    them give an interpreter that computes what the original did; a bundle of another build or version,
    or whose libraries would land elsewhere, is refused by name and the normal load still works."""
    pyodide_dir = os.environ.get("PYODIDE_DIR")
    node = shutil.which("node")
    if not pyodide_dir or not node:
        skip_or_fail("PYODIDE_DIR is not set or node is not installed")
    proc = subprocess.run(
        [node, str(HERE / "snapshot_in_node.mjs"), pyodide_dir, str(package_zip)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr[-3000:]
    assert proc.returncode == 0 and "checks ok" in out, out
    assert "ok restored: the same results" in out and out.count("ok refused") == 7, out
