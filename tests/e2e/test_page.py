"""The built page in real headless Chromium, fully offline (self-hosted Pyodide).

Each test opens the page in a fresh browser context, so each one loads Pyodide cold.
"""

import io
import json
import time
from pathlib import Path

import numpy as np
import pytest

import backprop
from steps import COUNT_COLOUR, MODE, STATUS, chart, train, wait_idle

pytestmark = pytest.mark.e2e

# Counts canvas pixels near a colour: proof that curves were drawn, not just that a canvas exists.


def test_page_reaches_ready(site, open_page):
    page = open_page(site.url)
    assert page.evaluate(STATUS) == "ready", page.text_content("#status")
    assert "Ready" in page.text_content("#status")
    assert page.is_enabled("#train-button") and page.is_disabled("#stop-button")
    assert page.locator("#strip figure").count() == 24
    assert page.evaluate(MODE) == "ready"
    assert page.errors == []


def test_shipped_model_predicts_with_the_stated_accuracy(site, open_page):
    # The same files the page fetched, evaluated here in CPython.
    net = backprop.loads((site.dir / "data/model.json").read_text())
    with np.load(io.BytesIO((site.dir / "data/mnist-subset.npz").read_bytes()), allow_pickle=False) as npz:
        x_test, y_test = npz["x_test"] / 255.0, npz["y_test"].astype(np.int64)
    predictions = net.predict(x_test)
    correct = int(np.sum(predictions == y_test))
    meta = json.loads((site.dir / "data/model-meta.json").read_text())

    page = open_page(site.url)
    shown = page.eval_on_selector("#model-subset-accuracy", "e => [+e.dataset.correct, +e.dataset.total]")
    assert shown == [correct, len(y_test)]
    text = page.text_content("#model-subset-accuracy")
    assert f"{100 * correct / len(y_test):.2f} %" in text
    # ... which is the accuracy the build recorded for this model
    assert abs(correct / len(y_test) - meta["subset_test_accuracy"]) < 1e-3
    assert f"{100 * meta['test_accuracy']:.2f} %" in page.text_content("#model-test-accuracy")

    # The strip: the first 24 test digits with the predictions CPython makes; wrong ones marked.
    figures = page.eval_on_selector_all(
        "#strip figure", "fs => fs.map(f => [+f.dataset.label, +f.dataset.prediction, f.classList.contains('wrong')])"
    )
    assert [f[0] for f in figures] == y_test[:24].tolist()
    assert [f[1] for f in figures] == predictions[:24].tolist()
    assert [f[2] for f in figures] == (predictions[:24] != y_test[:24]).tolist()


def test_one_epoch_on_1000_digits_draws_curves(site, open_page):
    page = open_page(site.url)
    before = page.evaluate(COUNT_COLOUR, ["chart-cost", "#2563eb"])
    train(page, train_size=1000, epochs=1, batch_size=10, hidden="30", seed=1)
    wait_idle(page)

    data = chart(page)
    assert len(data["runs"]) == 1
    run = data["runs"][0]
    assert run["status"] == "done" and len(run["points"]) == 1
    point = run["points"][0]
    assert point["epoch"] == 1
    for key in ("train_cost", "eval_cost", "train_accuracy", "eval_accuracy"):
        assert isinstance(point[key], float) and np.isfinite(point[key]), key
    assert 0.5 < point["train_accuracy"] <= 1 and 0.5 < point["eval_accuracy"] <= 1  # far above chance
    assert page.get_attribute("#chart-cost", "data-points") == "1"

    # Drawn: markers in the run's colour appeared on both canvases.
    for canvas in ("chart-cost", "chart-accuracy"):
        assert page.evaluate(COUNT_COLOUR, [canvas, run["color"]]) > 20 + (before if canvas == "chart-cost" else 0)
    assert "Done: 1 epoch" in page.text_content("#progress-text")
    assert "CE 784-30-10" in page.text_content("#legend")
    # the strip now shows the network just trained
    page.wait_for_function("document.getElementById('strip').dataset.which === 'trained'")
    assert page.errors == []


def test_stop_mid_run_keeps_the_network_and_curves(site, open_page):
    page = open_page(site.url)
    train(page, train_size=10000, epochs=200, batch_size=10, hidden="30")
    page.wait_for_function("window.__chart.runs[0].points.length >= 1", timeout=60_000)
    page.wait_for_function("document.getElementById('progress-text').textContent.includes('examples/s')")

    # The page stays responsive while the worker trains: animation frames keep coming, it scrolls.
    frames = page.evaluate("""() => new Promise((resolve) => {
        let n = 0; const t0 = performance.now();
        const tick = () => (++n >= 10 ? resolve(performance.now() - t0) : requestAnimationFrame(tick));
        requestAnimationFrame(tick); })""")
    print(f"10 animation frames during training took {frames:.0f} ms")
    page.mouse.wheel(0, 600)
    assert page.evaluate(MODE) == "training"

    t0 = time.perf_counter()
    page.click("#stop-button")
    wait_idle(page, timeout=10_000)
    print(f"Stop took effect after {1000 * (time.perf_counter() - t0):.0f} ms")

    run = chart(page)["runs"][0]
    assert run["status"] == "stopped"
    assert 1 <= len(run["points"]) < 200  # the finished epochs' curves are kept
    assert page.get_attribute("#progress", "data-state") == "stopped"
    assert "Stopped after" in page.text_content("#progress-text")
    assert "partly trained network is kept" in page.text_content("#progress-text")
    # the partly trained network is the one the strip shows now, and it has learned
    page.wait_for_function("document.getElementById('strip').dataset.which === 'trained'")
    right = page.locator("#strip figure:not(.wrong)").count()
    assert right >= 15, f"only {right} of 24 digits right after ≥ 1 epoch"

    # The worker is alive: another run works.
    train(page, train_size=1000, epochs=1)
    wait_idle(page)
    assert [r["status"] for r in chart(page)["runs"]] == ["stopped", "done"]
    page.click("#clear-button")
    assert chart(page)["runs"] == []
    assert page.errors == []


def test_missing_data_file_shows_an_error(broken_site, open_page):
    site = broken_site("data/mnist-subset.npz")
    page = open_page(site.url)
    assert page.evaluate(STATUS) == "error"
    text = page.text_content("#status")
    assert "mnist-subset.npz" in text and "404" in text
    assert page.get_attribute("#load-steps [data-stage=data]", "data-state") == "failed"
    assert page.get_attribute("#load-steps [data-stage=ready]", "data-state") in ("", None)
    assert page.is_disabled("#train-button")


def test_pyodide_failure_shows_an_error_not_a_spinner(broken_site, open_page):
    site = broken_site("pyodide/pyodide.asm.wasm.gz")  # what the page downloads (sitebuild/trim.py)
    page = open_page(site.url)
    assert page.evaluate(STATUS) == "error"
    text = page.text_content("#status")
    assert "Pyodide" in text and "pyodide.asm.wasm.gz" in text and "404" in text
    assert page.get_attribute("#load-steps [data-stage=python]", "data-state") == "failed"
    assert page.is_disabled("#train-button")


def test_bad_form_values_are_named_and_nothing_runs(site, open_page):
    page = open_page(site.url)
    page.fill("#train-form [name=eta]", "-1")
    page.fill("#train-form [name=hidden]", "30,abc")
    page.click("#train-button")
    assert "η (learning rate) must be a positive number" in page.text_content("#err-eta")
    assert '"abc"' in page.text_content("#err-hidden")
    assert page.evaluate(MODE) == "ready" and chart(page)["runs"] == []


def test_hyperparameters_round_trip_through_the_url(site, open_page):
    page = open_page(site.url + "?hidden=100,30&cost=quadratic&eta=0.1&train_size=2000&seed=")
    values = page.eval_on_selector_all("#train-form [name]", "es => Object.fromEntries(es.map(e => [e.name, e.value]))")
    assert values["hidden"] == "100,30" and values["cost"] == "quadratic" and values["eta"] == "0.1"
    assert values["train_size"] == "2000" and values["seed"] == ""
    page.fill("#train-form [name=lmbda]", "0.5")
    url = page.evaluate("location.href")
    assert "lmbda=0.5" in url and "cost=quadratic" in url and "hidden=100,30" in url


def test_phone_viewport_fits_and_canvases_are_crisp(site, open_page):
    page = open_page(
        site.url, viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    assert page.evaluate(STATUS) == "ready"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    sizes = page.eval_on_selector("#chart-cost", "c => [c.width, c.height, c.clientWidth, c.clientHeight]")
    assert sizes[0] == round(sizes[2] * 3) and sizes[1] == round(sizes[3] * 3)  # device pixels
    assert page.is_visible("#train-button") and page.is_visible("#chart-accuracy")


def test_own_model_file_loads_and_a_wrong_one_is_refused(site, open_page, tmp_path):
    net = backprop.Network([784, 20, 10], seed=5)
    net.save(tmp_path / "mine.json")
    with np.load(io.BytesIO((site.dir / "data/mnist-subset.npz").read_bytes()), allow_pickle=False) as npz:
        correct = int(np.sum(net.predict(npz["x_test"] / 255.0) == npz["y_test"]))

    page = open_page(site.url)
    page.set_input_files("#model-file", str(tmp_path / "mine.json"))
    page.wait_for_function("document.getElementById('model-sizes').textContent.includes('20')")
    assert page.get_attribute("#model-subset-accuracy", "data-correct") == str(correct)
    assert page.input_value("#network-which") == "file"
    assert page.text_content("#model-file-error") == ""

    # A real network2 file, but for 4 inputs: refused with the reason, the previous model kept.
    wrong = Path(__file__).resolve().parents[1] / "data" / "network2_model.json"
    page.set_input_files("#model-file", str(wrong))
    page.wait_for_function("document.getElementById('model-file-error').textContent !== ''")
    assert "784" in page.text_content("#model-file-error")
    assert page.get_attribute("#model-subset-accuracy", "data-correct") == str(correct)

    # The shipped model is still there, one choice away.
    page.select_option("#network-which", "model")
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'model'")
    assert page.errors == []


def test_a_model_file_dropped_on_the_page_loads(site, open_page, tmp_path):
    text = json.dumps(backprop.Network([784, 12, 10], seed=6).to_dict())
    page = open_page(site.url)
    page.evaluate(
        """(text) => { const dt = new DataTransfer();
        dt.items.add(new File([text], 'dropped.json', {type: 'application/json'}));
        for (const type of ['dragover', 'drop']) document.querySelector('main').dispatchEvent(
            new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true})); }""",
        text,
    )
    page.wait_for_function("document.getElementById('model-sizes').textContent.includes('12')")
    assert page.input_value("#network-which") == "file"
    assert page.errors == []


def test_works_under_a_sub_path_like_a_project_site(site_dir, build_module, open_page):
    """GitHub Pages serves a project at /<repo>/: every URL in the page must be relative."""
    server, url = build_module.serve_dir(site_dir.parent)
    try:
        page = open_page(f"{url}{site_dir.name}/")
        assert page.evaluate(STATUS) == "ready", page.text_content("#status")
    finally:
        server.shutdown()
        server.server_close()
