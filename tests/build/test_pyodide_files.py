"""Pyodide's files for a self-hosted site (tools/sitebuild/pyodide.py): verified file by file
against the pins and the lock, refused when tampered with, downloaded and cached when missing."""

import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import build
from ci_support import ROOT
from sitebuild import common
from sitebuild import pyodide as pins

WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
WHEEL_SHA256 = "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"  # from the official lock


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


def test_tampered_wasm_is_refused_and_no_dist_is_left(tampered_dir, web_dir, tmp_path, quiet, sha256, leftovers):
    out = tmp_path / "out" / "dist"
    with pytest.raises(build.BuildError) as err:
        build.build_site(out, "self", tampered_dir, web_dir=web_dir, log=quiet)
    msg = str(err.value)
    assert "pyodide.asm.wasm" in msg and build.PYODIDE_CORE_SHA256["pyodide.asm.wasm"] in msg
    assert sha256(tampered_dir / "pyodide.asm.wasm") in msg
    assert not out.exists()
    assert not out.parent.exists() or leftovers(out.parent, "dist") == []


def test_a_failed_build_keeps_the_previous_site(web_dir, tmp_path, monkeypatch, quiet, leftovers):
    out = tmp_path / "dist"
    build.build_site(out, "cdn", web_dir=web_dir, log=quiet)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    written = []

    def fail_after_the_files(src, dst, expected):  # the last step before the swap: config.json
        written.extend(common.site_files(Path(dst).parents[1]))
        raise build.BuildError("disk full")

    # replaced where build_site looks them up: sitebuild.pyodide
    monkeypatch.setattr(pins, "copy_verified", fail_after_the_files)
    pyodide_files = {n: tmp_path / n for n in ("pyodide.js", "pyodide-lock.json")}
    monkeypatch.setattr(pins, "verify_pyodide_dir", lambda d: pyodide_files)
    monkeypatch.setattr(pins, "wheels_from_lock", lambda p: [])
    with pytest.raises(build.BuildError, match="disk full"):
        build.build_site(out, "self", tmp_path, web_dir=web_dir, log=quiet)
    assert "index.html" in written and "py/backprop.zip" in written  # it failed after writing files
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert leftovers(tmp_path, "dist") == []


def test_missing_wheel_names_the_file_and_the_hash_from_the_lock(pyodide_dir, web_dir, tmp_path, quiet):
    d = tmp_path / "pyodide"
    d.mkdir()
    for name in build.PYODIDE_CORE_SHA256:
        shutil.copy(pyodide_dir / name, d / name)
    with pytest.raises(build.BuildError, match=f"{WHEEL}.*{WHEEL_SHA256}"):
        build.build_site(tmp_path / "dist", "self", d, web_dir=web_dir, log=quiet)
    assert not (tmp_path / "dist").exists()


def test_cli_reports_a_bad_pyodide_dir_and_exits_2(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "--out",
            str(tmp_path / "dist"),
            "--pyodide-dir",
            str(tmp_path / "nowhere"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
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


def test_download_fetches_verifies_and_caches(mirror, clean_env, web_dir, monkeypatch, sha256):
    monkeypatch.setenv("PYODIDE_NPM_URL", mirror + "pyodide.tgz")
    monkeypatch.setenv("PYODIDE_CDN_URL", mirror + "cdn")  # no trailing slash on purpose
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


def test_download_of_a_tampered_tarball_is_refused(mirror, clean_env, web_dir, monkeypatch, quiet):
    monkeypatch.setenv("PYODIDE_NPM_URL", mirror + "bad.tgz")
    monkeypatch.setenv("PYODIDE_CDN_URL", mirror + "cdn/")
    with pytest.raises(
        build.BuildError,
        match=r"pyodide\.asm\.js from .*bad\.tgz.*expected " + build.PYODIDE_CORE_SHA256["pyodide.asm.js"],
    ):
        build.build_site(clean_env / "dist", web_dir=web_dir, log=quiet)
    assert not (clean_env / "dist").exists()


def test_download_of_a_missing_wheel_names_the_url(mirror, clean_env, web_dir, monkeypatch, quiet):
    monkeypatch.setenv("PYODIDE_NPM_URL", mirror + "pyodide.tgz")
    monkeypatch.setenv("PYODIDE_CDN_URL", mirror + "elsewhere/")
    with pytest.raises(build.BuildError) as err:
        build.build_site(clean_env / "dist", web_dir=web_dir, log=quiet)
    msg = str(err.value)
    assert f"{mirror}elsewhere/{WHEEL}" in msg and "404" in msg
    assert "PYODIDE_DIR" in msg and "--pyodide cdn" in msg
    assert not (clean_env / "dist").exists()


def test_download_from_a_refused_port_names_the_url(clean_env, web_dir, monkeypatch, quiet):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/pyodide.tgz"
    monkeypatch.setenv("PYODIDE_NPM_URL", url)
    with pytest.raises(build.BuildError, match=f"could not download {url}.*PYODIDE_DIR"):
        build.build_site(clean_env / "dist", web_dir=web_dir, log=quiet)
    assert not (clean_env / "dist").exists()
