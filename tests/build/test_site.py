"""build.py's site (tools/sitebuild/assemble.py, outdir.py): its layout, the package archive by the
command line folder's rule, a CDN build, the guards on --out, and build.py's own command line."""

import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import build
from ci_support import ROOT, skip_or_fail
from sitebuild import common
from sitebuild import pyodide as pins

WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
WHEEL_SHA256 = "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"  # from the official lock


# --------------------------------------------------------------------------------- self-hosted build
def test_site_has_the_page_data_package_and_relative_config(site, leftovers):
    for rel in (
        "index.html",
        "js/main.mjs",
        "css/page.css",
        "data/mnist-subset.npz",
        "data/model.json",
        "data/model-meta.json",
        "data/README.md",
        "py/backprop.zip",
        "config.json",
    ):
        assert (site / rel).is_file(), rel
    assert not (site / ".hidden").exists() and not (site / "js" / "__pycache__").exists()
    config = json.loads((site / "config.json").read_text())
    assert config["pyodideIndexURL"] == "./pyodide/"
    assert config["version"] == build.package_version()
    assert config["built"].endswith("Z")
    for key in ("pyodideIndexURL", "packageURL", "dataURL", "modelURL", "modelMetaURL"):
        url = config[key]
        assert url.startswith("./"), (key, url)  # a project site lives under /<repo>/
        assert (site / url).exists(), (key, url)
    assert leftovers(site.parent, "dist") == []


def test_self_hosted_pyodide_is_exactly_the_verified_files(site, sha256):
    pyodide = site / "pyodide"
    names = sorted(p.name for p in pyodide.iterdir())
    gzipped = ["pyodide.asm.wasm.gz", "pyodide.asm.js.gz"]  # what the page fetches (sitebuild/trim.py)
    assert names == sorted([*build.PYODIDE_CORE_SHA256, WHEEL, *gzipped])  # no .d.ts, no package.json
    for name, expected in build.PYODIDE_CORE_SHA256.items():
        assert sha256(pyodide / name) == expected, name
    for name in gzipped:  # each is its pinned original, compressed
        assert (
            hashlib.sha256(gzip.decompress((pyodide / name).read_bytes())).hexdigest()
            == (build.PYODIDE_CORE_SHA256[name.removesuffix(".gz")])
        ), name
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == build.PYODIDE_VERSION
    assert lock["packages"]["numpy"]["file_name"] == WHEEL
    assert sha256(pyodide / WHEEL) == lock["packages"]["numpy"]["sha256"] == WHEEL_SHA256
    assert "/pyodide/*\n  Cache-Control: public, max-age=31536000, immutable" in (site / "_headers").read_text()


def test_the_page_gets_numpys_wheel_trimmed_and_a_lock_naming_it_alone(site, sha256):
    """py/ holds numpy's wheel without what importing numpy never reads (every entry left is the
    original's, byte for byte, or a module compiled from it: test_compiled.py) and a lock file naming
    that wheel alone; config.json's preload hands them to Pyodide in place of its own."""
    original, trimmed = zipfile.ZipFile(site / "pyodide" / WHEEL), zipfile.ZipFile(site / "py" / WHEEL)
    left = set(trimmed.namelist())
    sources = {n.removesuffix("c") for n in left}  # a module compiled at build time: test_compiled.py
    gone = set(original.namelist()) - sources
    assert sources < set(original.namelist())
    assert any(n.startswith("numpy/f2py/") for n in gone) and any(n.endswith(".pyi") for n in gone)
    assert "numpy/_core/_umath_tests.cpython-312-wasm32-emscripten.so" in gone
    assert "numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so" in left
    assert "numpy/_core/_multiarray_tests.cpython-312-wasm32-emscripten.so" in left  # numpy._core imports it
    for name in left - {"numpy-2.0.2.dist-info/RECORD"}:
        assert name.endswith(".pyc") or trimmed.read(name) == original.read(name), name
    record = trimmed.read("numpy-2.0.2.dist-info/RECORD").decode()
    assert "numpy/f2py/" not in record and "numpy/_core/_multiarray_umath" in record
    assert (site / "py" / WHEEL).stat().st_size < 0.87 * (site / "pyodide" / WHEEL).stat().st_size
    assert "numpy/_core/numeric.py" in left or "numpy/_core/numeric.pyc" in left
    lock = json.loads((site / "py" / "pyodide-lock.json").read_text())
    assert list(lock["packages"]) == ["numpy"] and lock["info"]["version"] == build.PYODIDE_VERSION
    assert lock["packages"]["numpy"]["sha256"] == sha256(site / "py" / WHEEL)
    preload = {e["as"]: e for e in json.loads((site / "config.json").read_text())["preload"]}
    wheel, lock_entry = preload[f"./pyodide/{WHEEL}"], preload["./pyodide/pyodide-lock.json"]
    assert (wheel["url"], wheel["sha256"]) == (f"./py/{WHEEL}", sha256(site / "py" / WHEEL))
    assert (lock_entry["url"], lock_entry["sha256"]) == (
        "./py/pyodide-lock.json",
        sha256(site / "py" / "pyodide-lock.json"),
    )


def test_package_zip_imports_and_runs_on_its_own(site, tmp_path):
    names = zipfile.ZipFile(site / "py" / "backprop.zip").namelist()
    assert "backprop/__init__.py" in names and "backprop/nn/network.py" in names
    assert names == sorted(names) and all(n.startswith("backprop/") and n.endswith((".py", ".json")) for n in names)
    assert "backprop/page/limits.json" in names  # package data: page/params.py reads it
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import numpy as np, backprop, backprop.page.session; "
        "assert backprop.__file__.startswith(sys.argv[1]), backprop.__file__; "
        "net = backprop.Network([784, 30, 10], seed=1); "
        "print(net.feedforward(np.zeros((3, 784))).shape, backprop.__version__)"
    )
    # -I: no PYTHONPATH, no script dir, so the only backprop it can find is the one in the zip
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code, str(site / "py" / "backprop.zip")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["(3,", "10)", build.package_version()]


def test_package_zip_is_reproducible(tmp_path):
    a = build.write_package_zip(tmp_path / "a.zip")
    b = build.write_package_zip(tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    info = zipfile.ZipFile(a).infolist()
    assert {i.date_time for i in info} == {build.ZIP_DATE}
    # every module and data file of the package but the command line's folder and entry point
    want = sorted(
        f"backprop/{p.relative_to(build.PACKAGE_DIR).as_posix()}"
        for p in build.PACKAGE_DIR.rglob("*")
        if p.suffix in (".py", ".json")
        and "__pycache__" not in p.parts
        and p.relative_to(build.PACKAGE_DIR).parts[0] not in ("cli", "__main__.py")
    )
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
    assert {
        "backprop.nn.network",
        "backprop.page.session",
        "backprop.data.preprocess",
        "backprop.explain.trace",
        "backprop.lab.check",
    } <= set(modules)
    code = (
        "import importlib, sys; sys.path.insert(0, sys.argv[1]); "
        "[importlib.import_module(m) for m in sys.argv[2:]]; "
        "assert all(not m.startswith('backprop.cli') for m in sys.modules), 'the archive imported the CLI'"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code, str(archive), *modules],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------------- cdn, guards
def test_cdn_build_points_at_the_official_cdn_and_copies_no_pyodide(web_dir, tmp_path, quiet):
    out = build.build_site(tmp_path / "dist", "cdn", web_dir=web_dir, log=quiet)
    config = json.loads((out / "config.json").read_text())
    assert config["pyodideIndexURL"] == "https://cdn.jsdelivr.net/pyodide/v0.27.7/full/"
    assert config["packageURL"] == "./py/backprop.zip"
    assert not (out / "pyodide").exists()


def test_build_refuses_bad_input(web_dir, tmp_path, quiet):
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


def test_the_real_web_folder_builds(tmp_path, quiet):
    if not (ROOT / "web" / "index.html").is_file():
        skip_or_fail("web/index.html is not there yet")
    out = build.build_site(tmp_path / "dist", "cdn", log=quiet)
    # the page as written, but for the CDN's origin added to its Content-Security-Policy
    page = (ROOT / "web" / "index.html").read_text(encoding="utf-8")
    built = (out / "index.html").read_text(encoding="utf-8")
    assert built.replace(" https://cdn.jsdelivr.net", "") == page and built != page
    assert (out / "data" / "model.json").read_bytes() == (ROOT / "web" / "data" / "model.json").read_bytes()
    assert (out / "kernel" / "gemm.wasm").read_bytes() == (ROOT / "web" / "kernel" / "gemm.wasm").read_bytes()
    assert not (out / "kernel" / "node_modules").exists()  # the kernel's build tools stay behind


# --------------------------------------------------------------------------------- what --out may replace
def test_a_folder_with_a_config_json_and_other_files_is_never_replaced(web_dir, tmp_path, quiet, leftovers):
    v = tmp_path / "v"
    (v / "src").mkdir(parents=True)
    (v / "config.json").write_text("{}")
    (v / "src" / "thesis.tex").write_text("keep")
    with pytest.raises(build.BuildError, match=r"src/thesis\.tex.*no build wrote"):
        build.build_site(v, "cdn", web_dir=web_dir, log=quiet)
    assert (v / "src" / "thesis.tex").read_text() == "keep" and (v / "config.json").read_text() == "{}"
    assert leftovers(tmp_path, "v") == []


def test_only_an_earlier_build_with_nothing_added_is_replaced(web_dir, tmp_path, quiet):
    out = build.build_site(tmp_path / "dist", "cdn", web_dir=web_dir, log=quiet)
    manifest = json.loads((out / build.MANIFEST).read_text())
    assert manifest["signature"] == build.MANIFEST_SIGNATURE
    assert set(manifest["files"]) == set(common.site_files(out)) - {build.MANIFEST}
    (out / "index.html").unlink()  # less than a build wrote: still ours
    build.build_site(out, "cdn", web_dir=web_dir, log=quiet)
    assert (out / "index.html").is_file()
    (out / "data" / "notes.txt").write_text("mine")  # something added: not ours any more
    with pytest.raises(build.BuildError, match=r"data/notes\.txt"):
        build.build_site(out, "cdn", web_dir=web_dir, log=quiet)
    assert (out / "data" / "notes.txt").read_text() == "mine"
    (out / "data" / "notes.txt").unlink()
    (out / build.MANIFEST).write_text('{"signature": "someone else", "files": ["data/notes.txt"]}')
    (out / "data" / "notes.txt").write_text("mine")  # a forged manifest does not vouch for it
    with pytest.raises(build.BuildError, match=r"data/notes\.txt"):
        build.build_site(out, "cdn", web_dir=web_dir, log=quiet)


@pytest.mark.parametrize("where", ["root", "web", "home", "slash", "file"])
def test_protected_folders_and_files_are_refused_before_any_work(where, tmp_path, monkeypatch, quiet):
    monkeypatch.setattr(pins, "fetch_pyodide", lambda **_: pytest.fail("work started"))  # build_site's lookup
    out = {"root": ROOT, "web": ROOT / "web", "home": Path.home(), "slash": Path("/"), "file": ROOT / "README.md"}[
        where
    ]
    with pytest.raises(build.BuildError, match="never replaces|is a file|inside"):
        build.build_site(out, "self", log=quiet)
    assert (ROOT / "README.md").is_file() and (ROOT / "web" / "index.html").is_file()


def test_the_site_gets_the_packages_limits_for_state_js(web_dir, tmp_path, quiet):
    out = build.build_site(tmp_path / "dist", "cdn", web_dir=web_dir, log=quiet)
    assert (out / "js" / "limits.json").read_bytes() == (build.PACKAGE_DIR / build.LIMITS_FILE).read_bytes()


def test_the_site_gets_the_labs_texts_from_the_package(web_dir, tmp_path, quiet):
    from backprop.lab import backprop_texts as lab_bugs

    out = build.build_site(tmp_path / "dist", "cdn", web_dir=web_dir, log=quiet)
    texts = json.loads((out / "js" / "lab.json").read_text(encoding="utf-8"))
    assert texts["skeleton"] == lab_bugs.SKELETON
    assert {b["id"]: b["code"] for b in texts["bugs"]} == {k: b["code"] for k, b in lab_bugs.BUGS.items()}
    assert all(b["story"] and b["title"] for b in texts["bugs"])
    from backprop.lab import exercises

    assert [e["key"] for e in texts["exercises"]] == list(exercises.EXERCISES)
    for shipped in texts["exercises"]:
        ex = exercises.get(shipped["key"])
        assert shipped["skeleton"] == ex.texts.SKELETON and shipped["signature"] == ex.signature
        assert [b["id"] for b in shipped["bugs"]] == list(ex.texts.BUGS) and shipped["trains"] == ex.trains


@pytest.mark.parametrize(
    "argv, named",
    [
        (["serve", "--port", "70000"], "70000"),
        (["serve", "--port", "http"], "http"),
        (["build", "--out", "README.md", "--pyodide", "cdn"], "is a file"),
        (["build", "--pyodide", "jsdelivr"], "jsdelivr"),
        (["data", "--n-train", "-5"], "-5"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(argv, named):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *argv], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 2, proc.stderr
    assert named in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
