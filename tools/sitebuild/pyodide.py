"""Pyodide: what the page needs, where it comes from, and the hashes that make it trustworthy.

The pinned release (version, URLs, build id, the core files' sha256), checking a local folder against
the pins (``verify_pyodide_dir``), and fetching a verified copy into the download cache
(``fetch_pyodide``). Copying the files into a site is the build's (assemble.py), through
``copy_verified``; serving them with long cache headers is serve.py's.
"""

import hashlib
import json
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from .common import BuildError, DownloadFailed, fileio, sha256_file

PYODIDE_VERSION = "0.27.7"
PYODIDE_CDN_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
PYODIDE_NPM_URL = f"https://registry.npmjs.org/pyodide/-/pyodide-{PYODIDE_VERSION}.tgz"

# sha256 of the npm package pyodide@0.27.7's files, unchanged (checked against the registry tarball).
# These pins are the root of trust: pyodide-lock.json is pinned here, and it pins every wheel.
PYODIDE_CORE_SHA256 = {
    "pyodide.js": "b4cb23a53aba19c221659b9fb40a2f18281d685691dc06647fb0afd0681baf98",
    "pyodide.mjs": "04c052c815abb0bf2981fa38c2dfa58e3120ee5288c956df2b2a15e301782c5f",
    "pyodide.asm.js": "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
    "pyodide.asm.wasm": "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
    "python_stdlib.zip": "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
    "pyodide-lock.json": "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c",
}
# Pyodide's build id, as pyodide.mjs (pinned above) states it: the key of the page's start-up snapshot
# in Cache Storage (web/js/snapshot.js); Pyodide refuses a snapshot of another build on its own too.
PYODIDE_BUILD_ID = "e94377f5ce7dcf67e0417b69a0016733c2cfb6b4622ee8c490a6f17eb58e863b"
PYODIDE_PACKAGES = ("numpy",)  # wheels the page loads; file names and hashes come from the lock file

PYODIDE_DIR_NAME = "pyodide"  # dist/pyodide/: self-hosted Pyodide
PINNED_CACHE_CONTROL = "public, max-age=31536000, immutable"


def check_hash(path, expected, what=None):
    """Raise BuildError unless ``path`` exists with sha256 ``expected``."""
    path = Path(path)
    if not path.is_file():
        raise BuildError(f"Pyodide file missing: {what or path} (expected sha256 {expected})")
    actual = sha256_file(path)
    if actual != expected:
        raise BuildError(
            f"sha256 mismatch for {what or path}: expected {expected}, got {actual} "
            "(corrupted or tampered; refusing to use it)"
        )


def wheels_from_lock(lock_path):
    """(file_name, sha256) of each package in PYODIDE_PACKAGES, read from a VERIFIED pyodide-lock.json."""
    lock = json.loads(Path(lock_path).read_text(encoding="utf-8"))
    wheels = []
    for name in PYODIDE_PACKAGES:
        try:
            entry = lock["packages"][name]
            wheels.append((entry["file_name"], entry["sha256"]))
        except (KeyError, TypeError):
            raise BuildError(f"{lock_path} has no packages.{name} entry with file_name and sha256") from None
    return wheels


def verify_pyodide_dir(directory):
    """{file name: path} of everything the page needs from a local Pyodide folder, each hash-checked.

    Nothing is trusted by its name: the core files against the pins above, the wheels against the
    hashes the (pinned) lock file lists.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise BuildError(f"Pyodide folder {directory} does not exist (from --pyodide-dir or PYODIDE_DIR)")
    files = {}
    for name, expected in PYODIDE_CORE_SHA256.items():
        check_hash(directory / name, expected)
        files[name] = directory / name
    for name, expected in wheels_from_lock(files["pyodide-lock.json"]):
        check_hash(directory / name, expected)
        files[name] = directory / name
    return files


def pyodide_cache_dir():
    root = os.environ.get("BACKPROP_CACHE") or Path.home() / ".cache" / "backprop"
    return Path(root) / f"pyodide-{PYODIDE_VERSION}"


def _download(url, dest, log):
    """Fetch ``url`` into ``dest`` via a temporary file; any failure is a BuildError naming the URL."""
    log(f"downloading {url}")
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "backprop-build"})
        with urllib.request.urlopen(request, timeout=60) as response:
            fileio.write_atomically(dest, lambda f: shutil.copyfileobj(response, f, 1 << 20))
    except (urllib.error.URLError, OSError, ValueError) as e:
        if isinstance(e, urllib.error.HTTPError):
            reason = f"HTTP {e.code} {e.reason}"
        else:
            reason = getattr(e, "reason", None) or e
        raise DownloadFailed(
            f"could not download {url}: {reason}. Without internet access, point "
            f"PYODIDE_DIR (or --pyodide-dir) at a folder with Pyodide {PYODIDE_VERSION} "
            "and its numpy wheel, or build with --pyodide cdn."
        ) from None


def _extract_core(tarball, cache, names, url):
    """Copy ``package/<name>`` members out of the npm tarball into the cache (no extractall: no paths
    from the archive ever reach the file system)."""
    try:
        with tarfile.open(tarball, "r:gz") as tf:
            for name in names:
                try:
                    member = tf.getmember(f"package/{name}")
                except KeyError:
                    raise BuildError(
                        f"{url} has no package/{name}; is it the pyodide {PYODIDE_VERSION} npm package?"
                    ) from None
                if not member.isfile():
                    raise BuildError(f"package/{name} in {url} is not a regular file")
                with tf.extractfile(member) as src:
                    fileio.write_atomically(cache / name, lambda dst: shutil.copyfileobj(src, dst, 1 << 20))
    except (tarfile.TarError, OSError, EOFError) as e:
        raise BuildError(f"{url} is not a readable .tgz: {e}") from None


def fetch_pyodide(cache=None, log=print):
    """{file name: path} of the page's Pyodide files in the download cache, fetching what is missing.

    Core files come from the npm registry tarball, wheels from the Pyodide CDN; both URLs can be
    overridden (PYODIDE_NPM_URL, PYODIDE_CDN_URL) for a mirror. Cached files are re-verified every
    time and fetched again when they do not match.
    """
    cache = Path(cache) if cache else pyodide_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)

    def good(name, expected):
        return (cache / name).is_file() and sha256_file(cache / name) == expected

    stale = [n for n, h in PYODIDE_CORE_SHA256.items() if not good(n, h)]
    if stale:
        url = os.environ.get("PYODIDE_NPM_URL") or PYODIDE_NPM_URL
        tarball = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
        try:
            _download(url, tarball, log)
            _extract_core(tarball, cache, stale, url)
        finally:
            tarball.unlink(missing_ok=True)
        for name in stale:
            check_hash(cache / name, PYODIDE_CORE_SHA256[name], f"{name} from {url}")
    files = {name: cache / name for name in PYODIDE_CORE_SHA256}
    base = os.environ.get("PYODIDE_CDN_URL") or PYODIDE_CDN_URL
    base = base if base.endswith("/") else base + "/"
    for name, expected in wheels_from_lock(files["pyodide-lock.json"]):
        if not good(name, expected):
            _download(base + name, cache / name, log)
            check_hash(cache / name, expected, f"{name} from {base + name}")
        files[name] = cache / name
    return files


def copy_verified(src, dst, expected):
    """Copy and hash in one pass, so that what lands in dist is what was checked."""
    h = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            h.update(chunk)
            fout.write(chunk)
    if h.hexdigest() != expected:
        raise BuildError(f"sha256 mismatch for {src} while copying: expected {expected}, got {h.hexdigest()}")
