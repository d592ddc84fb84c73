"""python -m backprop train --layers: chapter 6's stacks from the command line, and their bad specs named."""

import json

import pytest

import backprop
from backprop.cli import main as cli

CONV = "conv:3:5:relu,pool:2,dense:12:relu,dense:10:softmax"


def test_a_convolutional_stack_trains_and_saves_its_layers(tmp_path, small, run):
    out = tmp_path / "conv.json"
    argv = ["train", "--layers", CONV, "--cost", "log-likelihood", "--weight-init", "he", "--eta", "0.1"]
    code, text, err = run([*argv, "--lmbda", "0", "--epochs", "2", "--seed", "1", "--out", str(out)])
    assert code == 0, err
    net = backprop.load(out)
    assert net.input_shape == (1, 28, 28) and net.sizes == [784, 3 * 24 * 24, 3 * 12 * 12, 12, 10]
    assert [ly.kind for ly in net.layers] == ["conv2d", "maxpool2d", "dense", "dense"]
    history = json.loads((tmp_path / "conv.history.json").read_text())
    assert history["layers"][0] == {"kind": "conv2d", "filters": 3, "kernel": 5, "activation": "relu"}
    assert history["eval_accuracy"][-1] > 0.3 and "784-1728-432-12-10" in text
    (_, _), _, (xt, yt) = small
    assert history["final_test_accuracy"] == net.accuracy(xt / 255.0, yt) / len(xt)


@pytest.mark.parametrize(
    "spec,message",
    [
        ("conv:3", "bad layer 'conv:3': expected conv:FILTERS:KERNEL"),
        ("conv:3:30,dense:10", "layer 0 (conv2d): a 30×30 kernel does not fit in a 28×28 image"),
        ("conv:3:5,pool:5,dense:10", "layer 1 (maxpool2d): 5×5 windows do not tile 24×24 maps"),
        ("dense:30,conv:3:5,dense:10", "layer 1 (conv2d): a convolution needs images"),
        ("dense:30,dense:9", "the last layer must give MNIST's 10 outputs"),
        ("dense:30:softmax,dense:10", "softmax is an output layer only"),
    ],
)
def test_a_bad_stack_is_one_line_naming_the_layer(spec, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["train", "--layers", spec, "--out", str(tmp_path / "m.json")])
    err = capsys.readouterr().err
    assert e.value.code == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "m.json").exists()
