"""What every part of the build needs: the repository's folders, the two errors (exit 2 and exit 1),
sha256 of a file, the package's atomic writer, a folder's listing, and the package for the numpy parts.

Nothing here imports numpy; ``import_backprop`` does, when the data or bench command calls it.
"""

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = ROOT / "web"
DATA_DIR = WEB_DIR / "data"
PACKAGE_DIR = ROOT / "py" / "backprop"
DEFAULT_OUT = ROOT / "dist"


class BuildError(RuntimeError):
    """A build that cannot go on: a missing or tampered file, a bad --out, a busy port (exit 2)."""


class DownloadFailed(BuildError):
    """A download did not arrive: the network, not the user's input (exit 1)."""


def _load_fileio():
    """backprop/fileio.py, the package's one atomic writer, loaded from its file: importing the
    package would import numpy, and build/serve run on the standard library alone."""
    spec = importlib.util.spec_from_file_location("_backprop_fileio", PACKAGE_DIR / "fileio.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fileio = _load_fileio()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def site_files(folder):
    """Every file and folder under ``folder`` as sorted relative POSIX paths (folders end in /)."""
    folder = Path(folder)
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        out += [f"{(rel / d).as_posix()}/" for d in dirnames]
        out += [(rel / f).as_posix() for f in filenames]
    return sorted(out)


def import_backprop():
    """numpy and the package from ./py (the data and bench paths only; build/serve stay stdlib)."""
    py = str(ROOT / "py")
    if py not in sys.path:
        sys.path.insert(0, py)
    try:
        import numpy as np

        import backprop
    except ImportError as e:
        raise SystemExit(f"build.py data/bench need numpy and ./py/backprop: {e}") from None
    return np, backprop
