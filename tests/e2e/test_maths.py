"""The mathematics views in headless Chromium: BP1–BP4 on a digit, the gradient check and its break
switch, a trial step, the Step button, paired runs, the curves' data term and the CSV export — each
checked against CPython on the same files."""

import csv
import io

import numpy as np
import pytest

import backprop
from backprop import trace
from steps import chart, fill, open_views, subset, wait_idle

pytestmark = pytest.mark.e2e


def strips(page, l):
    """{kind: values} of layer l's strips in the step-through (forward and backward blocks)."""
    return page.evaluate(
        """(l) => Object.fromEntries([...document.querySelectorAll(
        `#trace-out .trace-layer[data-l="${l}"] canvas[data-values]`)]
        .map(c => [c.dataset.kind, JSON.parse(c.dataset.values)]))""",
        l,
    )


def show_trace(page, index, cost=""):
    page.fill("#trace-index", str(index))
    page.select_option("#trace-cost", cost)
    page.click("#trace-button")
    page.wait_for_function(
        f"document.getElementById('trace-out').dataset.index === '{index}' && "
        f"document.getElementById('trace-out').dataset.cost === '{cost or 'cross-entropy'}'"
    )


def test_the_step_through_shows_cpythons_numbers(site, open_page):
    x, y = subset(site)
    net = backprop.loads((site.dir / "data/model.json").read_text())
    page = open_views(open_page, site.url)
    show_trace(page, 5)
    want = trace(net, x[5], y[5])
    for layer in want.layers:
        shown = strips(page, layer.l)
        for kind in ("z", "a", "f_prime", "delta", "nabla_b"):
            np.testing.assert_allclose(shown[kind], getattr(layer, kind), rtol=1e-9, atol=1e-13, err_msg=kind)
    text = page.text_content("#trace-out")
    assert "BP1" in text and "BP2" in text and "BP3" in text and "BP4" in text
    assert "factor cancels" in text  # cross-entropy: no σ′(z^L) in BP1

    # the quadratic cost: BP1 gains σ′(z^L), and δ^L shows it
    show_trace(page, 5, "quadratic")
    quad = trace(net, x[5], y[5], cost="quadratic").layers[-1]
    np.testing.assert_allclose(strips(page, quad.l)["delta"], quad.delta, rtol=1e-9, atol=1e-15)
    bp1 = page.eval_on_selector(
        f'#trace-out .trace-part:last-child .trace-layer[data-l="{quad.l}"]', "e => e.textContent"
    )
    assert "⊙ σ′(z" in bp1 and "slowly" in bp1
    assert page.errors == []


def test_a_trial_step_lowers_this_digits_cost_on_a_copy(site, open_page):
    page = open_views(open_page, site.url)
    correct = page.get_attribute("#model-subset-accuracy", "data-correct")
    page.fill("#trace-index", "8")
    page.click("#trial-button")
    page.wait_for_selector(".trial-result")
    before, after = (float(page.get_attribute(".trial-result", f"data-{k}")) for k in ("before", "after"))
    assert after < before
    assert page.locator(".trial-out .moved tr").count() == 9  # a header and the 8 that moved most
    assert page.get_attribute("#model-subset-accuracy", "data-correct") == correct


def verdict(page):
    page.wait_for_selector("#gradcheck-verdict")
    return page.evaluate("""() => [document.getElementById('gradcheck-verdict').dataset.ok,
        [...document.querySelectorAll('#gradcheck-out .gc-layer')].map(e => [+e.dataset.l, e.dataset.ok])]""")


def test_the_gradient_check_verdict_flips_with_the_break_switch(site, open_page):
    page = open_views(open_page, site.url)
    page.fill("#trace-index", "3")
    page.click("#gradcheck-button")
    assert verdict(page) == ["true", [[2, "true"], [3, "true"]]]
    page.evaluate("document.getElementById('gradcheck-out').replaceChildren()")
    page.select_option("#gradcheck-mistake", "bp2-no-sigma-prime")  # re-checks by itself
    assert verdict(page) == ["false", [[2, "false"], [3, "true"]]]  # BP2 feeds layer 2 only
    assert "Fail in layer 2" in page.text_content("#gradcheck-verdict")
    page.evaluate("document.getElementById('gradcheck-out').replaceChildren()")
    page.select_option("#gradcheck-mistake", "none")
    assert verdict(page)[0] == "true"
    assert page.errors == []


PARAMS = {
    "hidden": "20",
    "train_size": "1000",
    "batch_size": "10",
    "epochs": "2",
    "seed": "7",
    "eta": "0.5",
    "lmbda": "5",
}


def test_step_takes_one_mini_batch_of_the_librarys_loop(site, open_page, tmp_path):
    page = open_views(open_page, site.url)
    fill(page, **PARAMS)
    for n in (1, 2, 3):
        page.click("#step-button")
        page.wait_for_function(f"document.querySelector('#step-out p')?.dataset.step === '{n}'")
    assert page.locator("#step-out figure").count() == 10  # the batch's digits
    assert page.input_value("#network-which") == "trained"
    with page.expect_download() as info:
        page.click("#download-model")
    info.value.save_as(tmp_path / "stepped.json")
    stepped = backprop.load(tmp_path / "stepped.json")

    with np.load(io.BytesIO((site.dir / "data/mnist-subset.npz").read_bytes())) as npz:
        x, y = npz["x_train"][:1000] / 255.0, npz["y_train"][:1000]
    oracle = backprop.Network([784, 20, 10], seed=7)
    start = [w.copy() for w in oracle.weights]
    steps = oracle.train_steps(x, y, 2, 10, 0.5, 5.0)
    for _ in range(3):
        next(steps)
    for w, w_page, w0 in zip(oracle.weights, stepped.weights, start):
        np.testing.assert_allclose(w_page, w, rtol=1e-9, atol=1e-12)  # exactly three steps
        assert not np.allclose(w_page, w0)  # ... which changed the weights
    assert page.errors == []


def test_paired_runs_coincide_for_equal_settings_and_differ_for_the_cost(site, open_page):
    page = open_views(open_page, site.url)
    fill(page, **PARAMS)
    page.select_option("#pair-vary", "eta")
    page.fill("#pair-value", "0.5")  # the same η: nothing differs
    page.click("#pair-button")
    page.wait_for_function(
        "window.__chart.runs.length === 2 && window.__chart.runs.every(r => r.status === 'done')", timeout=120_000
    )
    a, b = chart(page)["runs"]
    assert a["points"] == b["points"] and len(a["points"]) == 2
    assert a["label"].startswith("A:") and b["label"].startswith("B:") and a["color"] != b["color"]

    page.click("#clear-button")
    page.select_option("#pair-vary", "cost")
    assert page.input_value("#pair-value") == "quadratic"
    page.click("#pair-button")
    page.wait_for_function(
        "window.__chart.runs.length === 2 && window.__chart.runs.every(r => r.status === 'done')", timeout=120_000
    )
    wait_idle(page)
    a, b = chart(page)["runs"]
    assert a["params"]["cost"] == "cross-entropy" and b["params"]["cost"] == "quadratic"
    assert a["params"]["seed"] == b["params"]["seed"] == 7
    assert a["points"][-1]["train_accuracy"] != b["points"][-1]["train_accuracy"]
    assert "A (cost = cross-entropy)" in page.text_content("#progress-text")
    # saturation of the quadratic run, per layer, drawn from the epochs' numbers
    page.wait_for_function(
        "document.querySelector('#saturation-bands').dataset.points === '2'"
    )  # drawn at the next frame
    assert page.errors == []


def test_the_csv_export_matches_the_chart(site, open_page, tmp_path):
    page = open_views(open_page, site.url)
    fill(page, **{**PARAMS, "epochs": "2"})
    started = page.evaluate("window.__chart.runs.length")
    page.click("#train-button")
    page.wait_for_function(f"window.__chart.runs.length > {started}")
    wait_idle(page)
    with page.expect_download() as info:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text())))
    run = chart(page)["runs"][0]
    assert len(rows) == 2 * len(run["points"])
    for point in run["points"]:
        for name, key in (("train", "train"), ("test", "eval")):
            row = next(r for r in rows if r["set"] == name and int(r["epoch"]) == point["epoch"])
            assert float(row["cost"]) == point[f"{key}_cost_data"]
            assert float(row["cost_with_l2"]) == point[f"{key}_cost"]
            assert float(row["accuracy"]) == point[f"{key}_accuracy"]
            assert row["setting_eta"] == "0.5" and row["setting_hidden"] == "20"
    # the chart draws the data term: what the CSV calls cost
    assert run["points"][0]["train_cost_data"] < run["points"][0]["train_cost"]
    with page.expect_download() as png:
        page.click("#export-png")
    assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.errors == []
