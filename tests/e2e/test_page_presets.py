"""Nielsen's runs as presets in headless Chromium: a preset fills the form, its run shows the book's
figure beside ours (ours checked against the same run in CPython), full MNIST downloads with a progress
bar and a run trains on it, and a site built without it says why the option is unavailable."""

import io
import json

import numpy as np
import pytest

from backprop import Network
from backprop.cli import book_runs as preset_runs
from backprop.data import expand
from backprop.explain import presets
from ci_support import skip_or_fail
from steps import chart, fill, train, wait_idle

pytestmark = pytest.mark.e2e


def arrays(path):
    with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def form_values(page):
    return page.evaluate("""() => Object.fromEntries([...document.getElementById('train-form').elements]
        .filter(e => e.name).map(e => [e.name, e.value]))""")


def pick(page, key):
    page.select_option("#preset-select", key)
    page.wait_for_function(f"document.getElementById('preset-note').dataset.key === '{key}'")


def test_a_preset_fills_the_form_and_its_run_shows_the_book_beside_ours(site, open_page):
    page = open_page(site.url)
    # the picker lists every preset; choosing one fills the form with it, λ scaled to the 10,000 digits
    keys = page.eval_on_selector_all("#preset-select option", "os => os.map(o => o.value).filter(Boolean)")
    assert keys == list(presets.BY_KEY)
    pick(page, "ch6-conv-relu")  # network3's conv run: its convolutions, 10 epochs on the subset
    conv = form_values(page)
    assert conv["convolutions"] == "conv:20:5:relu,pool:2,conv:40:5:relu,pool:2" and conv["epochs"] == "10"
    assert (conv["lmbda"], conv["eta"], conv["activation"]) == ("0.2", "0.03", "relu")
    assert "The book: 99.23 %" in page.text_content("#preset-note")
    pick(page, "ch6-dropout")  # run 6: network3's expanded data, two layers of 1,000 with dropout
    run6 = form_values(page)
    assert (run6["expand"], run6["hidden"], run6["dropout"], run6["lmbda"]) == ("shifts", "1000,1000", "0.5", "0")
    assert "The book: 99.60 %" in page.text_content("#preset-note") and "expand=shifts" in page.url
    pick(page, "ch5-speed-relu")  # a ReLU preset first: the next one sets every layer setting back
    pick(page, "ch3-l2")
    want = presets.params_for("ch3-l2", 10_000)
    assert form_values(page) == {
        "convolutions": "",
        "hidden": "30",
        "activation": "sigmoid",
        "output": "sigmoid",
        "regularization": "l2",
        "dropout": "0",
        "momentum": "0",
        "expand": "none",
        "cost": "cross-entropy",
        "eta": "0.5",
        "lmbda": "1",
        "batch_size": "10",
        "epochs": "30",
        "train_size": "10000",
        "weight_init": "large",
        "seed": str(want["seed"]),
        "dtype": "float64",
        "backend": "auto",
    }  # a preset leaves these as they are
    assert "lmbda=1" in page.url and "weight_init=large" in page.url
    note = page.text_content("#preset-note")
    assert "96.49 %" in note and "λ = 5 on 50,000 digits becomes λ = 1 on 10,000" in note

    started = page.evaluate("window.__chart.runs.length")
    page.click("#train-button")
    page.wait_for_function(f"window.__chart.runs.length > {started}")
    wait_idle(page, timeout=300_000)
    page.wait_for_selector('#preset-results li[data-key="ch3-l2"]')
    li = page.locator('#preset-results li[data-key="ch3-l2"]')
    text = li.text_content()
    assert "book 96.49 % (50,000 training / 10,000 test digits, best of 30 epochs)" in text
    assert "this run " in text and "(10,000 training / 2,000 test digits, best: epoch " in text
    ours = float(li.get_attribute("data-ours"))
    shown = [p["eval_accuracy"] for p in chart(page)["runs"][-1]["points"]]
    assert len(shown) == 30 and ours == max(shown)  # ours is the chart's best epoch
    assert f"{100 * ours:.2f} %" in text

    # the same run in CPython on the same files: numpy in the page sums in another order, so the
    # accuracy after 30 epochs agrees to a fraction of a percent, not to the digit
    sub = arrays(site.dir / "data/mnist-subset.npz")
    got, accs, _ = preset_runs.run_preset(
        "ch3-l2", sub["x_train"], sub["y_train"].astype(int), sub["x_test"] / 255.0, sub["y_test"].astype(int)
    )
    assert abs(ours - got[0]) <= 0.01, (ours, got)
    assert page.errors == []


def test_a_run_on_the_expanded_digits_trains_on_five_times_them(site, open_page):
    """expand "shifts" in the form: each digit and its four one-pixel moves, 5x the steps of an epoch;
    the oracle is CPython's library on backprop.data.expand's set, the same seed."""
    page = open_page(site.url)
    wait_idle(page)
    fill(page, expand="shifts")
    train(page, hidden="10", epochs="1", train_size="100", batch_size="10", seed="3", eta="0.5", lmbda="0")
    wait_idle(page)
    run = chart(page)["runs"][-1]
    assert run["status"] == "done" and "×5 shifts" in run["label"]
    assert "Done: 1 epoch, 500 examples" in page.text_content("#progress-text")  # 100 digits and their moves
    sub = arrays(site.dir / "data/mnist-subset.npz")
    x, y = expand.shifts(sub["x_train"][:100], sub["y_train"][:100].astype(int))
    net = Network([784, 10, 10], seed=3)
    history = net.train(x / 255.0, y, 1, 10, 0.5, 0.0, eval_data=(sub["x_test"] / 255.0, sub["y_test"].astype(int)))
    assert abs(run["points"][0]["eval_accuracy"] - history.eval_accuracy[0]) <= 0.01
    assert page.errors == []


def full_data_entry(site):
    entry = json.loads((site.dir / "config.json").read_text())["fullData"]
    if "url" not in entry:
        skip_or_fail("the site was built without full MNIST (set MNIST_DIR)")
    return entry


def test_full_mnist_downloads_with_a_progress_bar_and_trains(site, open_page):
    entry = full_data_entry(site)
    page = open_page(site.url)
    label = page.text_content("#data-full-text")
    assert f"{entry['bytes'] / 1e6:.1f} MB download" in label and "50,000 training / 10,000 test" in label
    page.check('input[name="data"][value="full"]')
    page.wait_for_function(
        "window.__presets.data === 'full' && document.body.dataset.mode === 'ready'", timeout=120_000
    )
    log = page.evaluate("window.__presets.progress")
    received = [p["received"] for p in log]
    assert len(log) >= 2 and received == sorted(received) and received[0] == 0
    assert received[-1] == log[-1]["total"] == entry["bytes"]
    assert page.evaluate(
        "[document.getElementById('data-progress').value, document.getElementById('data-progress').max]"
    ) == [entry["bytes"], entry["bytes"]]
    assert "Downloaded" in page.text_content("#data-progress-text")
    assert page.evaluate("[window.__presets.nTrain, window.__presets.nTest]") == [50_000, 10_000]
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.total === '10000'")

    # a preset on the full data is the book's own run: λ unscaled
    pick(page, "ch3-l2")
    assert form_values(page)["lmbda"] == "5" and form_values(page)["train_size"] == "50000"

    # one epoch on all 50,000 digits; the oracle: CPython on the same file
    page.fill("#train-form [name=epochs]", "1")
    page.fill("#train-form [name=hidden]", "30")
    started = page.evaluate("window.__chart.runs.length")
    page.click("#train-button")
    page.wait_for_function(f"window.__chart.runs.length > {started}")
    wait_idle(page, timeout=300_000)
    run = chart(page)["runs"][-1]
    assert run["status"] == "done" and run["params"]["train_size"] == 50_000
    acc = run["points"][0]["eval_accuracy"]
    full = arrays(site.dir / "data/mnist-full.npz")
    from backprop import Network, get_cost

    net = Network([784, 30, 10], cost=get_cost("CrossEntropyCost"), seed=presets.SEED, weight_init="large")
    history = preset_runs._train(
        net,
        full["x_train"],
        full["y_train"].astype(int),
        full["x_test"] / 255.0,
        full["y_test"].astype(int),
        presets.params_for("ch3-l2", 50_000),
        1,
    )
    assert abs(acc - history.eval_accuracy[0]) <= 0.01, (acc, history.eval_accuracy)

    # and back to the subset, without another download
    page.check('input[name="data"][value="subset"]')
    page.wait_for_function("window.__presets.data === 'subset' && document.body.dataset.mode === 'ready'")
    assert page.evaluate("[window.__presets.nTrain, window.__presets.nTest]") == [10_000, 2_000]
    assert len(page.evaluate("window.__presets.progress")) == len(log)
    assert page.errors == []


def test_without_full_mnist_the_option_says_why(site_dir, broken_site, open_page):
    site = broken_site()
    config = json.loads((site.dir / "config.json").read_text())
    config["fullData"] = {
        "unavailable": "this copy of the page was built without the full MNIST file "
        "(`python3 build.py build --full-mnist` adds it)"
    }
    (site.dir / "config.json").write_text(json.dumps(config))
    (site.dir / "data/mnist-full.npz").unlink(missing_ok=True)
    page = open_page(site.url)
    assert page.is_disabled('input[name="data"][value="full"]')
    assert "built without the full MNIST file" in page.text_content("#data-note")
    assert "--full-mnist" in page.text_content("#data-note")
    pick(page, "ch1-quadratic")  # presets work on the subset regardless
    assert form_values(page)["eta"] == "3"
    assert page.errors == []
