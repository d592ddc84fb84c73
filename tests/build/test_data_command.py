"""build.py data (tools/sitebuild/data.py and backprop.cli.shipped_model): the committed web/data
and how it is remade."""

import json
import os

import numpy as np
import pytest

import build
from backprop.data import mnist
from ci_support import ROOT, skip_or_fail
from sitebuild import data as site_data


# --------------------------------------------------------------------------------- data
def test_round_model_keeps_seven_significant_digits():
    d = {
        "sizes": [2, 1],
        "weights": [[[0.123456789, -1.23456789e-5]]],
        "biases": [[[12345.6789]]],
        "cost": "CrossEntropyCost",
    }
    r = site_data.round_model(d)
    assert r["weights"] == [[[0.1234568, -1.234568e-05]]] and r["biases"] == [[[12345.68]]]
    assert d["weights"][0][0][0] == 0.123456789  # the input is left alone


def test_data_command_on_a_small_slice(tmp_path, quiet, sha256):
    mnist_dir = os.environ.get("MNIST_DIR")
    if not mnist_dir:
        skip_or_fail("MNIST_DIR is not set (a folder with the four MNIST .gz files)")
    import backprop
    from backprop.data import mnist

    src = tmp_path / "trained"
    src.mkdir()
    (x_tr, y_tr), _, (x_te, y_te) = mnist.load_data(mnist_dir)
    net = backprop.Network([784, 16, 10], seed=3)
    net.train(x_tr[:2000], y_tr[:2000], 1, 10, 0.5, monitor_train_cost=False, monitor_train_accuracy=False)
    net.save(src / "model.json")
    (src / "model-meta.json").write_text(
        json.dumps({"eta": 0.5, "lmbda": 0.0, "epochs": 1, "seed": 3, "batch_size": 10, "test_accuracy": 0.0})
    )
    out = tmp_path / "data"
    committed = sha256(ROOT / "web" / "data" / "model.json")
    meta = build.make_data(out, mnist_dir, n_train=100, n_test=50, model_path=src / "model.json", log=quiet)

    assert sorted(p.name for p in out.iterdir()) == ["README.md", "mnist-subset.npz", "model-meta.json", "model.json"]
    with np.load(out / "mnist-subset.npz", allow_pickle=False) as z:
        assert z["x_train"].shape == (100, 784) and z["x_train"].dtype == np.uint8
        assert z["x_test"].shape == (50, 784) and z["y_test"].dtype == np.uint8
        assert list(z["y_train"][:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    shipped = backprop.load(out / "model.json")
    assert shipped.sizes == [784, 16, 10]
    # the recorded accuracy is the ROUNDED model's, on the full test set, scored independently here
    assert meta["test_accuracy"] == round(shipped.accuracy(x_te, y_te) / len(y_te), 4)
    assert abs(meta["test_accuracy"] - net.accuracy(x_te, y_te) / len(y_te)) <= 0.002
    assert meta["test_accuracy"] > 0.5
    assert meta["eta"] == 0.5 and meta["seed"] == 3  # carried over from the model's own metadata
    assert meta["subset_n_train"] == 100 and meta["licence"] == "CC BY-SA 3.0"
    assert json.loads((out / "model-meta.json").read_text()) == meta
    readme = (out / "README.md").read_text()
    assert "Yann LeCun" in readme and "CC BY-SA 3.0" in readme
    assert sha256(ROOT / "web" / "data" / "model.json") == committed  # --out-dir kept web/data out of it


def test_data_command_rejects_a_model_of_the_wrong_shape_before_writing(tmp_path, quiet):
    import backprop

    backprop.Network([4, 3, 2], seed=0).save(tmp_path / "small.json")
    with pytest.raises(ValueError, match=r"784 inputs and 10 outputs"):
        build.make_data(tmp_path / "data", None, 10, 10, model_path=tmp_path / "small.json", log=quiet)
    assert not (tmp_path / "data").exists()


# --------------------------------------------------------------------------------- committed web/data
def test_committed_data_is_small_and_the_model_scores_what_its_metadata_says():
    import backprop
    from backprop.data import mnist

    data = ROOT / "web" / "data"
    assert (data / "mnist-subset.npz").stat().st_size <= 5_000_000
    subset = mnist.read_subset(data / "mnist-subset.npz")
    assert subset["x_train"].shape == (10000, 784) and subset["x_train"].dtype == np.uint8
    assert subset["x_test"].shape == (2000, 784) and subset["y_test"].shape == (2000,)
    meta = json.loads((data / "model-meta.json").read_text())
    from backprop.cli import shipped_model

    settings = shipped_model.read_recipe(
        data / "model-recipe.json"
    )  # what `build.py data` trains is what was committed
    assert {k: meta[k] for k in settings} == settings and meta["cost"] == "CrossEntropyCost"
    assert list(meta)[: len(settings)] == list(settings)  # the recipe's order, first in the record
    assert meta["test_accuracy"] >= 0.98 and len(meta["validation_accuracy"]) == settings["epochs"]
    assert "LeCun" in meta["source"] and meta["licence"] == "CC BY-SA 3.0"
    net = backprop.load(data / "model.json")
    assert net.sizes == settings["sizes"]
    x, y = subset["x_test"] / 255.0, subset["y_test"].astype(np.int64)
    assert net.accuracy(x, y) / len(y) == pytest.approx(meta["subset_test_accuracy"], abs=5e-5)
    assert (data / "model.json").stat().st_size < 3_500_000
    assert sum(p.stat().st_size for p in data.iterdir()) < 8_000_000  # the page's data budget
    assert "CC BY-SA 3.0" in (data / "README.md").read_text()


def test_committed_model_reaches_98_percent_on_the_full_test_set():
    mnist_dir = os.environ.get("MNIST_DIR")
    if not mnist_dir:
        skip_or_fail("MNIST_DIR is not set (a folder with the four MNIST .gz files)")
    import backprop
    from backprop.data import mnist

    _, _, (x_te, y_te) = mnist.load_data(mnist_dir)
    net = backprop.load(ROOT / "web" / "data" / "model.json")
    meta = json.loads((ROOT / "web" / "data" / "model-meta.json").read_text())
    acc = net.accuracy(x_te, y_te) / len(y_te)
    assert acc >= 0.98
    assert acc == pytest.approx(meta["test_accuracy"], abs=5e-5)


# -- build.py's full-MNIST file ----------------------------------------------------------------------
def test_build_writes_full_mnist_with_its_size_and_sha256(tmp_path, sha256):
    mnist_dir = os.environ.get("MNIST_DIR")
    if not mnist_dir:
        skip_or_fail("MNIST_DIR is not set (a folder with the four MNIST .gz files)")
    entry = build.write_full_data(tmp_path, mnist_dir, log=lambda *a: None)
    path = tmp_path / build.FULL_DATA_NAME
    assert entry["bytes"] == path.stat().st_size and entry["sha256"] == build.sha256_file(path)
    assert (entry["n_train"], entry["n_test"], entry["url"]) == (50_000, 10_000, "./data/mnist-full.npz")
    got = mnist.read_subset(path)
    (x_tr, y_tr), _, (x_te, y_te) = mnist.load_data(mnist_dir, dtype=np.uint8)
    np.testing.assert_array_equal(got["x_train"], x_tr)
    np.testing.assert_array_equal(got["y_test"], y_te)
    assert got["x_train"].dtype == np.uint8 and got["x_test"].shape == (10_000, 784)
    assert entry["bytes"] < 12e6  # the page states ~10 MB
    assert "unavailable" in build.NO_FULL_DATA and "--full-mnist" in build.NO_FULL_DATA["unavailable"]
