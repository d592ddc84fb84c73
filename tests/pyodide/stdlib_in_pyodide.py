"""Everything the page and the lab import, imported from the standard library Python was started with
(run with the site's trimmed py/python_stdlib.zip: tests/pyodide/test_trimmed_stdlib.py).

What is imported: every module of the backprop package the page ships, every standard-library module
any of them imports anywhere (top level or inside a function: read from their source with ast), what
Pyodide's own Python and the workers use (pyodide.ffi, the event loop, unpacking archives, tracebacks),
numpy's submodules and np.load of an .npz, and one lab check and a session over a tiny subset.
"""

import ast
import importlib
import importlib.util
import io
import pkgutil
import sys
from pathlib import Path

import numpy as np

import backprop
from expect import check, expect, report

STDLIB_ZIP = next((p for p in sys.path if p.endswith(".zip") and "python3" in p), "")
check("Python runs from a standard-library zip", bool(STDLIB_ZIP), str(sys.path))

package = Path(backprop.__file__).parent
modules = sorted(
    name for _, name, _ in pkgutil.walk_packages([str(package)], "backprop.") if not name.startswith("backprop.cli")
)
stdlib = set()
for path in package.rglob("*.py"):
    if "cli" in path.relative_to(package).parts:
        continue
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            stdlib.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            stdlib.add(node.module)
# backprop.data.mnist downloads MNIST for the command line (imported inside that function: the page
# never downloads MNIST, and there is no network at run time); its urllib.request is not shipped.
NOT_IN_THE_PAGE = {"urllib.request", "urllib.error"}
stdlib = sorted(n for n in stdlib if n.split(".")[0] in sys.stdlib_module_names and n not in NOT_IN_THE_PAGE)
check("the package imports some of the standard library", len(stdlib) > 10, str(stdlib))

# Pyodide's and the workers' own: the FFI, the event loop (run_until_complete, runPythonAsync),
# unpackArchive, error messages; numpy's submodules; what a learner's lab code commonly imports.
EXTRA = [
    "pyodide", "pyodide.ffi", "pyodide.code", "pyodide.webloop", "_pyodide._base", "pyodide._package_loader",
    "asyncio", "shutil", "zipfile", "gzip", "importlib.metadata", "traceback", "warnings", "json",
    "linecache", "tokenize", "inspect", "dataclasses", "typing", "textwrap", "numbers", "math", "random",
    "itertools", "functools", "collections", "copy", "pprint", "statistics", "time", "hashlib", "base64",
    "secrets", "tempfile", "io", "re", "string", "struct", "weakref", "contextlib", "operator", "enum",
    "email.policy",  # extends email._policybase's docstrings (tools/sitebuild/compile_in_pyodide.py)
    "numpy.random", "numpy.linalg", "numpy.fft", "numpy.lib.format", "numpy.polynomial", "numpy.ma",
    "numpy.typing", "numpy.ctypeslib", "numpy.strings", "numpy.char", "numpy.rec",
]  # fmt: skip
for name in sorted(set(modules + stdlib + EXTRA)):
    try:
        importlib.import_module(name)
        check(f"import {name}", True)
    except Exception as e:
        check(f"import {name}", False, f"{type(e).__name__}: {e}")


@expect("np.load of an .npz written here (numpy's format module, zipfile)")
def _():
    buf = io.BytesIO()
    np.savez_compressed(buf, x=np.arange(6, dtype=np.uint8).reshape(2, 3))
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        assert z["x"].tolist() == [[0, 1, 2], [3, 4, 5]]


@expect("a traceback is formatted (the page's error messages)")
def _():
    import traceback

    try:
        raise ValueError("expected 784 inputs, got 3")
    except ValueError:
        assert "expected 784 inputs" in traceback.format_exc()


# the site's archives hold the modules the page imports compiled (tools/sitebuild/compiled.py): the
# test looks for this line; np.dot keeps the documentation numpy's C code takes from its dispatcher
import asyncio  # noqa: E402

import numpy._core.numeric  # noqa: E402

print(f"came from: {asyncio.__file__} {numpy._core.numeric.__file__} {np.dot.__doc__.split(chr(10))[3].strip()}")

# started with the site's trimmed numpy wheel (the test says so, and looks for this line): what it left out
if importlib.util.find_spec("numpy.f2py") is None:
    left_out = ("numpy.testing", "numpy._core._umath_tests")  # numpy.testing needs unittest: not in the page
    check("numpy's trimmed wheel: no f2py, no test extension modules", not any(map(importlib.util.find_spec, left_out)))


report()
