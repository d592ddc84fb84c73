"""Training the model the page ships (web/data/model.json) from its recipe (web/data/model-recipe.json).

``build.py data`` reads the recipe with ``read_recipe`` and trains with ``train_model``; writing the
files (the rounded model, model-meta.json, web/data/README.md) is build.py's. In the command line's
folder: the page loads the trained model and never trains it.
"""

import json
import time
from pathlib import Path

import numpy as np

from .. import Network, get_cost
from ..data import augment
from ..nn.layers import parse_spec

# what train_model reads from the recipe's settings; "eta_decay" (default 1), "augment" (default none),
# "momentum" (default 0) and "weight_init" (default network2's) may be left out. A convolutional recipe
# gives "layers" (layers.parse_spec's text) and "input_shape" instead of "sizes".
REQUIRED = ("cost", "eta", "lmbda", "epochs", "batch_size", "seed")


def read_recipe(path):
    """The "settings" of a recipe file ({"about": ..., "settings": {...}}), in the file's order:
    model-meta.json lists them first, in that order."""
    path = Path(path)
    recipe = json.loads(path.read_text(encoding="utf-8"))
    settings = recipe.get("settings") if isinstance(recipe, dict) else None
    if not isinstance(settings, dict):
        raise ValueError(f'{path} has no "settings" object (the shipped model\'s recipe)')
    missing = [k for k in REQUIRED if k not in settings]
    if "sizes" not in settings and "layers" not in settings:
        missing.append("sizes (or layers)")
    if missing:
        raise ValueError(f"{path}: the settings lack {', '.join(missing)}")
    return settings


def network_of(settings):
    """The untrained network a recipe describes: network2's dense sigmoid stack from "sizes", or the
    layers of "layers" (e.g. "conv:20:5:relu,pool:2,dense:100:relu,dense:10:softmax") on "input_shape"."""
    init = settings.get("weight_init", "default")
    if "layers" in settings:
        stack = parse_spec(settings["layers"])
        shape = tuple(settings.get("input_shape", (1, 28, 28)))
        return Network.stack(stack, shape, cost=get_cost(settings["cost"]), seed=settings["seed"], weight_init=init)
    return Network(settings["sizes"], cost=get_cost(settings["cost"]), seed=settings["seed"], weight_init=init)


def train_model(x_train, y_train, x_val, y_val, settings, log=print):
    """Train the shipped network; keep the epoch with the best validation accuracy.

    Epoch e (from 0) uses eta * eta_decay**e and, when settings has "augment" (backprop.augment's
    keyword arguments), a fresh random distortion of every training digit drawn from the seeded
    generator, so one seed gives one model. Returns (net, validation_accuracies, best_epoch (1-based),
    seconds).
    """
    net = network_of(settings)
    rng = np.random.default_rng(settings["seed"])  # the distortions; the network shuffles with its own
    best = {"acc": -1.0, "epoch": 0, "weights": None, "biases": None}
    val_acc = []
    t0 = time.perf_counter()
    for epoch in range(settings["epochs"]):
        eta = settings["eta"] * settings.get("eta_decay", 1.0) ** epoch
        x = x_train if settings.get("augment") is None else augment.augment(x_train, rng, **settings["augment"])
        net.train(
            x,
            y_train,
            1,
            settings["batch_size"],
            eta,
            settings["lmbda"],
            momentum=settings.get("momentum", 0.0),
            monitor_train_cost=False,
            monitor_train_accuracy=False,
            monitor_eval_cost=False,
            monitor_eval_accuracy=False,
        )
        acc = net.accuracy(x_val, y_val) / len(y_val)
        val_acc.append(acc)
        if acc > best["acc"]:  # snapshot: weights are updated in place by the next epoch
            best.update(
                acc=acc, epoch=epoch + 1, weights=[w.copy() for w in net.weights], biases=[b.copy() for b in net.biases]
            )
        log(
            f"epoch {epoch + 1}/{settings['epochs']} (eta {eta:.4g}): validation accuracy {acc:.4f} "
            f"({time.perf_counter() - t0:.0f} s)"
        )
    seconds = time.perf_counter() - t0
    net.weights, net.biases = best["weights"], best["biases"]
    return net, val_acc, best["epoch"], seconds
