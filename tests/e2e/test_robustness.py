"""The page under faults, in headless Chromium: downloads that fail in every way, a diverging run,
Stop at the largest allowed settings, a dead interpreter, reloads, hostile model files and a long
chart. Each test loads Pyodide cold. (Its CSP and accessibility: test_security_access.py.)"""

import json
import os
import re
import time
from pathlib import Path

import pytest

from faults import FaultServer
from steps import (  # train waits for the run on the chart (a short one can end before a poll sees it)
    MODE,
    train,
    wait_ready,
    wait_status,
)

pytestmark = pytest.mark.e2e

NUMPY_WHEEL = "py/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"  # the trimmed copy (trim.py)
STALL_S = 3  # the served config.json's download stall timeout in these tests
SHOTS = os.environ.get("E2E_SHOTS")  # a folder: screenshots of the error states and a restored session


def shot(page, name, full_page=True):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=full_page)


@pytest.fixture
def faulty(site_dir):
    servers = []

    def make(faults=None, config=None):
        s = FaultServer(site_dir, faults, {"downloadStallSeconds": STALL_S, **(config or {})})
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


# -- downloads --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path, fault, said",
    [
        ("config.json", "500", r"config\.json answered HTTP 500"),
        ("data/model.json.gz", "404", r"model\.json\.gz answered HTTP 404"),
        ("data/mnist-subset.npz", "truncate", r"mnist-subset\.npz is truncated or corrupt"),
        ("py/backprop.zip", "cut", r"backprop\.zip (was cut off after \d+ of \d+ bytes|is truncated)"),
        ("data/mnist-subset.npz", "hang", rf"no answer from \S+mnist-subset\.npz for {STALL_S} s"),
        ("pyodide/pyodide.asm.wasm.gz", "truncate", r"pyodide\.asm\.wasm\.gz is truncated or corrupt"),
        (NUMPY_WHEEL, "hang", rf"no answer from \S+numpy-2\.0\.2\S+\.whl for {STALL_S} s"),
    ],
)
def test_a_failed_download_is_named_and_retry_recovers(faulty, new_page, path, fault, said):
    server = faulty({path: fault})
    page = new_page()
    started = time.monotonic()
    page.goto(server.url)
    text = wait_status(page, timeout=60_000)
    assert page.evaluate("document.getElementById('status').dataset.state") == "error", text
    assert re.search(said, text), text
    assert "Content-Security-Policy" not in text
    assert time.monotonic() - started < 45  # not a 60 s hang on a timeout
    assert page.is_visible("#retry-button") and page.is_disabled("#train-button")
    if fault == "hang" and path != "data/mnist-subset.npz":  # the digits come after everything else
        # Python goes on starting beside a hung download and reports its next stage after the error:
        # the error must stay on screen (it once flipped back to "loading the backprop package…")
        page.wait_for_function("window.__app.lateStatus >= 1", timeout=60_000)  # the worker's last word
        assert page.get_attribute("#status", "data-state") == "error", page.text_content("#status-text")
    shot(page, f"download-{fault}-{Path(path).name}.png", full_page=False)
    assert page.errors == []
    if fault in ("404", "truncate") and path != "data/mnist-subset.npz":  # Retry, once the file is back
        server.faults.clear()
        page.click("#retry-button")
        wait_ready(page)
        assert page.is_hidden("#retry-button") and page.is_enabled("#train-button")


# -- divergence ---------------------------------------------------------------------------------------
def test_a_diverging_run_stops_with_a_plain_explanation_and_keeps_the_curves(site, open_page):
    page = open_page(site.url)
    page.select_option("#train-form [name=cost]", "quadratic")
    train(page, eta="1e6", lmbda=5, epochs=5, train_size=2000, batch_size=10, seed=1)
    wait_ready(page)
    text = page.text_content("#progress-text")
    assert re.search(
        r"the (cost|weights) became (NaN|infinite) at epoch \d+, batch \d+: η = 1000000 is probably "
        r"too large for the quadratic cost",
        text,
    ), text
    assert "JSON" not in text and "Error" not in text and "Traceback" not in text
    runs = page.evaluate("window.__chart").get("runs")
    assert runs[-1]["status"] == "diverged"
    assert "(diverged)" in page.text_content("#legend")
    # the latest run's network is usable by every view: the digit strip, the facts, the matrix
    page.select_option("#network-which", "trained")
    page.wait_for_function("document.getElementById('strip').dataset.which === 'trained'")
    assert page.locator("#strip figure").count() == 24
    assert "%" in page.text_content("#model-subset-accuracy")
    assert "could not" not in page.text_content("#progress-text").lower()
    shot(page, "diverged.png")
    assert page.errors == []


# -- Stop, whatever the settings ------------------------------------------------------------------
STOP_CLICK = """() => new Promise((resolve) => {
  const t0 = performance.now();
  new MutationObserver((_, obs) => {
    if (document.body.dataset.mode !== 'training' && document.body.dataset.mode !== 'stopping') {
      obs.disconnect();
      resolve(performance.now() - t0);
    }
  }).observe(document.body, { attributes: true, attributeFilter: ['data-mode'] });
  document.getElementById('stop-button').click();
})"""


def test_stop_ends_the_largest_allowed_run_within_a_second(site, open_page):
    page = open_page(site.url)
    largest = {"hidden": "1000,1000,1000,1000", "batch_size": 10, "train_size": 10000, "epochs": 1000}
    train(page, **largest)
    # well into the run: a few mini-batches of 0.35 s each are done
    page.wait_for_function(
        "/mini-batch ([3-9]|\\d\\d)/.test(document.getElementById('progress-text').textContent)", timeout=120_000
    )
    ms = page.evaluate(STOP_CLICK)
    print(f"\nStop at 784-1000x4-10, mini-batch 10: the run ended {ms:.0f} ms after the click")
    assert ms < 1000
    assert page.evaluate("window.__chart").get("runs")[-1]["status"] == "stopped"
    wait_ready(page)  # Python again, if the stop had to restart it
    assert page.is_enabled("#train-button") and page.evaluate("window.__chart").get("runs")
    # the form refuses a step too big to stop between
    page.fill("#train-form [name=batch_size]", "11")
    page.click("#train-button")
    assert "at most 10" in page.text_content("#err-batch_size")
    assert page.evaluate(MODE) == "ready"
    assert page.errors == []


# -- a dead interpreter --------------------------------------------------------------------------------
# The worker, served with a way to kill it from a model file's text: Pyodide's own fatal-error path,
# or an uncaught error (the worker's `error` event).
INJECT = {
    "fatal": ("__fatal__", "pyodide._api.fatal_error(new Error('injected fatal error'))"),
    "error": ("__throw__", "new Promise(() => setTimeout(() => { throw new Error('injected uncaught error'); }))"),
}


@pytest.mark.parametrize("how", sorted(INJECT))
def test_a_dead_worker_is_restarted_with_runs_network_and_settings_kept(site, new_page, how):
    trigger, code = INJECT[how]

    def patch(route):
        body = (site.dir / "js/worker.js").read_text()
        original = "const handler = handlers[type] ?? ((a) => JSON.parse(call(type, a)));"  # every request's
        assert original in body
        body = body.replace(
            original, f"{original} if (type === 'load-file' && args.text === {trigger!r}) return await {code};"
        )
        route.fulfill(body=body, content_type="text/javascript")

    page = new_page()
    page.route("**/js/worker.js", patch)
    page.goto(site.url)
    wait_ready(page)
    train(page, epochs=2, train_size=1000, seed=3)
    wait_ready(page)
    page.wait_for_function("!window.__app.viewsBusy")  # the views show the finished run's network
    accuracy = page.get_attribute("#model-subset-accuracy", "data-accuracy")
    page.fill("#train-form [name=eta]", "0.25")
    page.set_input_files(
        "#model-file", files=[{"name": "x.json", "mimeType": "application/json", "buffer": trigger.encode()}]
    )
    page.wait_for_function("window.__app.workers === 2", timeout=30_000)
    wait_ready(page)
    assert page.evaluate("window.__app.restart") == how
    assert "restarted" in page.text_content("#status-text")
    shot(page, f"restarted-after-{how}.png")
    assert len(page.evaluate("window.__chart")["runs"]) == 1
    assert page.evaluate("window.__app.which") == "trained"
    page.wait_for_function(f"document.getElementById('model-subset-accuracy').dataset.accuracy === '{accuracy}'")
    assert page.input_value("#train-form [name=eta]") == "0.25"
    train(page, epochs=1, train_size=500)  # and the new worker trains
    wait_ready(page)
    assert len(page.evaluate("window.__chart")["runs"]) == 2


# -- nothing lost -----------------------------------------------------------------------------------
def test_a_reload_restores_runs_settings_and_network_and_start_fresh_forgets_them(site, open_page, tmp_path):
    page = open_page(site.url)
    train(page, epochs=2, train_size=1000, seed=7, eta=0.3)
    wait_ready(page)
    accuracy = page.get_attribute("#model-subset-accuracy", "data-accuracy")
    legend = page.text_content("#legend")
    # leaving during a run asks first
    train(page, epochs=50, train_size=2000)
    page.wait_for_function("window.__chart.runs[1].points.length >= 2", timeout=60_000)
    assert page.evaluate("""() => { const e = new Event('beforeunload', { cancelable: true });
                                    window.dispatchEvent(e); return e.defaultPrevented; }""")
    page.click("#stop-button")
    wait_ready(page)
    page.wait_for_function("!window.__app.saving")  # the store's coalesced save is written
    page.goto(site.url)  # no query: the stored settings come back
    wait_ready(page)
    page.wait_for_function("document.getElementById('strip').dataset.which === 'trained'")
    assert page.is_visible("#restored")
    epochs = len(page.evaluate("window.__chart")["runs"][1]["points"])
    assert f"2 runs on the chart and the network of run #2 as of epoch {epochs}" in page.text_content("#restored-text")
    assert page.evaluate("window.__chart")["runs"][0]["points"].__len__() == 2
    assert legend.split("#1")[0] in page.text_content("#legend")
    assert page.input_value("#train-form [name=eta]") == "0.3"
    assert page.evaluate("window.__app.which") == "trained"
    restored = page.get_attribute("#model-subset-accuracy", "data-accuracy")
    assert restored != accuracy  # the stopped run's network (its epochs > 2), not the first run's
    shot(page, "restored-session.png")
    page.click("#fresh-button")
    page.wait_for_function("window.__chart.runs.length === 0")
    assert page.evaluate("window.__chart")["runs"] == [] and page.is_hidden("#restored")
    assert page.evaluate("window.__app.which") == "model"
    page.wait_for_function("!window.__app.saving")  # the store is cleared
    page.reload()
    wait_ready(page)
    page.wait_for_function("window.__app.restored")  # it looked, and found nothing
    assert page.evaluate("window.__chart")["runs"] == [] and page.is_hidden("#restored")
    assert page.errors == []


# -- model files -----------------------------------------------------------------------------------
HOSTILE = {
    "nested.json": "[" * 3000 + "]" * 3000,
    "huge-numbers.json": json.dumps(
        {
            "sizes": [784, 10, 10],
            "cost": "CrossEntropyCost",
            "weights": [[[1e308] * 784] * 10, [[0.0] * 10] * 10],
            "biases": [[[0.0]] * 10] * 2,
        }
    ).replace("1e+308", "1e999"),
    "wrong-types.json": json.dumps({"sizes": ["784", 10], "weights": "w", "biases": None}),
    "gigantic-sizes.json": json.dumps({"sizes": [784, 10**9, 10], "weights": [], "biases": []}),
    "megabytes.json": "x" * (6 * 2**20),
    "not-json.json": "\x00\x01garbage{",
}


def test_hostile_model_files_are_refused_and_the_network_kept(site, open_page):
    page = open_page(site.url)
    before = page.get_attribute("#model-subset-accuracy", "data-accuracy")
    for name, text in HOSTILE.items():
        page.set_input_files(
            "#model-file", files=[{"name": name, "mimeType": "application/json", "buffer": text.encode()}]
        )
        page.wait_for_function("document.getElementById('model-file-error').textContent !== ''", timeout=30_000)
        message = page.text_content("#model-file-error")
        assert message.startswith("That file could not be used") and "current network is kept" in message, name
        assert "Traceback" not in message and "JsException" not in message, message
        if name == "nested.json":
            assert "levels deep" in message
        page.evaluate("document.getElementById('model-file-error').textContent = ''")
    assert page.evaluate("window.__app.workers") == 1  # never killed the interpreter
    assert page.get_attribute("#model-subset-accuracy", "data-accuracy") == before
    assert page.evaluate("window.__app.which") == "model"
    assert page.errors == []


# -- the chart stays fast ---------------------------------------------------------------------------
def test_a_worker_that_fails_before_the_page_script_runs_is_reported_then_retried(faulty, new_page):
    # early.js starts the worker before main.js and its modules have loaded (a slow module here): the
    # worker's failure to load comes first, is kept, and handed to main.js, which says so and offers Retry
    server = faulty({"js/worker.js": "404", "js/state.js": "slow"})
    page = new_page()
    page.goto(server.url)
    wait_status(page)
    assert page.get_attribute("#status", "data-state") == "error"
    assert "Could not start Python's worker" in page.text_content("#status-text")
    assert page.is_visible("#retry-button")
    server.faults.clear()
    page.click("#retry-button")
    wait_ready(page)
    assert page.evaluate("window.__app.workers") == 2


LONG_TASKS = """window.__long = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
  .observe({ type: 'longtask', buffered: true });"""


def test_ten_runs_of_a_thousand_epochs_keep_the_page_responsive(site, new_page):
    page = new_page()
    page.add_init_script(LONG_TASKS)
    page.goto(site.url)
    wait_ready(page)
    # nine stored runs of 1,000 epochs (what the page keeps), then a tenth trained live
    page.evaluate("""async () => {
      const store = await import(new URL('js/store.js', location.href).href);
      const runs = [];
      for (let r = 1; r <= 9; r++) {
        const points = [];
        for (let e = 1; e <= 1000; e++) points.push({ epoch: e, train_cost: 2 / (e + r),
          train_accuracy: 1 - 1 / (e + r),
          eval_cost: 2.2 / (e + r), eval_accuracy: 0.95 - 1 / (e + r) });
        runs.push({ id: r, label: `stored #${r}`, params: { hidden: [30], epochs: 1000 }, epochs: 1000,
          color: '#2563eb', points, status: 'done' });
      }
      await store.save({ runs });
    }""")
    page.reload()
    wait_ready(page)
    page.wait_for_function("window.__chart.runs.length === 9")
    small = page.evaluate("""() => { const c = document.getElementById('chart-cost');
      return +c.dataset.drawMs; }""")
    page.evaluate("window.__long = []")
    train(page, hidden=1, epochs=1000, train_size=10, batch_size=10)
    page.evaluate("document.getElementById('curves').scrollIntoView()")  # watching the curves grow
    wait_ready(page, timeout=600_000)
    runs = page.evaluate("window.__chart.runs")
    assert len(runs) == 10 and len(runs[-1]["points"]) == 1000
    draw_ms = float(page.get_attribute("#chart-cost", "data-draw-ms"))
    longest = max(page.evaluate("window.__long"), default=0)
    # Figures, printed, not asserted (a shared machine's load makes them swing 5×): the redraw cost and
    # the longest main-thread task. What keeps the redraw cost flat is asserted instead: every series
    # is drawn decimated to a few points per pixel column, however many epochs it has.
    print(
        f"\nten runs of 1,000 epochs: last redraw {draw_ms:.1f} ms (nine runs: {small:.1f} ms); "
        f"longest main-thread task during the live run {longest:.0f} ms (aim: under 200 ms)"
    )
    drawn = page.evaluate("""async () => {
      const { decimate } = await import(new URL('js/render/line-chart.js', location.href).href);
      const pts = Array.from({ length: 100000 }, (_, i) => [i + 1, Math.sin(i)]);
      return [decimate(pts, 100000, 300).length, decimate(pts.slice(0, 50), 100000, 300).length]; }""")
    assert drawn[0] <= 4 * 301 and drawn[1] == 50, drawn  # capped when long, untouched when short
    # the saturation bands likewise: two points per column, each with its column's extremes
    band = page.evaluate("""async () => {
      const { envelope } = await import(new URL('js/render/line-chart.js', location.href).href);
      const series = Array.from({ length: 1000 }, (_, i) =>
        [i + 1, { f_prime: [i === 505 ? -0.01 : 0, 0.02, 0.05, 0.1, i === 777 ? 0.21 : 0.2] }]);
      const out = envelope(series, 1000, 100);
      return { n: out.length, lo: Math.min(...out.map(([, s]) => s.f_prime[0])),
               hi: Math.max(...out.map(([, s]) => s.f_prime[4])),
               short: envelope(series.slice(0, 150), 1000, 100).length }; }""")
    assert band["n"] <= 2 * 101 and band["short"] == 150, band
    assert band["lo"] == -0.01 and band["hi"] == 0.21, band  # extremes inside a column are kept
