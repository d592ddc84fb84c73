"""A first visit (issue 19): every file the page needs before it is ready is fetched once, the
compressed and trimmed copies in place of Pyodide's originals, the lab's editor only after ready, and
the status line shows a bar of the bytes done and to go. (How fast: tools/bench_first.py.)"""

import json
import re

import pytest

from bench_page import draw_strokes
from drawing import load_drawn_digits
from faults import FaultServer
from steps import READY_TIMEOUT_MS

pytestmark = pytest.mark.e2e

READY = "document.getElementById('status').dataset.state !== 'loading'"
WHEEL = "py/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"  # numpy's, trimmed (sitebuild/trim.py)


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
        # the downloads, each sent whole once: the page's and the worker's small modules (shared) are
        # revalidated by each, and so are the first downloads early.js begins into the HTTP cache
        when = page.evaluate("(performance.timeOrigin + window.__app.readyMs) / 1000")
        sent = [p for p, code, t in list(server.responses) if code == 200 and t <= when]
        big = [p for p in sent if p.startswith(("pyodide/", "py/", "data/", "vendor/"))]
        twice = sorted({p for p in big if big.count(p) > 1})
        assert twice == [], twice
        # early.js began the standard library's download; the worker's own request found it in the cache
        assert ("py/python_stdlib.zip", 304) in [(p, code) for p, code, _ in list(server.responses)], server.responses
        for path in ("pyodide/pyodide.asm.wasm.gz", "pyodide/pyodide.asm.js.gz", "py/python_stdlib.zip",
                     "data/model.json.gz", WHEEL, "py/pyodide-lock.json"):  # fmt: skip
            assert path in asked, (path, asked)
        replaced = {
            "pyodide/pyodide.asm.wasm",
            "pyodide/pyodide.asm.js",
            "pyodide/python_stdlib.zip",
            "pyodide/pyodide-lock.json",
            "pyodide/" + WHEEL.split("/")[1],  # numpy's own wheel: the trimmed copy comes instead
            "data/model.json",
        }
        assert not replaced & set(asked), asked
        # the digits are not needed to read a drawing: they come after ready (then every view is filled);
        # asked for right after the worker's ready, which the page may take in a moment later
        worker_ready = page.evaluate("window.__app.timings.readyAt") / 1000
        subset = [t for p, t in zip(list(server.requests), list(server.times)) if p == "data/mnist-subset.npz"]
        assert len(subset) == 1 and subset[0] >= worker_ready - 0.05, (subset, worker_ready, asked)  # clocks: ms apart
        assert "vendor/codemirror.js" not in asked and "js/lab.json" not in asked, asked
        page.wait_for_function("window.__lab && window.__lab.ready", timeout=READY_TIMEOUT_MS)  # the editor comes
        assert "vendor/codemirror.js" in server.requests
    finally:
        server.stop()


def test_the_first_visit_shows_the_bytes_done_and_to_go(site_dir, new_page):
    server = FaultServer(site_dir, {WHEEL: "slow"})  # long enough to see the bar under way
    config = json.loads((site_dir / "config.json").read_text())
    after = {"dataURL"}  # the digits: after ready, with a bar of their own
    total = (
        sum(e["bytes"] for e in config["preload"])
        + sum(v for k, v in config["downloadBytes"].items() if k not in after)
        + config["asmJs"]["bytes"]
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
        # one after another as they are needed: the package and the model once numpy's wheel is in
        # (held back SLOW_S here), so numpy loads while they arrive instead of sharing the line with them
        wheel_sent = next(t for p, code, t in list(server.responses) if p == WHEEL and code == 200)
        for path in ("py/backprop.zip", "data/model.json.gz"):
            asked_at = server.times[server.requests.index(path)]
            assert asked_at >= wheel_sent, (path, asked_at - wheel_sent)
    finally:
        server.stop()


def test_a_drawing_is_read_before_the_digits_arrive(site_dir, new_page):
    """Ready means the first view works: with the MNIST subset held back by the server, the page reads a
    drawing, says the digits are coming, and keeps what needs them (Train, a random test digit) off."""
    server = FaultServer(site_dir, {"data/mnist-subset.npz": "hang"})
    try:
        page = new_page(service_workers="block")
        page.goto(server.url)
        page.wait_for_function("document.body.dataset.mode === 'digits'", timeout=READY_TIMEOUT_MS)
        assert "the MNIST digits are arriving" in page.text_content("#status-text")
        assert page.is_disabled("#train-button") and page.is_disabled("#draw-random")
        drawn = load_drawn_digits()
        draw_strokes(page, drawn["digits"]["7"], drawn["canvas"])
        page.wait_for_function("document.getElementById('draw-guess').dataset.digit !== undefined")
        assert page.get_attribute("#draw-guess", "data-digit") == "7"
        assert page.evaluate("window.__app.digitsMs") is None and page.evaluate("window.__app.views") == 0
        assert page.errors == []
    finally:
        server.stop()
