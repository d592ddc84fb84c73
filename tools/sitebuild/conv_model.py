"""The page's convolutional network (chapter 6): web/data/conv-model.json and conv-model-meta.json.

``build.py data`` trains it from its recipe (web/data/conv-model-recipe.json, py/backprop/cli/
shipped_model.py's ``train_model``) or reuses a trained file (``--conv-model``), rounds it as the dense
model is rounded, and measures what ships. The page fetches it only when "Network shown" chooses it.
numpy and ``backprop`` are imported when a function here is called, never at import.
"""

import json
from pathlib import Path

from .common import DATA_DIR, fileio, import_backprop
from .data import (
    CONV_META,
    CONV_MODEL,
    MNIST_LICENCE,
    MNIST_SOURCE,
    MODEL_DIGITS,
    data_readme,
    round_model,
    training_meta,
    write_meta,
)

CONV_RECIPE_FILE = DATA_DIR / "conv-model-recipe.json"


def _reused(model_path):
    np, backprop = import_backprop()
    net = backprop.load(model_path)
    if net.dense_only or net.sizes[0] != 784 or net.sizes[-1] != 10:
        raise ValueError(f"{model_path} is not a convolutional network with 784 inputs and 10 outputs")
    old = Path(model_path).with_name(CONV_META)
    meta = json.loads(old.read_text(encoding="utf-8")) if old.is_file() else {}
    meta.setdefault("trained_on", f"unknown (reused {Path(model_path).name})")
    meta["layers"] = spec_text(net.layer_specs())  # the file's truth, not a claim
    return net, meta


def spec_text(layers):
    """The layers as ``backprop.layers.parse_spec`` reads them: "conv:20:5:relu,pool:2,dense:10:softmax"."""
    short = {
        "conv2d": lambda d: f"conv:{d['filters']}:{d['kernel']}:{d['activation']}",
        "maxpool2d": lambda d: f"pool:{d['size']}",
        "dense": lambda d: f"dense:{d['n']}:{d['activation']}",
    }
    return ",".join(short[d["kind"]](d) for d in layers)


def make_conv_model(out_dir=DATA_DIR, mnist_dir=None, model_path=None, log=print, recipe=CONV_RECIPE_FILE):
    """Write out_dir/conv-model.json and conv-model-meta.json; returns the meta."""
    np, backprop = import_backprop()
    from backprop.cli import shipped_model
    from backprop.data import mnist

    settings = shipped_model.read_recipe(recipe)
    if model_path is not None:  # before anything is written: a bad model changes nothing
        net, meta = _reused(model_path)
        log(f"reusing the convolutional network in {model_path}")
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = mnist.load_data(mnist_dir)
    if model_path is None:
        log(f"training {settings['layers']} on 50,000 digits ({settings['epochs']} epochs; tens of minutes)...")
        net, val_acc, best_epoch, seconds = shipped_model.train_model(x_tr, y_tr, x_va, y_va, settings, log=log)
        meta = training_meta(settings, val_acc, best_epoch, seconds)
    out_dir = Path(out_dir)
    model = round_model(net.to_dict())
    fileio.write_atomically(out_dir / CONV_MODEL, json.dumps(model, separators=(",", ":")))
    net = backprop.from_dict(model)  # score what ships, after rounding
    test_acc = net.accuracy(x_te, y_te) / len(y_te)
    meta.update(
        test_accuracy=round(test_acc, 4),
        parameters=int(sum(w.size + b.size for w, b in zip(net.weights, net.biases))),
        model_digits=MODEL_DIGITS,
        source=MNIST_SOURCE,
        licence=MNIST_LICENCE,
    )
    write_meta(out_dir / CONV_META, meta)
    dense_meta = out_dir / "model-meta.json"
    if dense_meta.is_file():  # the folder's README names both networks
        readme = data_readme(json.loads(dense_meta.read_text(encoding="utf-8")), out_dir)
        fileio.write_atomically(out_dir / "README.md", readme)
    log(f"convolutional network: test accuracy {test_acc:.4f} on the 10,000 MNIST test digits; wrote {out_dir}")
    return meta
