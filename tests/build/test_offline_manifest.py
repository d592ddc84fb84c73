"""build.py's part of the offline page: sw-manifest.json, the build id stamped into sw.js, and the
pinned Pyodide build id that keys the start-up snapshot."""

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

import build
from ci_support import ROOT, skip_or_fail


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def site(tmp_path):
    """A small site as build_site leaves it before the manifest: the real sw.js, a page, data."""
    site = tmp_path / "dist"
    (site / "js").mkdir(parents=True)
    (site / "data").mkdir()
    shutil.copyfile(ROOT / "web" / "sw.js", site / "sw.js")
    (site / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    (site / "js" / "main.js").write_text("export const x = 1;\n", encoding="utf-8")
    (site / "data" / build.FULL_DATA_NAME).write_bytes(b"full digits")
    (site / "_headers").write_text("/pyodide/*\n", encoding="utf-8")
    (site / build.MANIFEST).write_text("{}", encoding="utf-8")
    return site


def manifest(site):
    return json.loads((site / "sw-manifest.json").read_text(encoding="utf-8"))


def test_manifest_lists_every_file_with_its_sha256_and_the_full_data_as_lazy(site):
    build_id = build.write_offline_manifest(site)
    m = manifest(site)
    assert m["build"] == build_id
    assert m["files"] == {"index.html": sha256(site / "index.html"), "js/main.js": sha256(site / "js" / "main.js")}
    assert m["lazy"] == [f"data/{build.FULL_DATA_NAME}"]
    text = (site / "sw.js").read_text(encoding="utf-8")
    assert f'const BUILD = "{build_id}";' in text and build.SW_BUILD_LINE not in text


def test_build_id_is_the_same_for_the_same_files_and_changes_with_any_file(site, tmp_path):
    twin = tmp_path / "twin"
    shutil.copytree(site, twin)
    first = build.write_offline_manifest(site)
    assert build.write_offline_manifest(twin) == first
    (tmp_path / "third").mkdir()
    shutil.copytree(site, tmp_path / "third", dirs_exist_ok=True)
    shutil.copyfile(ROOT / "web" / "sw.js", tmp_path / "third" / "sw.js")  # unstamped again
    (tmp_path / "third" / "js" / "main.js").write_text("export const x = 2;\n", encoding="utf-8")
    assert build.write_offline_manifest(tmp_path / "third") != first


def test_known_hashes_are_used_for_pyodide_files(site):
    (site / "pyodide").mkdir()
    (site / "pyodide" / "pyodide.mjs").write_bytes(b"not hashed again")
    build.write_offline_manifest(site, known={"pyodide.mjs": "a" * 64})
    assert manifest(site)["files"]["pyodide/pyodide.mjs"] == "a" * 64


def test_a_sw_js_without_the_build_line_is_refused_and_no_sw_js_writes_nothing(site):
    (site / "sw.js").write_text("// no build line\n", encoding="utf-8")
    with pytest.raises(build.BuildError, match="const BUILD"):
        build.write_offline_manifest(site)
    (site / "sw.js").unlink()
    assert build.write_offline_manifest(site) is None
    assert not (site / "sw-manifest.json").exists()


def test_pinned_build_id_is_the_one_in_pyodide_mjs():
    d = os.environ.get("PYODIDE_DIR")
    if not d:
        skip_or_fail("PYODIDE_DIR is not set (a folder with Pyodide 0.27.7)")
    mjs = Path(d) / "pyodide.mjs"
    assert sha256(mjs) == build.PYODIDE_CORE_SHA256["pyodide.mjs"]
    assert re.findall(r'BUILD_ID:"([0-9a-f]+)"', mjs.read_text(encoding="utf-8")) == [build.PYODIDE_BUILD_ID]


def test_built_site_has_config_build_id_and_a_manifest_of_what_is_served(tmp_path):
    d = os.environ.get("PYODIDE_DIR")
    if not d:
        skip_or_fail("PYODIDE_DIR is not set (a folder with Pyodide 0.27.7)")
    site = build.build_site(tmp_path / "dist", pyodide="self", pyodide_dir=d, log=lambda *a: None)
    config = json.loads((site / "config.json").read_text(encoding="utf-8"))
    assert config["pyodideBuildId"] == build.PYODIDE_BUILD_ID
    files = manifest(site)["files"]
    for rel in (
        "index.html",
        "config.json",
        "js/worker.js",
        "js/snapshot-worker.js",
        "py/backprop.zip",
        "data/mnist-subset.npz",
        "pyodide/pyodide.asm.wasm.gz",
        "py/python_stdlib.zip",
        "kernel/gemm.wasm",
    ):
        assert files[rel] == sha256(site / rel), rel
    assert not {"sw.js", "sw-manifest.json", "_headers", build.MANIFEST} & set(files)
    # what the page fetches in their place (the gzipped WebAssembly, the trimmed standard library) is
    # kept instead: the service worker does not download 12 MB the page never asks for
    assert not {"pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip"} & set(files)
