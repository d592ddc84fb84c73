"""A convolutional network trained in the page, in real headless Chromium, asserting on what is shown: the
form's "Convolutions" field names a bad value and keeps a good one in the URL; a small conv network
(conv:4:5:relu,pool:2 then softmax 10) trains on 1,000 digits, its curves draw in its colour, the progress
line says the products-only path ran (the whole-step kernel takes dense networks only) and its network
comes back after a reload (its layers kept beside its bytes); Stop ends a conv run mid-epoch; Step shows a
conv network's mini-batch and its cost before and after; a pair answers "dense or conv?"."""

import pytest

from steps import COUNT_COLOUR, chart, fill, open_views, wait_idle

pytestmark = pytest.mark.e2e

CONV = {
    "convolutions": "conv:4:5:relu,pool:2",
    "hidden": "",
    "cost": "log-likelihood",
    "weight_init": "he",
    "epochs": "2",
    "train_size": "1000",
    "eta": "0.1",
    "lmbda": "0",
    "seed": "3",
}


def test_a_bad_convolution_is_named_and_nothing_runs(site, open_page):
    page = open_page(site.url)
    fill(page, convolutions="conv:4:4,pool:2")
    page.click("#train-button")
    assert '"pool:2" does not fit the 4×25×25 maps' in page.text_content("#err-convolutions")
    assert page.evaluate("document.body.dataset.mode") == "ready" and chart(page)["runs"] == []
    assert page.errors == []


def test_a_conv_run_trains_draws_its_curves_and_comes_back_after_a_reload(site, open_page):
    page = open_views(open_page, site.url)
    fill(page, **CONV)
    assert "convolutions=conv:4:5:relu,pool:2" in page.evaluate("location.search")  # kept in the URL
    page.click("#train-button")
    page.wait_for_function("window.__chart.runs.length === 1")
    wait_idle(page, timeout=300_000)
    run = chart(page)["runs"][0]
    assert run["status"] == "done" and len(run["points"]) == 2, run["status"]
    assert run["label"].startswith("LL conv:4:5:relu pool:2 10 η=0.1")
    for canvas in ("chart-cost", "chart-accuracy"):  # drawn: the run's colour on both charts
        assert page.evaluate(COUNT_COLOUR, [canvas, run["color"]]) > 20
    assert run["points"][-1]["eval_accuracy"] > 0.7
    progress = page.text_content("#progress-text")
    assert "products only" in progress, progress  # the kernel's products; numpy did the rest of the step
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'trained'")
    accuracy = page.get_attribute("#model-subset-accuracy", "data-accuracy")
    assert page.text_content("#model-sizes") == "1×28×28 → conv 4 of 5×5, ReLU → max-pool 2×2 → 10, softmax"

    page.wait_for_function("!window.__app.saving")  # the network is stored with its layers
    page.goto(site.url)  # no query: the stored settings and network come back
    page.wait_for_function("document.body.dataset.mode === 'ready'", timeout=180_000)
    page.wait_for_function("document.getElementById('strip').dataset.which === 'trained'")
    assert "the network of run #1 as of epoch 2" in page.text_content("#restored-text")
    assert "could not be restored" not in page.text_content("#progress-text")
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'trained'")
    assert page.get_attribute("#model-subset-accuracy", "data-accuracy") == accuracy  # the same network
    assert page.input_value("#train-form [name=convolutions]") == "conv:4:5:relu,pool:2"
    assert page.text_content("#model-sizes") == "1×28×28 → conv 4 of 5×5, ReLU → max-pool 2×2 → 10, softmax"
    assert page.errors == []


def test_stop_ends_a_conv_run_and_step_shows_a_conv_batch(site, open_page):
    page = open_page(site.url)
    fill(page, **{**CONV, "epochs": "50", "train_size": "5000"})
    page.click("#train-button")
    page.wait_for_function("window.__chart.runs.length === 1")
    page.wait_for_function(
        "document.getElementById('progress-text').textContent.includes('examples/s')", timeout=120_000
    )
    page.wait_for_function("!window.__app.viewsBusy")  # the views follow the run: one forward pass, shared
    page.click("#stop-button")
    wait_idle(page, timeout=30_000)
    run = chart(page)["runs"][0]
    assert run["status"] == "stopped" and len(run["points"]) < 50
    # cooperative: read between mini-batches (the hard stop would say "Stopped at once by restarting Python")
    assert "Stopped after" in page.text_content("#progress-text"), page.text_content("#progress-text")

    fill(page, epochs="1", train_size="1000")
    page.click("#step-button")
    page.wait_for_selector("#step-out p[data-step='1']", timeout=60_000)
    page.click("#step-button")
    page.wait_for_selector("#step-out p[data-step='2']", timeout=60_000)
    shown = page.locator("#step-out p")
    assert "mini-batch 2 of 100 (10 digits" in shown.text_content()
    before, after = (float(shown.get_attribute(f"data-{k}")) for k in ("before", "after"))
    assert before > 0 and after > 0 and before != after
    assert page.locator("#step-out .step-digits figure").count() == 10
    assert page.errors == []


def test_a_pair_answers_dense_or_conv(site, open_page):
    page = open_page(site.url)
    fill(page, **{**CONV, "convolutions": "", "hidden": "30", "epochs": "1", "train_size": "500"})
    page.select_option("#pair-vary", "convolutions")
    assert page.input_value("#pair-value") == "conv:8:5:relu,pool:2"  # B's default: a small conv-pool layer
    page.click("#pair-button")
    page.wait_for_function("window.__chart.runs.length === 2", timeout=120_000)
    wait_idle(page, timeout=300_000)
    runs = chart(page)["runs"]
    assert [r["status"] for r in runs] == ["done", "done"]
    assert runs[0]["label"].startswith("A: LL 784-30-10") and runs[1]["label"].startswith(
        "B: LL conv:8:5:relu pool:2 30-10"
    )
    text = page.text_content("#progress-text")
    assert "A (convolutions = none)" in text and "B (convolutions = conv:8:5:relu,pool:2)" in text, text
    assert "A ran with wasm-simd (whole step), B with wasm-simd (products only)" in text  # the kernel: dense only
    assert page.errors == []
