"""A first visit (issue 19): every file the page needs before it is ready is fetched once, the
compressed and trimmed copies in place of Pyodide's originals, the lab's editor only after ready, and
the status line shows a bar of the bytes done and to go. (How fast: tools/bench_first.py.)"""

import json
import re

import pytest

from faults import FaultServer
from steps import READY_TIMEOUT_MS

pytestmark = pytest.mark.e2e

READY = "document.getElementById('status').dataset.state !== 'loading'"


def before_ready(server, page):
    """The paths the server was asked for before the page said it was ready."""
    when = page.evaluate("(performance.timeOrigin + window.__app.readyMs) / 1000")
    return [path for path, t in zip(list(server.requests), list(server.times)) if t <= when]


def test_each_file_comes_once_and_the_editor_after_ready(site_dir, new_page):
    server = FaultServer(site_dir)
    try:
        page = new_page(service_workers="block")  # the service worker's install fetches after ready
        page.goto(server.url)
        page.wait_for_function(READY, timeout=READY_TIMEOUT_MS)
        assert page.get_attribute("#status", "data-state") == "ready", page.text_content("#status")
        asked = before_ready(server, page)
        # the downloads (the page's and the worker's small modules, shared, are revalidated by each)
        big = [p for p in asked if p.startswith(("pyodide/", "py/", "data/", "vendor/"))]
        twice = sorted({p for p in big if big.count(p) > 1})
        assert twice == [], twice
        for path in ("pyodide/pyodide.asm.wasm.gz", "pyodide/pyodide.asm.js.gz", "py/python_stdlib.zip",
                     "data/model.json.gz", "pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"):  # fmt: skip
            assert path in asked, (path, asked)
        replaced = {
            "pyodide/pyodide.asm.wasm",
            "pyodide/pyodide.asm.js",
            "pyodide/python_stdlib.zip",
            "data/model.json",
        }
        assert not replaced & set(asked), asked
        assert "vendor/codemirror.js" not in asked and "js/lab.json" not in asked, asked
        page.wait_for_function("window.__lab && window.__lab.ready", timeout=READY_TIMEOUT_MS)  # the editor comes
        assert "vendor/codemirror.js" in server.requests
    finally:
        server.stop()


def test_the_first_visit_shows_the_bytes_done_and_to_go(site_dir, new_page):
    wheel = "pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
    server = FaultServer(site_dir, {wheel: "slow"})  # long enough to see the bar under way
    config = json.loads((site_dir / "config.json").read_text())
    total = (
        sum(e["bytes"] for e in config["preload"]) + sum(config["downloadBytes"].values()) + config["asmJs"]["bytes"]
    )
    try:
        page = new_page()
        page.goto(server.url)
        page.wait_for_selector("#load-progress:not([hidden])", timeout=READY_TIMEOUT_MS)
        text = page.text_content("#status-text")
        match = re.search(r"Downloading Python, numpy and the model… (\d+\.\d) of (\d+\.\d) MB", text)
        assert match, text
        assert float(match[2]) == round(total / 1e6, 1), (text, total)
        assert int(page.get_attribute("#load-progress", "data-total")) == total
        assert 0 <= int(page.get_attribute("#load-progress", "data-done")) < total
        page.wait_for_function(READY, timeout=READY_TIMEOUT_MS)
        assert page.get_attribute("#status", "data-state") == "ready", page.text_content("#status")
        assert page.is_hidden("#load-progress")
    finally:
        server.stop()
