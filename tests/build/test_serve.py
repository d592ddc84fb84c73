"""build.py serve (tools/sitebuild/serve.py): the caching and MIME types the page needs."""

import urllib.request

import pytest

import build


# --------------------------------------------------------------------------------- serve
def test_serve_caches_pinned_pyodide_files_and_revalidates_the_rest(tmp_path):
    (tmp_path / "pyodide").mkdir()
    for rel in ("pyodide/pyodide.asm.wasm", "index.html", "py/backprop.zip"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    server, url = build.serve_dir(tmp_path)
    try:
        for rel, want in (
            ("pyodide/pyodide.asm.wasm", "public, max-age=31536000, immutable"),
            ("pyodide/pyodide.asm.wasm?v=1", "public, max-age=31536000, immutable"),
            ("index.html", "no-cache"),
            ("py/backprop.zip", "no-cache"),
        ):
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
        expect = {
            "a.wasm": "application/wasm",
            "a.mjs": "text/javascript",
            "a.js": "text/javascript",
            "a.json": "application/json",
            "a.npz": "application/octet-stream",
            "a.zip": "application/zip",
            "a.whl": "application/zip",
            "index.html": "text/html",
        }
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
            build.check_port_free(port)  # what `serve` asks before spending time on a build
    finally:
        server.shutdown()
        server.server_close()
