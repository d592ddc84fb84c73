"""Build, serve and feed the static site: ``python build.py [build|serve|data|bench] ...``.

``build`` (the default) assembles ``dist/``: the page from ``web/``, the ``backprop`` package as one zip,
``config.json``, and Pyodide 0.27.7 — self-hosted in ``dist/pyodide/`` and verified file by file against
pinned sha256 hashes, or loaded from the official CDN (``--pyodide cdn``). ``serve`` builds and serves
the result on 127.0.0.1. ``data`` regenerates the committed ``web/data/`` (MNIST subset, trained model,
its metadata). ``bench`` prints CPython and browser throughput.

``build`` and ``serve`` use the standard library only, so a newcomer runs ``python build.py serve``
with nothing installed; ``data`` and ``bench`` import numpy and ``backprop`` (from ``./py``).
"""

import argparse
import errno
import hashlib
import http.server
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent
WEB_DIR = ROOT / "web"
DATA_DIR = WEB_DIR / "data"
PACKAGE_DIR = ROOT / "py" / "backprop"
DEFAULT_OUT = ROOT / "dist"
LIMITS_FILE = Path("page") / "limits.json"    # in the package: the page's parameter limits; state.js fetches js/limits.json
BROWSER_BENCH = ROOT / "tests" / "e2e" / "browser_bench.py"
MANIFEST = ".backprop-build.json"           # in every built site: proof that build.py wrote the folder
MANIFEST_SIGNATURE = "backprop build.py site"

MNIST_SOURCE = ("MNIST database by Yann LeCun, Corinna Cortes and Christopher J.C. Burges "
                "(http://yann.lecun.com/exdb/mnist/)")
MNIST_LICENCE = "CC BY-SA 3.0"

# ---------------------------------------------------------------------------------------------------
# Pyodide: what the page needs, where it comes from, and the hashes that make it trustworthy
# ---------------------------------------------------------------------------------------------------
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
PYODIDE_PACKAGES = ("numpy",)   # wheels the page loads; file names and hashes come from the lock file

PYODIDE_DIR_NAME = "pyodide"    # dist/pyodide/: self-hosted Pyodide
PINNED_CACHE_CONTROL = "public, max-age=31536000, immutable"
# For static hosts that read a _headers file (Netlify, Cloudflare Pages); GitHub Pages ignores it.
HEADERS_FILE = f"""# Pyodide {PYODIDE_VERSION}'s files never change under this build (pinned by sha256): cache them.
# (On a project site under /<repo>/, put that prefix before /pyodide/.)
/{PYODIDE_DIR_NAME}/*
  Cache-Control: {PINNED_CACHE_CONTROL}
"""
CONFIG_URLS = {"packageURL": "./py/backprop.zip", "dataURL": "./data/mnist-subset.npz",
               "modelURL": "./data/model.json", "modelMetaURL": "./data/model-meta.json"}
DATA_FILES = ("mnist-subset.npz", "model.json", "model-meta.json")
DOWNLOAD_STALL_SECONDS = 20   # the page gives up on a download that sends nothing for this long
CSP_SELF = "'self'"           # the page's CSP names only its own origin; a CDN build adds the CDN's
ZIP_DATE = (1980, 1, 1, 0, 0, 0)   # the earliest a zip can say: same sources, same bytes


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


def lab_texts(package_dir=PACKAGE_DIR):
    """The lab's skeleton and "find the bug" versions (backprop/lab/backprop_texts.py, which imports nothing) as
    the JSON text of js/lab.json: the page shows the skeleton before Python has loaded."""
    spec = importlib.util.spec_from_file_location("_backprop_lab_bugs", Path(package_dir) / "lab" / "backprop_texts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bugs = [{"id": k, "title": b["title"], "story": b["story"], "code": b["code"]} for k, b in module.BUGS.items()]
    return json.dumps({"skeleton": module.SKELETON, "bugs": bugs}, ensure_ascii=False, indent=1) + "\n"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_hash(path, expected, what=None):
    """Raise BuildError unless ``path`` exists with sha256 ``expected``."""
    path = Path(path)
    if not path.is_file():
        raise BuildError(f"Pyodide file missing: {what or path} (expected sha256 {expected})")
    actual = sha256_file(path)
    if actual != expected:
        raise BuildError(f"sha256 mismatch for {what or path}: expected {expected}, got {actual} "
                         "(corrupted or tampered; refusing to use it)")


def _wheels_from_lock(lock_path):
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
        _check_hash(directory / name, expected)
        files[name] = directory / name
    for name, expected in _wheels_from_lock(files["pyodide-lock.json"]):
        _check_hash(directory / name, expected)
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
        raise DownloadFailed(f"could not download {url}: {reason}. Without internet access, point "
                             f"PYODIDE_DIR (or --pyodide-dir) at a folder with Pyodide {PYODIDE_VERSION} "
                             "and its numpy wheel, or build with --pyodide cdn.") from None


def _extract_core(tarball, cache, names, url):
    """Copy ``package/<name>`` members out of the npm tarball into the cache (no extractall: no paths
    from the archive ever reach the file system)."""
    try:
        with tarfile.open(tarball, "r:gz") as tf:
            for name in names:
                try:
                    member = tf.getmember(f"package/{name}")
                except KeyError:
                    raise BuildError(f"{url} has no package/{name}; is it the pyodide {PYODIDE_VERSION} "
                                     "npm package?") from None
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
            _check_hash(cache / name, PYODIDE_CORE_SHA256[name], f"{name} from {url}")
    files = {name: cache / name for name in PYODIDE_CORE_SHA256}
    base = os.environ.get("PYODIDE_CDN_URL") or PYODIDE_CDN_URL
    base = base if base.endswith("/") else base + "/"
    for name, expected in _wheels_from_lock(files["pyodide-lock.json"]):
        if not good(name, expected):
            _download(base + name, cache / name, log)
            _check_hash(cache / name, expected, f"{name} from {base + name}")
        files[name] = cache / name
    return files


def _copy_verified(src, dst, expected):
    """Copy and hash in one pass, so that what lands in dist is what was checked."""
    h = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            h.update(chunk)
            fout.write(chunk)
    if h.hexdigest() != expected:
        raise BuildError(f"sha256 mismatch for {src} while copying: expected {expected}, got {h.hexdigest()}")


# ---------------------------------------------------------------------------------------------------
# build: dist/ = web/ + py/backprop.zip + config.json + pyodide/
# ---------------------------------------------------------------------------------------------------
def package_version(package_dir=PACKAGE_DIR):
    """__version__ read from the source (importing backprop would need numpy)."""
    text = (Path(package_dir) / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
    return match.group(1) if match else "unknown"


# The command line's folder and its entry point: the page never imports them, so its archive leaves them
# out. The rule is the folder: a new module under cli/ never ships.
COMMAND_LINE = ("cli", "__main__.py")


def package_files(package_dir=PACKAGE_DIR):
    """What the page's package is made of: the library's modules and data (*.py, *.json) in every folder
    but the command line's (COMMAND_LINE), as paths relative to ``package_dir``, sorted."""
    package_dir = Path(package_dir)
    return sorted(p.relative_to(package_dir) for p in package_dir.rglob("*")
                  if p.is_file() and p.suffix in (".py", ".json") and "__pycache__" not in p.parts
                  and p.relative_to(package_dir).parts[0] not in COMMAND_LINE)


def write_package_zip(path, package_dir=PACKAGE_DIR):
    """backprop/*.py and its *.json data as one zip (one fetch in the page), byte-for-byte reproducible."""
    sources = package_files(package_dir)
    if not sources:
        raise BuildError(f"no .py files in {package_dir}")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for src in sources:
            info = zipfile.ZipInfo(f"backprop/{src.as_posix()}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, (Path(package_dir) / src).read_bytes())
    return path


def _build_time():
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; ISO 8601 in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _ignore_junk(_dir, names):
    return [n for n in names if n.startswith(".") or n in ("__pycache__", "node_modules") or ".tmp-" in n]


def build_site(out_dir=DEFAULT_OUT, pyodide="self", pyodide_dir=None, *, web_dir=WEB_DIR,
               package_dir=PACKAGE_DIR, full_mnist=False, mnist_dir=None, log=print):
    """Assemble the static site in ``out_dir`` and return its path.

    ``pyodide``: "self" copies verified Pyodide files into out_dir/pyodide/ — from ``pyodide_dir``, else
    the PYODIDE_DIR env var, else a download cache; "cdn" points the page at the official CDN. The site
    is built in a temporary sibling folder and swapped in at the end: a failed build leaves any previous
    out_dir untouched and no half-written one. ``full_mnist`` adds data/mnist-full.npz for the page's
    optional full-MNIST download (write_full_data: needs numpy, and MNIST from ``mnist_dir``, MNIST_DIR
    or the download cache).
    """
    if pyodide not in ("self", "cdn"):
        raise ValueError(f"pyodide must be 'self' or 'cdn', got {pyodide!r}")
    out_dir, web_dir = Path(out_dir).resolve(), Path(web_dir)
    if out_dir == web_dir.resolve() or web_dir.resolve() in out_dir.parents:
        raise BuildError(f"--out {out_dir} is inside {web_dir}: the site would copy itself")
    check_out_dir(out_dir, web_dir, package_dir)
    if not (web_dir / "index.html").is_file():
        raise BuildError(f"{web_dir / 'index.html'} is missing: nothing to build")
    missing = [n for n in DATA_FILES if not (web_dir / "data" / n).is_file()]
    if missing:
        raise BuildError(f"{web_dir / 'data'} lacks {', '.join(missing)}: run `python build.py data`")

    pyodide_files = {}
    if pyodide == "self":
        source = pyodide_dir or os.environ.get("PYODIDE_DIR")
        if source:
            log(f"Pyodide {PYODIDE_VERSION} from {source}")
            pyodide_files = verify_pyodide_dir(source)
        else:
            pyodide_files = fetch_pyodide(log=log)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        shutil.copytree(web_dir, tmp, ignore=_ignore_junk, dirs_exist_ok=True)
        (tmp / "py").mkdir(exist_ok=True)
        write_package_zip(tmp / "py" / "backprop.zip", package_dir)
        (tmp / "js").mkdir(exist_ok=True)
        shutil.copyfile(Path(package_dir) / LIMITS_FILE, tmp / "js" / LIMITS_FILE.name)
        (tmp / "js" / "lab.json").write_text(lab_texts(package_dir), encoding="utf-8")
        if pyodide_files:
            (tmp / "_headers").write_text(HEADERS_FILE, encoding="utf-8")
            (tmp / "pyodide").mkdir()
            expected = dict(PYODIDE_CORE_SHA256)
            expected.update(_wheels_from_lock(pyodide_files["pyodide-lock.json"]))
            for name, src in sorted(pyodide_files.items()):
                _copy_verified(src, tmp / "pyodide" / name, expected[name])
        if pyodide == "cdn":
            _allow_cdn_in_csp(tmp / "index.html")
        # sha256 of what the page downloads, so that it names a truncated or corrupt file as such
        sums = {key: sha256_file(tmp / CONFIG_URLS[key]) for key in ("packageURL", "dataURL", "modelURL")}
        core = {n: h for n, h in PYODIDE_CORE_SHA256.items() if n != "pyodide.js"}
        config = {"pyodideIndexURL": "./pyodide/" if pyodide == "self" else PYODIDE_CDN_URL,
                  "pyodideBuildId": PYODIDE_BUILD_ID, **CONFIG_URLS, "sha256": {**sums, "pyodide": core},
                  "downloadStallSeconds": DOWNLOAD_STALL_SECONDS,
                  "version": package_version(package_dir), "built": _build_time(),
                  "fullData": write_full_data(tmp / "data", mnist_dir, log) if full_mnist else NO_FULL_DATA}
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        write_offline_manifest(tmp, known=expected if pyodide_files else {})
        files = _site_files(tmp)
        (tmp / MANIFEST).write_text(json.dumps({"signature": MANIFEST_SIGNATURE, "files": files}, indent=0)
                                    + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)   # mkdtemp makes it 0700; a served site must be readable
        _check_only_ours(out_dir, files)   # again, now that the new site's files are known
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"built {out_dir} (Pyodide: {'self-hosted' if pyodide == 'self' else 'CDN'})")
    return out_dir


# The page's optional download: the 50,000 training digits of Nielsen's split and the 10,000 test digits,
# in the subset's .npz format (uint8). Only in a built site (dist/data), never in the committed web/data.
FULL_DATA_NAME = "mnist-full.npz"
NO_FULL_DATA = {"unavailable": "this copy of the page was built without the full MNIST file "
                               "(`python3 build.py build --full-mnist` adds it)"}


def write_full_data(data_dir, mnist_dir=None, log=print):
    """Write data_dir/mnist-full.npz and return its config.json entry: url, bytes, sha256, sizes."""
    _import_backprop()
    from backprop.data import mnist
    path = Path(data_dir) / FULL_DATA_NAME
    n_train, n_test = 60_000 - mnist.N_VALIDATION, 10_000
    mnist.write_subset(path, n_train=n_train, n_test=n_test, directory=mnist_dir)
    size = path.stat().st_size
    log(f"full MNIST for the page: {path.name}, {size:,} bytes")
    return {"url": f"./data/{FULL_DATA_NAME}", "bytes": size, "sha256": sha256_file(path),
            "n_train": n_train, "n_test": n_test}
# The service worker (web/sw.js) keeps every file of the built site but these: itself and its manifest,
# notes for hosts and build.py, and the optional full MNIST, which it keeps once the page has fetched it.
OFFLINE_SKIP = frozenset({"sw.js", "sw-manifest.json", "_headers", MANIFEST})
OFFLINE_LAZY = (f"data/{FULL_DATA_NAME}",)
SW_BUILD_LINE = 'const BUILD = "dev";'


def write_offline_manifest(site, known=None):
    """Write site/sw-manifest.json ({build, files: {path: sha256}, lazy: [paths]}) and stamp the build
    id into site/sw.js, so that a changed site is a changed service worker. The id is a hash of the
    listed paths and hashes: the same files, the same id. ``known``: {name in pyodide/: sha256}
    already verified, not hashed again. Returns the build id, or None for a page without a sw.js."""
    site, known = Path(site), known or {}
    sw = site / "sw.js"
    if not sw.is_file():
        return None   # nothing would read the manifest
    text = sw.read_text(encoding="utf-8")
    if text.count(SW_BUILD_LINE) != 1:
        raise BuildError(f"{sw} must hold the line {SW_BUILD_LINE!r} once (build.py writes the build id there)")
    lazy = [p for p in OFFLINE_LAZY if (site / p).is_file()]
    files = {}
    for rel in _site_files(site):
        if rel.endswith("/") or rel in OFFLINE_SKIP or rel in lazy:
            continue
        name = rel.removeprefix(f"{PYODIDE_DIR_NAME}/")
        files[rel] = known[name] if rel.startswith(f"{PYODIDE_DIR_NAME}/") and name in known else sha256_file(site / rel)
    build = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    (site / "sw-manifest.json").write_text(json.dumps({"build": build, "files": files, "lazy": lazy}, indent=1)
                                           + "\n", encoding="utf-8")
    sw.write_text(text.replace(SW_BUILD_LINE, f'const BUILD = "{build}";'), encoding="utf-8")
    return build


def _allow_cdn_in_csp(index_html):
    """A CDN build fetches Pyodide from the CDN: its origin joins 'self' in the CSP's source lists."""
    origin = "https://" + PYODIDE_CDN_URL.split("/")[2]
    text = index_html.read_text(encoding="utf-8")
    start = text.find('http-equiv="Content-Security-Policy"')
    if start < 0:
        return   # a page without a CSP restricts nothing: nothing to extend
    end = text.index(">", start)
    tag = text[start:end]
    for directive in ("script-src", "connect-src", "worker-src"):
        tag = tag.replace(f"{directive} {CSP_SELF}", f"{directive} {CSP_SELF} {origin}")
    index_html.write_text(text[:start] + tag + text[end:], encoding="utf-8")


def _site_files(folder):
    """Every file and folder under ``folder`` as sorted relative POSIX paths (folders end in /)."""
    folder = Path(folder)
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        out += [f"{(rel / d).as_posix()}/" for d in dirnames]
        out += [(rel / f).as_posix() for f in filenames]
    return sorted(out)


def _protected(package_dir=PACKAGE_DIR, web_dir=WEB_DIR):
    """Folders a build never replaces, whatever they hold."""
    dirs = {Path("/"), Path.home(), ROOT, WEB_DIR, Path(web_dir), PACKAGE_DIR, Path(package_dir), Path.cwd()}
    return {d.resolve() for d in dirs}


def check_out_dir(out_dir, web_dir=WEB_DIR, package_dir=PACKAGE_DIR):
    """Refuse an --out that the build must not replace, before any work: a file, the repository, web/,
    the home folder, /, the current folder or an ancestor of the repository, or a non-empty folder
    that is not an earlier build (see _check_only_ours)."""
    out_dir = Path(out_dir).resolve()
    if out_dir in _protected(package_dir, web_dir) or out_dir in ROOT.parents:
        raise BuildError(f"--out {out_dir} is a folder a build never replaces (the repository, web/, "
                         "the home folder, the current folder or /); pick a new folder such as dist")
    if out_dir.exists() and not out_dir.is_dir():
        raise BuildError(f"--out {out_dir} is a file, not a folder; pick a folder such as dist")
    _check_only_ours(out_dir)


def _check_only_ours(out_dir, new_files=()):
    """Raise BuildError unless out_dir is absent, empty, or provably an earlier build: it holds this
    build's manifest and nothing the manifest does not list. A build from before manifests existed
    (a config.json) counts when everything in it is something the new build writes too."""
    if not out_dir.exists() or not any(out_dir.iterdir()):
        return
    present = set(_site_files(out_dir))
    manifest = out_dir / MANIFEST
    listed = None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("signature") == MANIFEST_SIGNATURE and isinstance(data.get("files"), list):
            listed = {f for f in data["files"] if isinstance(f, str)} | {MANIFEST}
    except (OSError, ValueError, AttributeError):
        pass
    if listed is None and (out_dir / "config.json").is_file() and new_files:
        listed = set(new_files) | {MANIFEST}   # an older build: judged by what a build writes
    if listed is None:
        if new_files or not (out_dir / "config.json").is_file():
            raise BuildError(f"{out_dir} exists and is not a previous build (no {MANIFEST}); refusing "
                             "to replace it: pick another --out, or empty it yourself")
        return   # an older build: judged again once the new site's files are known
    foreign = sorted(present - listed)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise BuildError(f"{out_dir} is not a previous build (it holds {shown}, which no build wrote); "
                         "refusing to replace it: pick another --out, or move those files out")


def _swap_in(new, out_dir):
    """Replace out_dir by new with two renames, so there is never a half-written out_dir."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, old)
    os.replace(new, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------
# serve
# ---------------------------------------------------------------------------------------------------
class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types the page needs: without application/wasm, streaming
    compilation fails and loadPyodide can hang."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript",
        ".json": "application/json", ".npz": "application/octet-stream", ".whl": "application/zip",
        ".zip": "application/zip", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml",
        ".md": "text/markdown; charset=utf-8", ".map": "application/json",
    }
    quiet = True
    protocol_version = "HTTP/1.1"   # keep-alive: the page's dozen fetches reuse one connection

    def end_headers(self):
        # Pyodide's files are pinned by hash (PYODIDE_CORE_SHA256, the lock): cache them for a year
        # and a second visit skips ~14 MB of downloads and revalidations; the site's own files are
        # revalidated, so a rebuilt site shows at once.
        pinned = f"/{PYODIDE_DIR_NAME}/" in self.path.split("?", 1)[0]
        self.send_header("Cache-Control", PINNED_CACHE_CONTROL if pinned else "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


def _port_error(port, e):
    if e.errno == errno.EADDRINUSE:
        return BuildError(f"port {port} on 127.0.0.1 is already in use: stop what uses it, or pick "
                          "another with --port N (--port 0 picks a free one)")
    return BuildError(f"cannot listen on 127.0.0.1:{port}: {e.strerror or e}")


def check_port_free(port):
    """Fail before a build, not after it, when the port is taken (the same test serve_dir will face)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as http.server does
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            raise _port_error(port, e) from None


def serve_dir(directory, port=0, quiet=True):
    """Serve ``directory`` on 127.0.0.1 from a daemon thread; returns (server, url).

    port 0 picks a free port. Call server.shutdown() to stop.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise BuildError(f"cannot serve {directory}: not a directory")
    handler = partial(type("Handler", (SiteHandler,), {"quiet": quiet}), directory=str(directory))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        raise _port_error(port, e) from None
    threading.Thread(target=server.serve_forever, name="build.py serve", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


# ---------------------------------------------------------------------------------------------------
# data: the committed subset, the shipped model and its metadata (its recipe: web/data/model-recipe.json,
# its training: py/backprop/cli/shipped_model.py)
# ---------------------------------------------------------------------------------------------------
RECIPE_FILE = DATA_DIR / "model-recipe.json"   # the shipped model's settings; backprop.cli.shipped_model trains it
TRAINING_RECORD = ("chosen_epoch", "validation_accuracy", "training_seconds", "trained_on")
MODEL_DIGITS = 7   # significant digits kept in model.json: ~1 MB instead of ~1.7 MB, accuracy unchanged


def _import_backprop():
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


def _round_model(model_dict, digits=MODEL_DIGITS):
    """The same dict with every weight and bias rounded to ``digits`` significant digits."""
    def rnd(v):
        if isinstance(v, list):
            return [rnd(x) for x in v]
        return float(f"{v:.{digits}g}")
    out = dict(model_dict)
    out["weights"] = rnd(model_dict["weights"])
    out["biases"] = rnd(model_dict["biases"])
    return out


def _reused_model(model_path, settings):
    """A trained model to ship instead of training one, and what its own metadata says about it."""
    np, backprop = _import_backprop()
    net = backprop.load(model_path)
    if net.sizes[0] != 784 or net.sizes[-1] != 10:
        raise ValueError(f"model {model_path} has sizes {net.sizes}; MNIST needs 784 inputs and 10 outputs")
    meta = {}
    old_meta = Path(model_path).with_name("model-meta.json")
    if old_meta.is_file():   # keep how it was trained; what it scores is measured again
        meta = {k: v for k, v in json.loads(old_meta.read_text(encoding="utf-8")).items()
                if k in (*settings, *TRAINING_RECORD)}
    meta.setdefault("trained_on", f"unknown (reused {Path(model_path).name})")
    meta.update(sizes=list(net.sizes), cost=net.cost.__name__)   # the file's truth, not a claim
    return net, meta


def make_data(out_dir=DATA_DIR, mnist_dir=None, n_train=10000, n_test=2000, model_path=None, log=print,
              recipe=RECIPE_FILE):
    """Regenerate out_dir: mnist-subset.npz, model.json, model-meta.json, README.md; returns the meta.
    The model is trained by ``recipe`` (web/data/model-recipe.json), or reused from ``model_path``."""
    np, backprop = _import_backprop()
    from backprop.cli import shipped_model
    from backprop.data import mnist
    settings = shipped_model.read_recipe(recipe)   # a reused model's meta keeps the settings' keys
    if model_path is not None:   # before anything is written: a bad model changes nothing
        net, meta = _reused_model(model_path, settings)
        log(f"reusing the model in {model_path}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = mnist.load_data(mnist_dir, dtype=np.uint8)
    to_float = lambda a: a.astype(np.float64) / 255.0

    subset_path = out_dir / "mnist-subset.npz"
    mnist.write_subset(subset_path, n_train=n_train, n_test=n_test, directory=mnist_dir)
    log(f"wrote {subset_path} ({subset_path.stat().st_size:,} bytes)")

    if model_path is None:
        log(f"training {'-'.join(map(str, settings['sizes']))} on 50,000 digits "
            f"({settings['epochs']} epochs; several minutes)...")
        net, val_acc, best_epoch, seconds = shipped_model.train_model(to_float(x_tr), y_tr, to_float(x_va), y_va,
                                                                      settings, log=log)
        meta = dict(settings, chosen_epoch=best_epoch, validation_accuracy=[round(a, 4) for a in val_acc],
                    training_seconds=round(seconds, 1),
                    trained_on="MNIST 50,000 training images, freshly distorted each epoch "
                               "(best epoch chosen on the other 10,000)")

    model = _round_model(net.to_dict())
    _write_text(out_dir / "model.json", json.dumps(model, separators=(",", ":")))
    net = backprop.from_dict(model)   # score what ships, after rounding
    test_acc = net.accuracy(to_float(x_te), y_te) / len(y_te)
    subset = mnist.read_subset(subset_path)
    subset_acc = net.accuracy(to_float(subset["x_test"]), subset["y_test"].astype(np.int64)) / n_test
    meta.update(test_accuracy=round(test_acc, 4), subset_test_accuracy=round(subset_acc, 4),
                subset_n_train=n_train, subset_n_test=n_test, model_digits=MODEL_DIGITS,
                source=MNIST_SOURCE, licence=MNIST_LICENCE)
    # one key per line, lists inline: readable in a diff, short enough to read whole
    _write_text(out_dir / "model-meta.json",
                "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in meta.items()) + "\n}\n")
    _write_text(out_dir / "README.md", _data_readme(meta))
    log(f"model: test accuracy {test_acc:.4f} on the 10,000 MNIST test digits, "
        f"{subset_acc:.4f} on the subset's {n_test}; wrote {out_dir}")
    return meta


def _write_text(path, text):
    fileio.write_atomically(path, text)


def _data_readme(meta):
    if "chosen_epoch" in meta:
        decay = f" times {meta['eta_decay']} per epoch" if meta.get("eta_decay", 1.0) != 1.0 else ""
        training = (f"Trained with `backprop.Network` ({meta['cost']}, eta={meta['eta']}{decay}, "
                    f"lmbda={meta['lmbda']}, mini-batch {meta['batch_size']},\n"
                    f"  {meta['epochs']} epochs, seed {meta['seed']}) on the 50,000 training images; "
                    "the epoch with the best accuracy\n  on the 10,000 validation images is kept "
                    f"(epoch {meta['chosen_epoch']}, {meta.get('training_seconds')} s of training).")
        if meta.get("augment") is not None:
            args = ", ".join(f"{k}={v}" for k, v in meta["augment"].items())
            training += ("\n  Every epoch trains on a fresh random distortion of each training digit, "
                         f"`backprop.augment.augment(x, rng, {args})`\n"
                         "  (stroke width, rotation, scale, slant and shift per digit; rng seeded from "
                         "the seed), so that the\n  network also reads digits drawn with a mouse.")
    else:
        training = f"Trained elsewhere: {meta['trained_on']}."
    return f"""# web/data — what the page loads

Generated by `python build.py data` (do not edit by hand); committed so that a fresh clone builds
without downloading MNIST.

## Source and licence

The digits are from the **MNIST database** by Yann LeCun, Corinna Cortes and Christopher J.C. Burges
(http://yann.lecun.com/exdb/mnist/), redistributed here under **{MNIST_LICENCE}**
(https://creativecommons.org/licenses/by-sa/3.0/). This folder is a reduced copy of it and a network
trained on it, shared under the same licence.

## Files

- `mnist-subset.npz` — `numpy.savez_compressed` archive, no pickles: `x_train` ({meta['subset_n_train']}, 784)
  uint8, `y_train` ({meta['subset_n_train']},) uint8 — the first {meta['subset_n_train']:,} images of
  Nielsen's 50,000-image training split; `x_test` ({meta['subset_n_test']}, 784) uint8, `y_test` uint8 —
  the first {meta['subset_n_test']:,} images of the MNIST test set (t10k). Written by
  `backprop.mnist.write_subset`.
- `model.json` — a {'-'.join(map(str, meta['sizes']))} sigmoid network in network2's JSON format
  (`sizes`, `weights`, `biases`, `cost`), weights rounded to {meta['model_digits']} significant digits.
  {training}
- `model-meta.json` — those settings, the per-epoch validation accuracies, and the accuracy of the
  rounded model: **{meta['test_accuracy']:.2%}** on the full 10,000-image MNIST test set and
  {meta['subset_test_accuracy']:.2%} on the subset's {meta['subset_n_test']:,} test digits.
"""


# ---------------------------------------------------------------------------------------------------
# bench: CPython, then the browser on the built site
# ---------------------------------------------------------------------------------------------------
def run_bench(out_dir, pyodide, pyodide_dir, cpython=True, browser=True):
    """Print CPython figures (backprop.bench) and browser figures (tests/e2e/browser_bench.py, run as
    its own process: build.py imports nothing from tests/)."""
    status = 0
    if cpython:
        _import_backprop()
        try:
            from backprop.cli import bench
        except ImportError as e:
            print(f"CPython bench unavailable: {e}")
            status = 1
        else:
            print("== CPython (python -m backprop bench) ==", flush=True)
            bench.run_bench(subset=DATA_DIR / "mnist-subset.npz")
    if browser:
        print(f"== headless Chromium ({BROWSER_BENCH.relative_to(ROOT)}) ==", flush=True)
        site = build_site(out_dir, pyodide, pyodide_dir)
        status |= subprocess.run([sys.executable, str(BROWSER_BENCH), "--site", str(site)]).returncode
    return status


# ---------------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message):   # one line, no usage dump: the message names the bad value
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _port(text):
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port {text!r} is not a port number 0-65535 (0 picks a free one)")
    return port


def _count(text):
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return n


def _parser():
    parser = _Parser(
        prog="build.py", description="Build, serve, and regenerate the data of the backprop page.",
        epilog="Without a command: build. Offline, set PYODIDE_DIR to a folder with Pyodide "
               f"{PYODIDE_VERSION} and its numpy wheel (or pass --pyodide-dir).")
    sub = parser.add_subparsers(dest="command", metavar="{build,serve,data,bench}", parser_class=_Parser)

    def build_flags(p):
        p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: dist)")
        p.add_argument("--pyodide", choices=("self", "cdn"), default="self",
                       help="self: copy verified Pyodide into OUT/pyodide (default; works offline and "
                            f"on localhost); cdn: load it from {PYODIDE_CDN_URL}")
        p.add_argument("--pyodide-dir", help="local Pyodide folder to copy from (default: PYODIDE_DIR "
                                             "env, else download into the cache and verify)")
        p.add_argument("--full-mnist", action="store_true",
                       help="add data/mnist-full.npz (50,000 training + 10,000 test digits, ~11 MB) for "
                            "the page's optional full-MNIST download; needs numpy")
        p.add_argument("--mnist-dir", help="MNIST's four .gz files for --full-mnist (default: MNIST_DIR "
                                           "env, else download)")

    build_flags(sub.add_parser("build", help="build the static site (default)"))
    p_serve = sub.add_parser("serve", help="build, then serve on 127.0.0.1 and print the URL")
    build_flags(p_serve)
    p_serve.add_argument("--port", type=_port, default=8000, help="default 8000; 0 picks a free port")
    p_data = sub.add_parser("data", help="regenerate web/data (subset, model, metadata); needs numpy")
    p_data.add_argument("--mnist-dir", help="folder with the four MNIST .gz files "
                                            "(default: MNIST_DIR env, else download)")
    p_data.add_argument("--n-train", type=_count, default=10000, help="training digits in the subset")
    p_data.add_argument("--n-test", type=_count, default=2000, help="test digits in the subset")
    p_data.add_argument("--model", help="reuse this trained model (network2 JSON) instead of training")
    p_data.add_argument("--out-dir", default=str(DATA_DIR), help="default: web/data")
    p_bench = sub.add_parser("bench", help="CPython bench, then the browser bench on the built site")
    build_flags(p_bench)
    p_bench.add_argument("--no-browser", action="store_true", help="CPython figures only")
    p_bench.add_argument("--no-cpython", action="store_true", help="browser figures only")
    return parser


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            build_site(args.out, args.pyodide, args.pyodide_dir, full_mnist=args.full_mnist, mnist_dir=args.mnist_dir)
        elif args.command == "serve":
            check_port_free(args.port)
            site = build_site(args.out, args.pyodide, args.pyodide_dir, full_mnist=args.full_mnist,
                              mnist_dir=args.mnist_dir)
            server, url = serve_dir(site, args.port, quiet=False)
            print(f"serving {site} at {url}  (Ctrl-C to stop)", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                server.shutdown()
        elif args.command == "data":
            # training steps are small matrix products: BLAS threads only fight over the cores (on a
            # busy 2-core machine, 20x slower); set before numpy is first imported
            os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
            make_data(args.out_dir, args.mnist_dir, args.n_train, args.n_test, args.model)
        elif args.command == "bench":
            return run_bench(args.out, args.pyodide, args.pyodide_dir,
                             cpython=not args.no_cpython, browser=not args.no_browser)
    except DownloadFailed as e:   # the network's fault, not the input's
        print(f"build.py {args.command}: error: {e}", file=sys.stderr)
        return 1
    except (BuildError, ValueError, OSError) as e:   # a user's input, or a file it names
        print(f"build.py {args.command}: error: {e}", file=sys.stderr)
        return 1 if type(e).__name__ == "DownloadError" else 2   # backprop.mnist's: MNIST did not arrive
    except MemoryError:
        print(f"build.py {args.command}: error: out of memory", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nbuild.py {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
