"""The model the page ships (web/data/model.json): it reads drawn digits, and keeps its MNIST accuracy."""

import json
import os

import numpy as np
import pytest

import backprop
from backprop.data import mnist
from backprop.data.preprocess import mnist_like
from ci_support import ROOT
from drawing import load_drawn_digits, rasterise

DATA = ROOT / "web" / "data"


@pytest.fixture(scope="module")
def net():
    return backprop.load(DATA / "model.json")


def test_shape_is_what_the_page_expects(net):
    assert net.sizes[0] == 784 and net.sizes[-1] == 10 and len(net.sizes) == 3
    meta = json.loads((DATA / "model-meta.json").read_text(encoding="utf-8"))
    assert meta["sizes"] == net.sizes and meta["cost"] == net.cost.__name__
    for key in (
        "eta",
        "lmbda",
        "batch_size",
        "epochs",
        "chosen_epoch",
        "trained_on",
        "test_accuracy",
        "subset_test_accuracy",
    ):
        assert key in meta, key
    assert meta["test_accuracy"] >= 0.98


def test_reads_the_drawn_digits(net):
    doc = load_drawn_digits()
    x = np.array(
        [mnist_like(rasterise(doc["digits"][str(d)], doc["canvas"], doc["line_width"])) for d in range(10)]
    )  # (10, 784)
    guesses = net.predict(x)
    right = int(np.sum(guesses == np.arange(10)))
    assert right >= 8, f"read {right}/10 drawn digits: guesses {guesses.tolist()} for 0..9"


def test_reads_the_subset_test_digits(net):
    subset = mnist.read_subset(DATA / "mnist-subset.npz")
    acc = net.accuracy(subset["x_test"] / 255.0, subset["y_test"].astype(np.int64)) / len(subset["y_test"])
    assert acc >= 0.97


@pytest.mark.skipif(not os.environ.get("MNIST_DIR"), reason="MNIST_DIR not set: full test set unavailable")
def test_full_mnist_test_set_at_least_98_percent(net):
    _, _, (x, y) = mnist.load_data(os.environ["MNIST_DIR"])
    acc = net.accuracy(x, y) / len(y)
    assert acc >= 0.980, f"test accuracy {acc:.4f}"


def test_train_model_is_seeded_and_keeps_the_best_validation_epoch():
    from backprop.cli import shipped_model

    subset = mnist.read_subset(DATA / "mnist-subset.npz")
    x, y = subset["x_train"][:1000] / 255.0, subset["y_train"][:1000].astype(np.int64)
    xv, yv = subset["x_test"][:300] / 255.0, subset["y_test"][:300].astype(np.int64)
    settings = dict(
        shipped_model.read_recipe(DATA / "model-recipe.json"), sizes=[784, 20, 10], epochs=4, eta_decay=0.5, seed=5
    )
    runs = [shipped_model.train_model(x, y, xv, yv, settings, log=lambda *_: None) for _ in range(2)]
    (net, acc, best, _), (net2, acc2, _, _) = runs
    assert len(acc) == 4 and acc == acc2
    for w, w2 in zip(net.weights, net2.weights):
        np.testing.assert_array_equal(w, w2)  # one seed, one model
    assert best == int(np.argmax(acc)) + 1  # the first best epoch, 1-based
    assert net.accuracy(xv, yv) / len(yv) == max(acc)  # and its weights are the ones returned
    plain = shipped_model.train_model(x, y, xv, yv, dict(settings, augment=None), log=lambda *_: None)
    assert not np.array_equal(plain[0].weights[0], net.weights[0])  # the distortions did something
    steady = shipped_model.train_model(x, y, xv, yv, dict(settings, eta_decay=1.0), log=lambda *_: None)
    assert steady[1][1:] != acc[1:]  # and so did the decay of eta


def test_the_recipe_is_read_in_its_order_and_a_broken_one_is_named(tmp_path):
    from backprop.cli import shipped_model

    recipe = json.loads((DATA / "model-recipe.json").read_text(encoding="utf-8"))
    assert recipe["about"] and list(shipped_model.read_recipe(DATA / "model-recipe.json")) == list(recipe["settings"])
    bad = tmp_path / "recipe.json"
    bad.write_text(json.dumps({"about": "no settings"}))
    with pytest.raises(ValueError, match=r"recipe\.json has no \"settings\""):
        shipped_model.read_recipe(bad)
    bad.write_text(json.dumps({"settings": {k: v for k, v in recipe["settings"].items() if k != "eta"}}))
    with pytest.raises(ValueError, match="lack eta"):
        shipped_model.read_recipe(bad)
