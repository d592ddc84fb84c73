"""Python's modules compiled at build time, so a first visit does not compile them (issue 19).

``compile_ahead`` runs compile_modules.mjs under Node with the site's checked copy of Pyodide: the
trimmed standard library and numpy's wheel are rewritten in place, each module the page imports as
bytecode (compile_in_pyodide.py says which, how and why). The same input gives the same bytes.

Without Node.js (18 or later) the build still works and says so: the archives stay source, and a
visit without a start-up snapshot compiles them again (about 1.3 s of a cold start here).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .common import BuildError

SCRIPT = Path(__file__).with_name("compile_modules.mjs")
NODE_MAJOR = 18  # Pyodide 0.27 runs under Node 18 and later
TIMEOUT_S = 600


def _node():
    """The ``node`` command (or $NODE) when it is 18 or later, else (None, why not)."""
    node = shutil.which(os.environ.get("NODE", "node"))
    if not node:
        return None, "Node.js was not found"
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        return None, f"{node} --version failed ({e})"
    match = re.match(r"v(\d+)\.", version)
    if not match or int(match.group(1)) < NODE_MAJOR:
        return None, f"{node} is {version or 'of an unknown version'}; Pyodide needs Node.js {NODE_MAJOR} or later"
    return node, None


def compile_ahead(pyodide_dir, stdlib, wheel, package, log=print):
    """Rewrite ``stdlib`` (the trimmed python_stdlib.zip) and ``wheel`` (numpy's) in place with their
    imported modules compiled, by Pyodide from ``pyodide_dir`` importing ``package`` (backprop.zip).
    Returns {"stdlib": [compiled, left as source], "numpy": [...]}, or None when there is no usable
    Node (logged). A failure inside Pyodide is a BuildError: the page would meet it too."""
    node, why = _node()
    if not node:
        log(f"note: {why}: Python's modules are not compiled ahead (a first visit starts about 1.3 s slower)")
        return None
    stdlib, wheel = Path(stdlib), Path(wheel)
    with tempfile.TemporaryDirectory(prefix="backprop-pyc-") as tmp:
        job = {
            "pyodide_dir": str(pyodide_dir),
            "stdlib": str(stdlib),
            "wheel": str(wheel),
            "package": str(package),
            "stdlib_out": str(Path(tmp) / stdlib.name),
            "wheel_out": str(Path(tmp) / wheel.name),
        }
        (Path(tmp) / "job.json").write_text(json.dumps(job), encoding="utf-8")
        try:
            run = subprocess.run(
                [node, str(SCRIPT), str(Path(tmp) / "job.json")], capture_output=True, text=True, timeout=TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            raise BuildError(f"compiling Python's modules under Node took over {TIMEOUT_S} s") from None
        if run.returncode != 0:
            tail = "\n".join((run.stderr or run.stdout).strip().splitlines()[-8:])
            raise BuildError(f"compiling Python's modules under Node failed (exit {run.returncode}):\n{tail}")
        report = json.loads(run.stdout.strip().splitlines()[-1])
        shutil.copyfile(job["stdlib_out"], stdlib)
        shutil.copyfile(job["wheel_out"], wheel)
    return report
