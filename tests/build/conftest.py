"""Fixtures for the build's tests: a stand-in web/ folder, the offline Pyodide folder, an empty
download cache, and one self-hosted site built from them."""

import hashlib
import os
import shutil
from pathlib import Path

import pytest

import build
from ci_support import ROOT, skip_or_fail


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


@pytest.fixture(scope="module")
def site(tmp_path_factory, pyodide_dir, web_dir):
    out = tmp_path_factory.mktemp("site") / "dist"
    assert build.build_site(out, "self", pyodide_dir, web_dir=web_dir, log=lambda *a: None) == out.resolve()
    return out


@pytest.fixture(scope="session")
def quiet():
    """A log that says nothing: build_site(..., log=quiet)."""
    return lambda *args: None


@pytest.fixture(scope="session")
def sha256():
    return lambda path: hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def leftovers():
    """leftovers(folder, name): the temporary files an interrupted write of `name` left in `folder`."""
    return lambda parent, name: [p.name for p in Path(parent).iterdir() if p.name.startswith(f".{name}.")]
