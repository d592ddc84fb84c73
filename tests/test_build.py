"""build.py and its parts (tools/sitebuild): the built site's layout, the Pyodide verification chain,
downloads, serving, and `data`."""

import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

import build
from ci_support import ROOT, skip_or_fail
from sitebuild import common, pyodide as pins
from sitebuild import data as site_data

WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
WHEEL_SHA256 = "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"   # from the official lock


def quiet(*_args):
    pass


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def pyodide_dir():
    d = os.environ.get("PYODIDE_DIR")
    if not d:
        skip_or_fail("PYODIDE_DIR is not set (a folder with Pyodide 0.27.7 and its numpy wheel)")
    return Path(d)


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory):
    """A small stand-in for web/: the page is another helper's; the data is the committed web/data."""
    web = tmp_path_factory.mktemp("web")
    (web / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    (web / "js").mkdir()
    (web / "js" / "main.mjs").write_text("export const x = 1;\n", encoding="utf-8")
    (web / "css").mkdir()
    (web / "css" / "page.css").write_text("body{}\n", encoding="utf-8")
    (web / ".hidden").write_text("editor swap file", encoding="utf-8")
    (web / "js" / "__pycache__").mkdir()
    shutil.copytree(ROOT / "web" / "data", web / "data")
    return web


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No PYODIDE_DIR, an empty cache: the download path is the only way to get Pyodide."""
    monkeypatch.delenv("PYODIDE_DIR", raising=False)
    monkeypatch.setenv("BACKPROP_CACHE", str(tmp_path / "cache"))
    return tmp_path


def leftovers(parent, name):
    return [p.name for p in Path(parent).iterdir() if p.name.startswith(f".{name}.")]


# --------------------------------------------------------------------------------- self-hosted build
@pytest.fixture(scope="module")
def site(tmp_path_factory, pyodide_dir, web_dir):
    out = tmp_path_factory.mktemp("site") / "dist"
    assert build.build_site(out, "self", pyodide_dir, web_dir=web_dir, log=quiet) == out.resolve()
    return out


def test_site_has_the_page_data_package_and_relative_config(site):
    for rel in ("index.html", "js/main.mjs", "css/page.css", "data/mnist-subset.npz", "data/model.json",
                "data/model-meta.json", "data/README.md", "py/backprop.zip", "config.json"):
        assert (site / rel).is_file(), rel
    assert not (site / ".hidden").exists() and not (site / "js" / "__pycache__").exists()
    config = json.loads((site / "config.json").read_text())
    assert config["pyodideIndexURL"] == "./pyodide/"
    assert config["version"] == build.package_version()
    assert config["built"].endswith("Z")
    for key in ("pyodideIndexURL", "packageURL", "dataURL", "modelURL", "modelMetaURL"):
        url = config[key]
        assert url.startswith("./"), (key, url)   # a project site lives under /<repo>/
        assert (site / url).exists(), (key, url)
    assert leftovers(site.parent, "dist") == []


def test_self_hosted_pyodide_is_exactly_the_verified_files(site):
    pyodide = site / "pyodide"
    names = sorted(p.name for p in pyodide.iterdir())
    assert names == sorted([*build.PYODIDE_CORE_SHA256, WHEEL])   # no .d.ts, no package.json
    for name, expected in build.PYODIDE_CORE_SHA256.items():
        assert sha256(pyodide / name) == expected, name
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == build.PYODIDE_VERSION
    assert lock["packages"]["numpy"]["file_name"] == WHEEL
    assert sha256(pyodide / WHEEL) == lock["packages"]["numpy"]["sha256"] == WHEEL_SHA256
    assert "/pyodide/*\n  Cache-Control: public, max-age=31536000, immutable" in (site / "_headers").read_text()


def test_package_zip_imports_and_runs_on_its_own(site, tmp_path):
    names = zipfile.ZipFile(site / "py" / "backprop.zip").namelist()
    assert "backprop/__init__.py" in names and "backprop/nn/network.py" in names
    assert names == sorted(names) and all(n.startswith("backprop/") and n.endswith((".py", ".json")) for n in names)
    assert "backprop/page/limits.json" in names   # package data: page/params.py reads it
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import numpy as np, backprop, backprop.page.session; "
            "assert backprop.__file__.startswith(sys.argv[1]), backprop.__file__; "
            "net = backprop.Network([784, 30, 10], seed=1); "
            "print(net.feedforward(np.zeros((3, 784))).shape, backprop.__version__)")
    # -I: no PYTHONPATH, no script dir, so the only backprop it can find is the one in the zip
    proc = subprocess.run([sys.executable, "-I", "-c", code, str(site / "py" / "backprop.zip")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["(3,", "10)", build.package_version()]


def test_package_zip_is_reproducible(tmp_path):
    a = build.write_package_zip(tmp_path / "a.zip")
    b = build.write_package_zip(tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    info = zipfile.ZipFile(a).infolist()
    assert {i.date_time for i in info} == {build.ZIP_DATE}
    # every module and data file of the package but the command line's folder and entry point
    want = sorted(f"backprop/{p.relative_to(build.PACKAGE_DIR).as_posix()}" for p in build.PACKAGE_DIR.rglob("*")
                  if p.suffix in (".py", ".json") and "__pycache__" not in p.parts
                  and p.relative_to(build.PACKAGE_DIR).parts[0] not in ("cli", "__main__.py"))
    assert sorted(i.filename for i in info) == want


def test_a_new_command_line_module_never_ships(tmp_path):
    """The rule is the folder: a module added under cli/ stays out without anyone listing it."""
    package = tmp_path / "backprop"
    shutil.copytree(build.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "cli" / "brand_new_tool.py").write_text("print('hello')\n", encoding="utf-8")
    (package / "explain" / "brand_new_view.py").write_text("VALUE = 1\n", encoding="utf-8")
    names = zipfile.ZipFile(build.write_package_zip(tmp_path / "p.zip", package)).namelist()
    assert "backprop/explain/brand_new_view.py" in names
    assert not [n for n in names if n.startswith("backprop/cli/") or n == "backprop/__main__.py"]


def test_the_page_gets_the_library_not_the_command_line(tmp_path):
    """Every module in the page's archive imports from the archive alone (nothing it needs was left out)."""
    archive = build.write_package_zip(tmp_path / "p.zip")
    names = zipfile.ZipFile(archive).namelist()
    assert not [n for n in names if n.startswith("backprop/cli/") or n == "backprop/__main__.py"]
    modules = sorted(n[:-3].replace("/", ".").removesuffix(".__init__") for n in names if n.endswith(".py"))
    assert {"backprop.nn.network", "backprop.page.session", "backprop.data.preprocess", "backprop.explain.trace",
            "backprop.lab.check"} <= set(modules)
    code = ("import importlib, sys; sys.path.insert(0, sys.argv[1]); "
            "[importlib.import_module(m) for m in sys.argv[2:]]; "
            "assert all(not m.startswith('backprop.cli') for m in sys.modules), 'the archive imported the CLI'")
    proc = subprocess.run([sys.executable, "-I", "-c", code, str(archive), *modules], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------------- verification
@pytest.fixture
def tampered_dir(pyodide_dir, tmp_path):
    d = tmp_path / "pyodide"
    shutil.copytree(pyodide_dir, d)
    wasm = d / "pyodide.asm.wasm"
    os.chmod(d, 0o755)
    os.chmod(wasm, 0o644)
    data = bytearray(wasm.read_bytes())
    data[len(data) // 2] ^= 0x01
    wasm.write_bytes(bytes(data))
    return d


def test_tampered_wasm_is_refused_and_no_dist_is_left(tampered_dir, web_dir, tmp_path):
    out = tmp_path / "out" / "dist"
    with pytest.raises(build.BuildError) as err:
        build.build_site(out, "self", tampered_dir, web_dir=web_dir, log=quiet)
    msg = str(err.value)
    assert "pyodide.asm.wasm" in msg and build.PYODIDE_CORE_SHA256["pyodide.asm.wasm"] in msg
    assert sha256(tampered_dir / "pyodide.asm.wasm") in msg
    assert not out.exists()
    assert not out.parent.exists() or leftovers(out.parent, "dist") == []


def test_a_failed_build_keeps_the_previous_site(web_dir, tmp_path, monkeypatch):
    out = tmp_path / "dist"
    build.build_site(out, "cdn", web_dir=web_dir, log=quiet)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    written = []

    def fail_after_the_files(src, dst, expected):   # the last step before the swap: config.json
        written.extend(common.site_files(Path(dst).parents[1]))
        raise build.BuildError("disk full")

    # replaced where build_site looks them up: sitebuild.pyodide
    monkeypatch.setattr(pins, "copy_verified", fail_after_the_files)
    pyodide_files = {n: tmp_path / n for n in ("pyodide.js", "pyodide-lock.json")}
    monkeypatch.setattr(pins, "verify_pyodide_dir", lambda d: pyodide_files)
    monkeypatch.setattr(pins, "wheels_from_lock", lambda p: [])
    with pytest.raises(build.BuildError, match="disk full"):
        build.build_site(out, "self", tmp_path, web_dir=web_dir, log=quiet)
    assert "index.html" in written and "py/backprop.zip" in written   # it failed after writing files
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert leftovers(tmp_path, "dist") == []


def test_missing_wheel_names_the_file_and_the_hash_from_the_lock(pyodide_dir, web_dir, tmp_path):
    d = tmp_path / "pyodide"
    d.mkdir()
    for name in build.PYODIDE_CORE_SHA256:
        shutil.copy(pyodide_dir / name, d / name)
    with pytest.raises(build.BuildError, match=f"{WHEEL}.*{WHEEL_SHA256}"):
        build.build_site(tmp_path / "dist", "self", d, web_dir=web_dir, log=quiet)
    assert not (tmp_path / "dist").exists()


def test_cli_reports_a_bad_pyodide_dir_and_exits_2(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(tmp_path / "dist"),
                           "--pyodide-dir", str(tmp_path / "nowhere")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "nowhere" in proc.stderr and "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "dist").exists()


# --------------------------------------------------------------------------------- download path
def npm_tarball(path, pyodide_dir, flip=None):
    """An npm-style tarball (members under package/) holding the core files, optionally one corrupted."""
    with tarfile.open(path, "w:gz", compresslevel=1) as tf:
        for name in [*build.PYODIDE_CORE_SHA256, "package.json", "pyodide.d.ts"]:
            data = (pyodide_dir / name).read_bytes()
            if name == flip:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


@pytest.fixture(scope="module")
def mirror(pyodide_dir, tmp_path_factory):
    """A local stand-in for the npm registry and the Pyodide CDN, on 127.0.0.1."""
    root = tmp_path_factory.mktemp("mirror")
    npm_tarball(root / "pyodide.tgz", pyodide_dir)
    npm_tarball(root / "bad.tgz", pyodide_dir, flip="pyodide.asm.js")
    (root / "cdn").mkdir()
    shutil.copy(pyodide_dir / WHEEL, root / "cdn" / WHEEL)
    server, url = build.serve_dir(root)
    yield url
    server.shutdown()
    server.server_close()


def test_download_fetches_verifies_and_caches(mirror, clean_env, web_dir, monkeypatch):
    monkeypatch.setenv("PYODIDE_NPM_URL", mirror + "pyodide.tgz")
    monkeypatch.setenv("PYODIDE_CDN_URL", mirror + "cdn")   # no trailing slash on purpose
    logs = []
    out = build.build_site(clean_env / "dist", web_dir=web_dir, log=logs.append)
    assert sum("downloading" in line for line in logs) == 2
    for name, expected in build.PYODIDE_CORE_SHA256.items():
        assert sha256(out / "pyodide" / name) == expected
    assert sha256(out / "pyodide" / WHEEL) == WHEEL_SHA256
    cache = clean_env / "cache" / f"pyodide-{build.PYODIDE_VERSION}"
    assert sorted(p.name for p in cache.iterdir()) == sorted([*build.PYODIDE_CORE_SHA256, WHEEL])

    # cached files are re-verified, not trusted by name: a corrupted one is fetched again
    (cache / "pyodide.mjs").write_text("tampered")
    logs.clear()
    build.build_site(clean_env / "dist", web_dir=web_dir, log=logs.append)
    assert [line for line in logs if "downloading" in line] == [f"downloading {mirror}pyodide.tgz"]
    assert sha256(cache / "pyodide.mjs") == build.PYODIDE_CORE_SHA256["pyodide.mjs"]


def test_download_of_a_tampered_tarball_is_refused(mirror, clean_env, web_dir, monkeypatch):
    monkeypatch.setenv("PYODIDE_NPM_URL", mirror + "bad.tgz")
    monkeypatch.setenv("PYODIDE_CDN_URL", mirror + "cdn/")
    with pytest.raises(build.BuildError, match=r"pyodide\.asm\.js from .*bad\.tgz.*expected "
                                               + build.PYODIDE_CORE_SHA256["pyodide.asm.js"]):
        build.build_site(clean_env / "dist", web_dir=web_dir, log=quiet)
    assert not (clean_env / "dist").exists()


def test_download_of_a_missing_wheel_names_the_url(mirror, clean_env, web_dir, monkeypatch):
    monkeypatch.setenv("PYODIDE_NPM_URL", mirror + "pyodide.tgz")
    monkeypatch.setenv("PYODIDE_CDN_URL", mirror + "elsewhere/")
    with pytest.raises(build.BuildError) as err:
        build.build_site(clean_env / "dist", web_dir=web_dir, log=quiet)
    msg = str(err.value)
    assert f"{mirror}elsewhere/{WHEEL}" in msg and "404" in msg
    assert "PYODIDE_DIR" in msg and "--pyodide cdn" in msg
    assert not (clean_env / "dist").exists()


def test_download_from_a_refused_port_names_the_url(clean_env, web_dir, monkeypatch):
    with socket.socket() as s:   # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/pyodide.tgz"
    monkeypatch.setenv("PYODIDE_NPM_URL", url)
    with pytest.raises(build.BuildError, match=f"could not download {url}.*PYODIDE_DIR"):
        build.build_site(clean_env / "dist", web_dir=web_dir, log=quiet)
    assert not (clean_env / "dist").exists()


# --------------------------------------------------------------------------------- cdn, guards
def test_cdn_build_points_at_the_official_cdn_and_copies_no_pyodide(web_dir, tmp_path):
    out = build.build_site(tmp_path / "dist", "cdn", web_dir=web_dir, log=quiet)
    config = json.loads((out / "config.json").read_text())
    assert config["pyodideIndexURL"] == "https://cdn.jsdelivr.net/pyodide/v0.27.7/full/"
    assert config["packageURL"] == "./py/backprop.zip"
    assert not (out / "pyodide").exists()


def test_build_refuses_bad_input(web_dir, tmp_path):
    with pytest.raises(ValueError, match="'self' or 'cdn'"):
        build.build_site(tmp_path / "dist", "jsdelivr", web_dir=web_dir, log=quiet)
    empty = tmp_path / "empty-web"
    empty.mkdir()
    with pytest.raises(build.BuildError, match="index.html is missing"):
        build.build_site(tmp_path / "dist", "cdn", web_dir=empty, log=quiet)
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(build.BuildError, match="not a previous build"):
        build.build_site(foreign, "cdn", web_dir=web_dir, log=quiet)
    assert (foreign / "notes.txt").read_text() == "keep me"
    with pytest.raises(build.BuildError, match="inside"):
        build.build_site(web_dir / "dist", "cdn", web_dir=web_dir, log=quiet)
    assert not (web_dir / "dist").exists()


def test_the_real_web_folder_builds(tmp_path):
    if not (ROOT / "web" / "index.html").is_file():
        skip_or_fail("web/index.html is not there yet")
    out = build.build_site(tmp_path / "dist", "cdn", log=quiet)
    # the page as written, but for the CDN's origin added to its Content-Security-Policy
    page = (ROOT / "web" / "index.html").read_text(encoding="utf-8")
    built = (out / "index.html").read_text(encoding="utf-8")
    assert built.replace(" https://cdn.jsdelivr.net", "") == page and built != page
    assert (out / "data" / "model.json").read_bytes() == (ROOT / "web" / "data" / "model.json").read_bytes()
    assert (out / "kernel" / "gemm.wasm").read_bytes() == (ROOT / "web" / "kernel" / "gemm.wasm").read_bytes()
    assert not (out / "kernel" / "node_modules").exists()   # the kernel's build tools stay behind


# --------------------------------------------------------------------------------- serve
def test_serve_caches_pinned_pyodide_files_and_revalidates_the_rest(tmp_path):
    (tmp_path / "pyodide").mkdir()
    for rel in ("pyodide/pyodide.asm.wasm", "index.html", "py/backprop.zip"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    server, url = build.serve_dir(tmp_path)
    try:
        for rel, want in (("pyodide/pyodide.asm.wasm", "public, max-age=31536000, immutable"),
                          ("pyodide/pyodide.asm.wasm?v=1", "public, max-age=31536000, immutable"),
                          ("index.html", "no-cache"), ("py/backprop.zip", "no-cache")):
            with urllib.request.urlopen(url + rel, timeout=10) as r:
                assert r.headers["Cache-Control"] == want, rel
    finally:
        server.shutdown()
        server.server_close()


def test_serve_dir_sends_the_mime_types_the_page_needs(tmp_path):
    for name in ("a.wasm", "a.mjs", "a.js", "a.json", "a.npz", "a.zip", "a.whl", "index.html"):
        (tmp_path / name).write_bytes(b"\0asm" if name.endswith(".wasm") else b"x")
    server, url = build.serve_dir(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        expect = {"a.wasm": "application/wasm", "a.mjs": "text/javascript", "a.js": "text/javascript",
                  "a.json": "application/json", "a.npz": "application/octet-stream",
                  "a.zip": "application/zip", "a.whl": "application/zip", "index.html": "text/html"}
        for name, mime in expect.items():
            with urllib.request.urlopen(url + name, timeout=10) as r:
                assert r.headers.get_content_type() == mime, name
        with urllib.request.urlopen(url + "a.wasm", timeout=10) as r:
            assert r.read() == b"\0asm"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url + "missing.json", timeout=10)
        assert err.value.code == 404

        port = int(url.rstrip("/").rsplit(":", 1)[1])
        with pytest.raises(build.BuildError, match=f"port {port} .* in use.*--port"):
            build.serve_dir(tmp_path, port)
        with pytest.raises(build.BuildError, match="in use"):
            build.check_port_free(port)   # what `serve` asks before spending time on a build
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------------- data
def test_round_model_keeps_seven_significant_digits():
    d = {"sizes": [2, 1], "weights": [[[0.123456789, -1.23456789e-5]]], "biases": [[[12345.6789]]],
         "cost": "CrossEntropyCost"}
    r = site_data._round_model(d)
    assert r["weights"] == [[[0.1234568, -1.234568e-05]]] and r["biases"] == [[[12345.68]]]
    assert d["weights"][0][0][0] == 0.123456789   # the input is left alone


def test_data_command_on_a_small_slice(tmp_path):
    mnist_dir = os.environ.get("MNIST_DIR")
    if not mnist_dir:
        skip_or_fail("MNIST_DIR is not set (a folder with the four MNIST .gz files)")
    import backprop
    from backprop.data import mnist

    src = tmp_path / "trained"
    src.mkdir()
    (x_tr, y_tr), _, (x_te, y_te) = mnist.load_data(mnist_dir)
    net = backprop.Network([784, 16, 10], seed=3)
    net.train(x_tr[:2000], y_tr[:2000], 1, 10, 0.5, monitor_train_cost=False,
              monitor_train_accuracy=False)
    net.save(src / "model.json")
    (src / "model-meta.json").write_text(json.dumps({"eta": 0.5, "lmbda": 0.0, "epochs": 1, "seed": 3,
                                                     "batch_size": 10, "test_accuracy": 0.0}))
    out = tmp_path / "data"
    committed = sha256(ROOT / "web" / "data" / "model.json")
    meta = build.make_data(out, mnist_dir, n_train=100, n_test=50, model_path=src / "model.json", log=quiet)

    assert sorted(p.name for p in out.iterdir()) == ["README.md", "mnist-subset.npz", "model-meta.json",
                                                     "model.json"]
    with np.load(out / "mnist-subset.npz", allow_pickle=False) as z:
        assert z["x_train"].shape == (100, 784) and z["x_train"].dtype == np.uint8
        assert z["x_test"].shape == (50, 784) and z["y_test"].dtype == np.uint8
        assert list(z["y_train"][:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    shipped = backprop.load(out / "model.json")
    assert shipped.sizes == [784, 16, 10]
    # the recorded accuracy is the ROUNDED model's, on the full test set, scored independently here
    assert meta["test_accuracy"] == round(shipped.accuracy(x_te, y_te) / len(y_te), 4)
    assert abs(meta["test_accuracy"] - net.accuracy(x_te, y_te) / len(y_te)) <= 0.002
    assert meta["test_accuracy"] > 0.5
    assert meta["eta"] == 0.5 and meta["seed"] == 3   # carried over from the model's own metadata
    assert meta["subset_n_train"] == 100 and meta["licence"] == "CC BY-SA 3.0"
    assert json.loads((out / "model-meta.json").read_text()) == meta
    readme = (out / "README.md").read_text()
    assert "Yann LeCun" in readme and "CC BY-SA 3.0" in readme
    assert sha256(ROOT / "web" / "data" / "model.json") == committed   # --out-dir kept web/data out of it


def test_data_command_rejects_a_model_of_the_wrong_shape_before_writing(tmp_path):
    import backprop
    backprop.Network([4, 3, 2], seed=0).save(tmp_path / "small.json")
    with pytest.raises(ValueError, match=r"784 inputs and 10 outputs"):
        build.make_data(tmp_path / "data", None, 10, 10, model_path=tmp_path / "small.json", log=quiet)
    assert not (tmp_path / "data").exists()


# --------------------------------------------------------------------------------- committed web/data
def test_committed_data_is_small_and_the_model_scores_what_its_metadata_says():
    import backprop
    from backprop.data import mnist

    data = ROOT / "web" / "data"
    assert (data / "mnist-subset.npz").stat().st_size <= 5_000_000
    subset = mnist.read_subset(data / "mnist-subset.npz")
    assert subset["x_train"].shape == (10000, 784) and subset["x_train"].dtype == np.uint8
    assert subset["x_test"].shape == (2000, 784) and subset["y_test"].shape == (2000,)
    meta = json.loads((data / "model-meta.json").read_text())
    from backprop.cli import shipped_model
    settings = shipped_model.read_recipe(data / "model-recipe.json")   # what `build.py data` trains is what was committed
    assert {k: meta[k] for k in settings} == settings and meta["cost"] == "CrossEntropyCost"
    assert list(meta)[:len(settings)] == list(settings)   # the recipe's order, first in the record
    assert meta["test_accuracy"] >= 0.98 and len(meta["validation_accuracy"]) == settings["epochs"]
    assert "LeCun" in meta["source"] and meta["licence"] == "CC BY-SA 3.0"
    net = backprop.load(data / "model.json")
    assert net.sizes == settings["sizes"]
    x, y = subset["x_test"] / 255.0, subset["y_test"].astype(np.int64)
    assert net.accuracy(x, y) / len(y) == pytest.approx(meta["subset_test_accuracy"], abs=5e-5)
    assert (data / "model.json").stat().st_size < 3_500_000
    assert sum(p.stat().st_size for p in data.iterdir()) < 8_000_000   # the page's data budget
    assert "CC BY-SA 3.0" in (data / "README.md").read_text()


def test_committed_model_reaches_98_percent_on_the_full_test_set():
    mnist_dir = os.environ.get("MNIST_DIR")
    if not mnist_dir:
        skip_or_fail("MNIST_DIR is not set (a folder with the four MNIST .gz files)")
    import backprop
    from backprop.data import mnist

    _, _, (x_te, y_te) = mnist.load_data(mnist_dir)
    net = backprop.load(ROOT / "web" / "data" / "model.json")
    meta = json.loads((ROOT / "web" / "data" / "model-meta.json").read_text())
    acc = net.accuracy(x_te, y_te) / len(y_te)
    assert acc >= 0.98
    assert acc == pytest.approx(meta["test_accuracy"], abs=5e-5)


# --------------------------------------------------------------------------------- what --out may replace
def test_a_folder_with_a_config_json_and_other_files_is_never_replaced(web_dir, tmp_path):
    v = tmp_path / "v"
    (v / "src").mkdir(parents=True)
    (v / "config.json").write_text("{}")
    (v / "src" / "thesis.tex").write_text("keep")
    with pytest.raises(build.BuildError, match=r"src/thesis\.tex.*no build wrote"):
        build.build_site(v, "cdn", web_dir=web_dir, log=quiet)
    assert (v / "src" / "thesis.tex").read_text() == "keep" and (v / "config.json").read_text() == "{}"
    assert leftovers(tmp_path, "v") == []


def test_only_an_earlier_build_with_nothing_added_is_replaced(web_dir, tmp_path):
    out = build.build_site(tmp_path / "dist", "cdn", web_dir=web_dir, log=quiet)
    manifest = json.loads((out / build.MANIFEST).read_text())
    assert manifest["signature"] == build.MANIFEST_SIGNATURE
    assert set(manifest["files"]) == set(common.site_files(out)) - {build.MANIFEST}
    (out / "index.html").unlink()                         # less than a build wrote: still ours
    build.build_site(out, "cdn", web_dir=web_dir, log=quiet)
    assert (out / "index.html").is_file()
    (out / "data" / "notes.txt").write_text("mine")       # something added: not ours any more
    with pytest.raises(build.BuildError, match=r"data/notes\.txt"):
        build.build_site(out, "cdn", web_dir=web_dir, log=quiet)
    assert (out / "data" / "notes.txt").read_text() == "mine"
    (out / "data" / "notes.txt").unlink()
    (out / build.MANIFEST).write_text('{"signature": "someone else", "files": ["data/notes.txt"]}')
    (out / "data" / "notes.txt").write_text("mine")       # a forged manifest does not vouch for it
    with pytest.raises(build.BuildError, match=r"data/notes\.txt"):
        build.build_site(out, "cdn", web_dir=web_dir, log=quiet)


@pytest.mark.parametrize("where", ["root", "web", "home", "slash", "file"])
def test_protected_folders_and_files_are_refused_before_any_work(where, tmp_path, monkeypatch):
    monkeypatch.setattr(pins, "fetch_pyodide", lambda **_: pytest.fail("work started"))   # build_site's lookup
    out = {"root": ROOT, "web": ROOT / "web", "home": Path.home(), "slash": Path("/"),
           "file": ROOT / "README.md"}[where]
    with pytest.raises(build.BuildError, match="never replaces|is a file|inside"):
        build.build_site(out, "self", log=quiet)
    assert (ROOT / "README.md").is_file() and (ROOT / "web" / "index.html").is_file()


def test_the_site_gets_the_packages_limits_for_state_js(web_dir, tmp_path):
    out = build.build_site(tmp_path / "dist", "cdn", web_dir=web_dir, log=quiet)
    assert (out / "js" / "limits.json").read_bytes() == (build.PACKAGE_DIR / build.LIMITS_FILE).read_bytes()


def test_the_site_gets_the_labs_texts_from_the_package(web_dir, tmp_path):
    from backprop.lab import backprop_texts as lab_bugs
    out = build.build_site(tmp_path / "dist", "cdn", web_dir=web_dir, log=quiet)
    texts = json.loads((out / "js" / "lab.json").read_text(encoding="utf-8"))
    assert texts["skeleton"] == lab_bugs.SKELETON
    assert {b["id"]: b["code"] for b in texts["bugs"]} == {k: b["code"] for k, b in lab_bugs.BUGS.items()}
    assert all(b["story"] and b["title"] for b in texts["bugs"])


@pytest.mark.parametrize("argv, named", [
    (["serve", "--port", "70000"], "70000"),
    (["serve", "--port", "http"], "http"),
    (["build", "--out", "README.md", "--pyodide", "cdn"], "is a file"),
    (["build", "--pyodide", "jsdelivr"], "jsdelivr"),
    (["data", "--n-train", "-5"], "-5"),
    (["frobnicate"], "frobnicate"),
])
def test_user_errors_are_one_line_and_exit_2(argv, named):
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), *argv], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert named in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_test_files_have_unique_basenames():
    """pytest imports test modules by basename (no packages here): tests/x.py and tests/e2e/x.py
    would clash at collection, and the whole run would stop."""
    tests = Path(__file__).resolve().parent
    names = [p.name for p in tests.rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
