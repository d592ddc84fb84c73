"""``build``: dist/ = web/ + py/backprop.zip + config.json + js/limits.json + js/lab.json + pyodide/.

The package as one reproducible zip (the command line's folder left out), the page's config (relative
URLs, the sha256 of what it downloads), the lab's texts, the _headers file for static hosts, and the
CSP opened to the CDN for a CDN build. Where Pyodide comes from and how it is checked is pyodide.py's,
what --out may replace outdir.py's, the service worker's list offline.py's, the full MNIST data.py's.
"""

import importlib.util
import json
import os
import re
import shutil
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from . import outdir, trim
from . import pyodide as pins  # not `pyodide`: build_site's argument of that name says self or cdn
from .common import DEFAULT_OUT, PACKAGE_DIR, WEB_DIR, BuildError, sha256_file, site_files
from .data import NO_FULL_DATA, write_full_data
from .offline import write_offline_manifest

LIMITS_FILE = (
    Path("page") / "limits.json"
)  # in the package: the page's parameter limits; state.js fetches js/limits.json
# For static hosts that read a _headers file (Netlify, Cloudflare Pages); GitHub Pages ignores it.
HEADERS_FILE = f"""# Pyodide {pins.PYODIDE_VERSION}'s files never change under this build (pinned by sha256):
# cache them.
# (On a project site under /<repo>/, put that prefix before /pyodide/.)
/{pins.PYODIDE_DIR_NAME}/*
  Cache-Control: {pins.PINNED_CACHE_CONTROL}
"""
CONFIG_URLS = {
    "packageURL": "./py/backprop.zip",
    "dataURL": "./data/mnist-subset.npz",
    "modelURL": "./data/model.json",
    "modelMetaURL": "./data/model-meta.json",
}
DATA_FILES = ("mnist-subset.npz", "model.json", "model-meta.json", "conv-model.json", "conv-model-meta.json")
# the site's other networks, fetched when first chosen (not before "ready"): which -> its files
SHIPPED = {"conv": {"url": "./data/conv-model.json", "metaURL": "./data/conv-model-meta.json"}}
DOWNLOAD_STALL_SECONDS = 20  # the page gives up on a download that sends nothing for this long
CSP_SELF = "'self'"  # the page's CSP names only its own origin; a CDN build adds the CDN's
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: same sources, same bytes

# The command line's folder and its entry point: the page never imports them, so its archive leaves them
# out. The rule is the folder: a new module under cli/ never ships.
COMMAND_LINE = ("cli", "__main__.py")


def lab_texts(package_dir=PACKAGE_DIR):
    """The lab's exercises (backprop/lab/exercises.json) with each one's skeleton and "find the bug" versions
    (its texts module, which imports nothing, loaded by path) as the JSON text of js/lab.json: the page
    shows the skeleton before Python has loaded. The first exercise's skeleton and bugs are also at the
    top level, as js/lab.json had them before there were more."""
    lab = Path(package_dir) / "lab"
    catalogue = json.loads((lab / "exercises.json").read_text(encoding="utf-8"))
    out = []
    for ex in catalogue["exercises"]:
        spec = importlib.util.spec_from_file_location(f"_backprop_lab_{ex['key']}", lab / f"{ex['texts']}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        bugs = [{"id": k, "title": b["title"], "story": b["story"], "code": b["code"]} for k, b in module.BUGS.items()]
        out.append(
            {
                **{k: ex[k] for k in ("key", "title", "intro", "function", "trains")},
                "signature": f"{ex['function']}({', '.join(ex['params'])})",
                "skeleton": module.SKELETON,
                "bugs": bugs,
            }
        )
    texts = {"skeleton": out[0]["skeleton"], "bugs": out[0]["bugs"], "exercises": out}
    return json.dumps(texts, ensure_ascii=False, indent=1) + "\n"


def package_version(package_dir=PACKAGE_DIR):
    """__version__ read from the source (importing backprop would need numpy)."""
    text = (Path(package_dir) / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
    return match.group(1) if match else "unknown"


def package_files(package_dir=PACKAGE_DIR):
    """What the page's package is made of: the library's modules and data (*.py, *.json) in every folder
    but the command line's (COMMAND_LINE), as paths relative to ``package_dir``, sorted."""
    package_dir = Path(package_dir)
    return sorted(
        p.relative_to(package_dir)
        for p in package_dir.rglob("*")
        if p.is_file()
        and p.suffix in (".py", ".json")
        and "__pycache__" not in p.parts
        and p.relative_to(package_dir).parts[0] not in COMMAND_LINE
    )


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


def build_site(
    out_dir=DEFAULT_OUT,
    pyodide="self",
    pyodide_dir=None,
    *,
    web_dir=WEB_DIR,
    package_dir=PACKAGE_DIR,
    full_mnist=False,
    mnist_dir=None,
    log=print,
):
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
    outdir.check_out_dir(out_dir, web_dir, package_dir)
    if not (web_dir / "index.html").is_file():
        raise BuildError(f"{web_dir / 'index.html'} is missing: nothing to build")
    missing = [n for n in DATA_FILES if not (web_dir / "data" / n).is_file()]
    if missing:
        raise BuildError(f"{web_dir / 'data'} lacks {', '.join(missing)}: run `python build.py data`")

    pyodide_files = {}
    if pyodide == "self":
        source = pyodide_dir or os.environ.get("PYODIDE_DIR")
        if source:
            log(f"Pyodide {pins.PYODIDE_VERSION} from {source}")
            pyodide_files = pins.verify_pyodide_dir(source)
        else:
            pyodide_files = pins.fetch_pyodide(log=log)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        shutil.copytree(web_dir, tmp, ignore=_ignore_junk, dirs_exist_ok=True)
        (tmp / "py").mkdir(exist_ok=True)
        package_zip = write_package_zip(tmp / CONFIG_URLS["packageURL"], package_dir)
        (tmp / "js").mkdir(exist_ok=True)
        shutil.copyfile(Path(package_dir) / LIMITS_FILE, tmp / "js" / LIMITS_FILE.name)
        (tmp / "js" / "lab.json").write_text(lab_texts(package_dir), encoding="utf-8")
        if pyodide_files:
            (tmp / "_headers").write_text(HEADERS_FILE, encoding="utf-8")
            (tmp / pins.PYODIDE_DIR_NAME).mkdir()
            expected = dict(pins.PYODIDE_CORE_SHA256)
            expected.update(pins.wheels_from_lock(pyodide_files["pyodide-lock.json"]))
            for name, src in sorted(pyodide_files.items()):
                pins.copy_verified(src, tmp / pins.PYODIDE_DIR_NAME / name, expected[name])
        if pyodide == "cdn":
            _allow_cdn_in_csp(tmp / "index.html")
        fast = {}  # a self-hosted build: fewer bytes, all downloads at once (trim.py, web/js/preload.js)
        if pyodide_files:
            wheels = dict(pins.wheels_from_lock(pyodide_files["pyodide-lock.json"]))
            name = next(n for n in wheels if n.startswith("numpy-"))
            numpy = (name, wheels[name])
            fast = trim.make_preload(tmp, pyodide_files, pins.PYODIDE_CORE_SHA256, numpy, package_zip, log)
            sizes = {key: (tmp / CONFIG_URLS[key]).stat().st_size for key in ("packageURL", "dataURL")}
            fast["downloadBytes"].update(sizes)
        # sha256 of what the page downloads, so that it names a truncated or corrupt file as such
        sums = {key: sha256_file(tmp / CONFIG_URLS[key]) for key in ("packageURL", "dataURL", "modelURL")}
        core = {n: h for n, h in pins.PYODIDE_CORE_SHA256.items() if n != "pyodide.js"}
        config = {
            "pyodideIndexURL": "./pyodide/" if pyodide == "self" else pins.PYODIDE_CDN_URL,
            "pyodideBuildId": pins.PYODIDE_BUILD_ID,
            **CONFIG_URLS,
            "sha256": {**sums, "pyodide": core},
            "downloadStallSeconds": DOWNLOAD_STALL_SECONDS,
            "version": package_version(package_dir),
            "built": _build_time(),
            "fullData": write_full_data(tmp / "data", mnist_dir, log) if full_mnist else NO_FULL_DATA,
            "shipped": _shipped(tmp, gzipped=bool(fast)),
            **fast,
        }
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        # the service worker keeps what the page fetches: the trimmed wheel, not numpy's own
        replaced = (*trim.REPLACED, f"pyodide/{name}") if fast else ()
        write_offline_manifest(tmp, known=expected if pyodide_files else {}, skip=replaced)
        files = site_files(tmp)
        outdir.write_manifest(tmp, files)
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a served site must be readable
        outdir.check_only_ours(out_dir, files)  # again, now that the new site's files are known
        outdir.swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"built {out_dir} (Pyodide: {'self-hosted' if pyodide == 'self' else 'CDN'})")
    return out_dir


def _shipped(site, gzipped):
    """config.json's "shipped": each other network's files and the sha256 of its JSON; a self-hosted
    build sends the gzipped copy trim.py wrote (the same JSON: its sha256 is checked after gunzip)."""
    out = {}
    for which, files in SHIPPED.items():
        entry = {**files, "sha256": sha256_file(site / files["url"]), "gzip": gzipped}
        if gzipped:
            entry["url"] = f"./{trim.CONV_MODEL_GZ}"
        out[which] = entry
    return out


def _allow_cdn_in_csp(index_html):
    """A CDN build fetches Pyodide from the CDN: its origin joins 'self' in the CSP's source lists."""
    origin = "https://" + pins.PYODIDE_CDN_URL.split("/")[2]
    text = index_html.read_text(encoding="utf-8")
    start = text.find('http-equiv="Content-Security-Policy"')
    if start < 0:
        return  # a page without a CSP restricts nothing: nothing to extend
    end = text.index(">", start)
    tag = text[start:end]
    for directive in ("script-src", "connect-src", "worker-src"):
        tag = tag.replace(f"{directive} {CSP_SELF}", f"{directive} {CSP_SELF} {origin}")
    index_html.write_text(text[:start] + tag + text[end:], encoding="utf-8")
