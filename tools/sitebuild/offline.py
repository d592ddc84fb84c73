"""The service worker's list of the built site (sw-manifest.json) and the build id stamped into sw.js.

What web/sw.js does with them (precaching, answering offline, replacing an old build) is the page's;
this module only says which files the built site has and what they hash to.
"""

import hashlib
import json
from pathlib import Path

from .common import BuildError, sha256_file, site_files
from .data import FULL_DATA_NAME
from .outdir import MANIFEST
from .pyodide import PYODIDE_DIR_NAME

# The service worker (web/sw.js) keeps every file of the built site but these: itself and its manifest,
# notes for hosts and build.py, and the optional full MNIST, which it keeps once the page has fetched it.
OFFLINE_SKIP = frozenset({"sw.js", "sw-manifest.json", "_headers", MANIFEST})
OFFLINE_LAZY = (f"data/{FULL_DATA_NAME}",)
SW_BUILD_LINE = 'const BUILD = "dev";'


def write_offline_manifest(site, known=None, skip=()):
    """Write site/sw-manifest.json ({build, files: {path: sha256}, lazy: [paths]}) and stamp the build
    id into site/sw.js, so that a changed site is a changed service worker. The id is a hash of the
    listed paths and hashes: the same files, the same id. ``known``: {name in pyodide/: sha256}
    already verified, not hashed again; ``skip``: files the page no longer fetches (replaced by a
    trimmed or compressed twin, trim.py), left out too. Returns the build id, or None for a page without a sw.js."""
    site, known = Path(site), known or {}
    sw = site / "sw.js"
    if not sw.is_file():
        return None  # nothing would read the manifest
    text = sw.read_text(encoding="utf-8")
    if text.count(SW_BUILD_LINE) != 1:
        raise BuildError(f"{sw} must hold the line {SW_BUILD_LINE!r} once (build.py writes the build id there)")
    lazy = [p for p in OFFLINE_LAZY if (site / p).is_file()]
    files = {}
    for rel in site_files(site):
        if rel.endswith("/") or rel in OFFLINE_SKIP or rel in lazy or rel in skip:
            continue
        name = rel.removeprefix(f"{PYODIDE_DIR_NAME}/")
        files[rel] = (
            known[name] if rel.startswith(f"{PYODIDE_DIR_NAME}/") and name in known else sha256_file(site / rel)
        )
    build = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    (site / "sw-manifest.json").write_text(
        json.dumps({"build": build, "files": files, "lazy": lazy}, indent=1) + "\n", encoding="utf-8"
    )
    sw.write_text(text.replace(SW_BUILD_LINE, f'const BUILD = "{build}";'), encoding="utf-8")
    return build
