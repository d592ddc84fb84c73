"""build.py data --only conv (tools/sitebuild/conv_model.py): the committed convolutional network scores
what its metadata says (≥ 99.3 % on the full test set), and remaking it from a trained file writes the
rounded network, its measured accuracy and the folder's README, refusing a network that is not one."""

import json
import os

import pytest

import backprop
from ci_support import ROOT, skip_or_fail
from sitebuild import conv_model

DATA = ROOT / "web" / "data"


def mnist_dir():
    found = os.environ.get("MNIST_DIR")
    if not found:
        skip_or_fail("MNIST_DIR is not set (a folder with the four MNIST .gz files)")
    return found


def test_the_committed_conv_network_reaches_99_3_percent_as_its_metadata_says():
    from backprop.data import mnist

    _, _, (x_te, y_te) = mnist.load_data(mnist_dir())
    net = backprop.load(DATA / "conv-model.json")
    meta = json.loads((DATA / "conv-model-meta.json").read_text())
    acc = net.accuracy(x_te, y_te) / len(y_te)
    assert acc >= 0.993
    assert acc == pytest.approx(meta["test_accuracy"], abs=5e-5)
    assert meta["layers"] == conv_model.spec_text(net.layer_specs())


def test_remaking_it_from_a_file_rounds_measures_and_names_both_networks(tmp_path):
    L = backprop.layers
    net = backprop.Network.stack(
        [L.Conv2D(2, 5, activation="relu"), L.MaxPool2D(2), L.Dense(10, activation="softmax")],
        input_shape=(1, 28, 28),
        cost="log-likelihood",
        seed=1,
    )
    net.save(tmp_path / "trained.json")
    out = tmp_path / "out"
    out.mkdir()
    (out / "model-meta.json").write_text((DATA / "model-meta.json").read_text())
    meta = conv_model.make_conv_model(out, mnist_dir(), tmp_path / "trained.json", log=lambda *a: None)
    shipped = backprop.load(out / "conv-model.json")
    assert shipped.layer_specs() == net.layer_specs() and meta["layers"] == "conv:2:5:relu,pool:2,dense:10:softmax"
    assert json.loads((out / "conv-model-meta.json").read_text())["test_accuracy"] == meta["test_accuracy"]
    readme = (out / "README.md").read_text()
    assert "conv-model.json" in readme and "model.json" in readme and f"{meta['test_accuracy']:.2%}" in readme


def test_a_dense_network_is_refused_before_anything_is_written(tmp_path):
    backprop.Network([784, 10, 10], seed=1).save(tmp_path / "dense.json")
    with pytest.raises(ValueError, match="not a convolutional network"):
        conv_model.make_conv_model(tmp_path, None, tmp_path / "dense.json", log=lambda *a: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dense.json"]
