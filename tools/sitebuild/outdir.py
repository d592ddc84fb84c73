"""What ``--out`` a build may replace, and how the new site takes its place.

A build replaces a folder only when it can prove the folder is its own earlier build: every built site
holds MANIFEST, listing what the build wrote. Never the repository, web/, the home folder, the current
folder or /. The new site is swapped in with two renames. Building the site is assemble.py's.
"""

import json
import os
import shutil
from pathlib import Path

from .common import PACKAGE_DIR, ROOT, WEB_DIR, BuildError, site_files

MANIFEST = ".backprop-build.json"  # in every built site: proof that build.py wrote the folder
MANIFEST_SIGNATURE = "backprop build.py site"


def write_manifest(site, files):
    """site/MANIFEST, listing ``files`` (site_files of the finished site)."""
    (Path(site) / MANIFEST).write_text(
        json.dumps({"signature": MANIFEST_SIGNATURE, "files": files}, indent=0) + "\n", encoding="utf-8"
    )


def _protected(package_dir=PACKAGE_DIR, web_dir=WEB_DIR):
    """Folders a build never replaces, whatever they hold."""
    dirs = {Path("/"), Path.home(), ROOT, WEB_DIR, Path(web_dir), PACKAGE_DIR, Path(package_dir), Path.cwd()}
    return {d.resolve() for d in dirs}


def check_out_dir(out_dir, web_dir=WEB_DIR, package_dir=PACKAGE_DIR):
    """Refuse an --out that the build must not replace, before any work: a file, the repository, web/,
    the home folder, /, the current folder or an ancestor of the repository, or a non-empty folder
    that is not an earlier build (see check_only_ours)."""
    out_dir = Path(out_dir).resolve()
    if out_dir in _protected(package_dir, web_dir) or out_dir in ROOT.parents:
        raise BuildError(
            f"--out {out_dir} is a folder a build never replaces (the repository, web/, "
            "the home folder, the current folder or /); pick a new folder such as dist"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise BuildError(f"--out {out_dir} is a file, not a folder; pick a folder such as dist")
    check_only_ours(out_dir)


def check_only_ours(out_dir, new_files=()):
    """Raise BuildError unless out_dir is absent, empty, or provably an earlier build: it holds this
    build's manifest and nothing the manifest does not list. A build from before manifests existed
    (a config.json) counts when everything in it is something the new build writes too."""
    if not out_dir.exists() or not any(out_dir.iterdir()):
        return
    present = set(site_files(out_dir))
    manifest = out_dir / MANIFEST
    listed = None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("signature") == MANIFEST_SIGNATURE and isinstance(data.get("files"), list):
            listed = {f for f in data["files"] if isinstance(f, str)} | {MANIFEST}
    except (OSError, ValueError, AttributeError):
        pass
    if listed is None and (out_dir / "config.json").is_file() and new_files:
        listed = set(new_files) | {MANIFEST}  # an older build: judged by what a build writes
    if listed is None:
        if new_files or not (out_dir / "config.json").is_file():
            raise BuildError(
                f"{out_dir} exists and is not a previous build (no {MANIFEST}); refusing "
                "to replace it: pick another --out, or empty it yourself"
            )
        return  # an older build: judged again once the new site's files are known
    foreign = sorted(present - listed)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise BuildError(
            f"{out_dir} is not a previous build (it holds {shown}, which no build wrote); "
            "refusing to replace it: pick another --out, or move those files out"
        )


def swap_in(new, out_dir):
    """Replace out_dir by new with two renames, so there is never a half-written out_dir."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, old)
    os.replace(new, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
