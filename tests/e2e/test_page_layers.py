"""The new layers in real headless Chromium, asserting on what is shown: a ReLU + softmax run trains with
dropout and momentum and its curves draw; BP1–BP4 show ReLU's step, softmax's δ and a dropout mask; the
gradient check passes for each new combination and fails for each new mistake in the layers it reaches;
a paired "sigmoid or ReLU?" run answers on screen; the chapter 5 view draws one line per hidden layer; a
superset model file downloads and loads back with identical predictions, in the page and in CPython."""

import json

import numpy as np
import pytest

import backprop
from steps import COUNT_COLOUR, chart, fill, open_views, subset, wait_idle

pytestmark = pytest.mark.e2e

RELU = {
    "hidden": "24,16",
    "activation": "relu",
    "cost": "log-likelihood",
    "weight_init": "he",
    "epochs": "2",
    "train_size": "1000",
    "eta": "0.1",
    "lmbda": "1",
    "dropout": "0.2",
    "momentum": "0.5",
    "seed": "3",
}


def train_relu(page):
    fill(page, **RELU)
    assert page.input_value("#train-form [name=output]") == "softmax"  # the cost chose its output layer
    page.click("#train-button")
    page.wait_for_function("window.__chart.runs.length === 1")
    wait_idle(page, timeout=300_000)


def test_a_relu_softmax_run_trains_draws_its_curves_and_its_layers_speed(site, open_page):
    page = open_views(open_page, site.url)
    train_relu(page)
    run = chart(page)["runs"][0]
    assert run["status"] == "done" and len(run["points"]) == 2
    assert run["label"].startswith("LL ReLU 784-24-16-10 η=0.1 λ=1 p=0.2 μ=0.5 he-init")
    assert page.get_attribute("#chart-cost", "data-points") == "2"
    for canvas in ("chart-cost", "chart-accuracy"):  # drawn: the run's colour on both charts
        assert page.evaluate(COUNT_COLOUR, [canvas, run["color"]]) > 20
    assert run["points"][-1]["eval_accuracy"] > 0.5
    progress = page.text_content("#progress-text")
    assert "products only" in progress, progress  # the kernel's products; numpy did the rest of the step
    # chapter 5's view: one line per hidden layer, from the start (epoch 0) to the last epoch
    assert page.get_attribute("#speed-chart", "data-lines") == "2"
    lines = json.loads(page.get_attribute("#speed-chart", "data-values"))
    assert [[x for x, _ in line] for line in lines] == [[0, 1, 2]] * 2
    assert all(v > 0 for line in lines for _, v in line)
    items = page.locator("#speed-layers li")
    assert items.count() == 2 and "ReLU units dead" in items.nth(0).text_content()
    assert "the book's" not in items.nth(0).text_content()  # not the book's network
    captions = page.locator("#saturation-bands figcaption").all_text_contents()
    assert "ReLU" in captions[0] and "softmax output" in captions[-1]
    assert page.errors == []


def test_bp1_to_bp4_show_relus_step_softmaxs_delta_and_a_dropout_mask(site, open_page):
    page = open_views(open_page, site.url)
    train_relu(page)
    page.fill("#trace-dropout", "0.5")
    page.click("#trace-button")
    page.wait_for_selector("#trace-out .trace-layer")
    backward = page.locator("#trace-out .trace-part").nth(1)
    out = backward.locator(".trace-layer[data-l='4']")
    assert out.get_attribute("data-activation") == "softmax"
    assert out.locator("canvas[data-kind=f_prime]").count() == 0  # softmax's BP1 needs no f′
    assert "δL = aL − y" in out.text_content() and "softmax's Jacobian" in out.text_content()
    hidden = backward.locator(".trace-layer[data-l='2']")
    assert "relu′(z2) = 1 if z2 > 0, else 0" in hidden.text_content()
    assert "⊙ mask2 ⊙ relu′(z2)" in hidden.text_content()
    dropped = json.loads(page.locator("#trace-out .dropped").first.get_attribute("data-dropped"))
    assert dropped and "Dropout p = 0.5" in page.locator("#trace-out .dropped").first.text_content()
    page.click("#trial-button")
    page.wait_for_selector(".trial-result")
    assert "dropped units do not move" in page.text_content(".trial-result")
    assert page.errors == []


def gradcheck(page, mistake="none", reg="none"):
    page.select_option("#gradcheck-reg", reg)
    if page.locator(f"#gradcheck-mistake option[value='{mistake}']").count():
        page.select_option("#gradcheck-mistake", mistake)
    page.evaluate("document.getElementById('gradcheck-out').replaceChildren()")
    page.click("#gradcheck-button")
    page.wait_for_selector("#gradcheck-out:not([data-busy]) #gradcheck-verdict")  # the latest check's
    failed = page.eval_on_selector_all(
        "#gradcheck-out .gc-layer", "els => els.filter(e => e.dataset.ok === 'false').map(e => +e.dataset.l)"
    )
    return page.get_attribute("#gradcheck-verdict", "data-ok") == "true", failed


def test_the_gradient_check_passes_for_each_new_combination_and_fails_for_each_new_mistake(site, open_page):
    page = open_views(open_page, site.url)
    train_relu(page)
    for reg in ("none", "l2", "l1"):
        assert gradcheck(page, reg=reg) == (True, []), reg
    menu = page.eval_on_selector_all("#gradcheck-mistake option", "os => os.map(o => o.value)")
    assert {"softmax-extra-f-prime", "relu-step-forgotten"} <= set(menu) and "tanh-prime-from-z" not in menu
    assert gradcheck(page, "softmax-extra-f-prime") == (False, [2, 3, 4])
    ok, failed = gradcheck(page, "relu-step-forgotten")
    assert not ok and 4 not in failed and 2 in failed  # BP1 is untouched; the ReLU layers below are wrong
    gradcheck(page, "none", reg="l1")  # the menu follows the regulariser
    assert gradcheck(page, "l1-as-l2", reg="l1") == (False, [2, 3, 4])
    # a tanh network: its own mistake, and L2 on the biases
    fill(page, activation="tanh", cost="cross-entropy", weight_init="default", epochs="1", dropout="0", momentum="0")
    page.click("#train-button")
    page.wait_for_function("window.__chart.runs.length === 2")
    wait_idle(page, timeout=300_000)
    assert gradcheck(page, "none", reg="l2") == (True, [])
    assert gradcheck(page, "tanh-prime-from-z", reg="l2") == (False, [2, 3])
    assert gradcheck(page, "l2-on-biases", reg="l2") == (False, [2, 3, 4])
    assert page.errors == []


def test_a_paired_sigmoid_or_relu_run_answers_on_screen(site, open_page):
    page = open_views(open_page, site.url)
    fill(page, hidden="20", epochs="1", train_size="1000", seed="5")
    page.select_option("#pair-vary", "activation")
    assert page.input_value("#pair-value") == "relu"
    page.click("#pair-button")
    page.wait_for_function("window.__chart.runs.length === 2")
    wait_idle(page, timeout=300_000)
    text = page.text_content("#progress-text")
    assert "A (activation = sigmoid)" in text and "B (activation = relu)" in text, text
    assert "(whole step)" in text, text  # no dropout: the kernel takes the ReLU network's whole step
    labels = [r["label"] for r in chart(page)["runs"]]
    assert "ReLU" not in labels[0] and " ReLU 784-20-10" in labels[1]
    assert page.errors == []


def test_a_superset_model_downloads_and_loads_back_with_identical_predictions(site, open_page, tmp_path):
    page = open_views(open_page, site.url)
    train_relu(page)
    with page.expect_download() as info:
        page.click("#download-model")
    path = tmp_path / "relu.json"
    info.value.save_as(path)
    data = json.loads(path.read_text())
    assert data["layers"][0] == {"kind": "dense", "n": 24, "activation": "relu"}
    assert data["layers"][-1]["activation"] == "softmax" and data["cost"] == "LogLikelihoodCost"
    net = backprop.load(path)
    x, y = subset(site)
    predictions = net.predict(x)
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'trained'")
    trained = page.eval_on_selector("#model-subset-accuracy", "e => +e.dataset.correct")
    assert trained == int(np.sum(predictions == y))  # the page's network, as CPython reads its file
    # and back into the page, as a model file: the same predictions, digit by digit
    page.set_input_files("#model-file", str(path))
    page.wait_for_function("document.getElementById('network-which').value === 'file'")
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'file'")
    assert page.text_content("#model-file-error") == ""
    assert page.eval_on_selector("#model-subset-accuracy", "e => +e.dataset.correct") == trained
    strip = page.eval_on_selector_all("#strip figure", "fs => fs.map(f => +f.dataset.prediction)")
    assert strip == predictions[: len(strip)].tolist() and len(strip) == 24
    assert page.errors == []
