"""The page's data files that take numpy to make: the committed web/data (``build.py data``: the MNIST
subset, the shipped model rounded, its metadata, its README) and a built site's optional full MNIST.

The shipped model's recipe is web/data/model-recipe.json and its training py/backprop/cli/
shipped_model.py; this module writes what the page loads and says what it is. numpy and ``backprop``
are imported when a function here is called, never at import: build.py imports this module too.
"""

import json
from pathlib import Path

from .common import DATA_DIR, fileio, import_backprop, sha256_file

RECIPE_FILE = DATA_DIR / "model-recipe.json"
MNIST_SOURCE = (
    "MNIST database by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (http://yann.lecun.com/exdb/mnist/)"
)
MNIST_LICENCE = "CC BY-SA 3.0"
TRAINING_RECORD = ("chosen_epoch", "validation_accuracy", "training_seconds", "trained_on")
CONV_MODEL = "conv-model.json"  # the convolutional network (conv_model.py makes it) and its meta
CONV_META = "conv-model-meta.json"
MODEL_DIGITS = 7  # significant digits kept in model.json: ~1 MB instead of ~1.7 MB, accuracy unchanged

# The page's optional download: the 50,000 training digits of Nielsen's split and the 10,000 test digits,
# in the subset's .npz format (uint8). Only in a built site (dist/data), never in the committed web/data.
FULL_DATA_NAME = "mnist-full.npz"
NO_FULL_DATA = {
    "unavailable": "this copy of the page was built without the full MNIST file "
    "(`python3 build.py build --full-mnist` adds it)"
}


def write_full_data(data_dir, mnist_dir=None, log=print):
    """Write data_dir/mnist-full.npz and return its config.json entry: url, bytes, sha256, sizes."""
    import_backprop()
    from backprop.data import mnist

    path = Path(data_dir) / FULL_DATA_NAME
    n_train, n_test = 60_000 - mnist.N_VALIDATION, 10_000
    mnist.write_subset(path, n_train=n_train, n_test=n_test, directory=mnist_dir)
    size = path.stat().st_size
    log(f"full MNIST for the page: {path.name}, {size:,} bytes")
    return {
        "url": f"./data/{FULL_DATA_NAME}",
        "bytes": size,
        "sha256": sha256_file(path),
        "n_train": n_train,
        "n_test": n_test,
    }


def round_model(model_dict, digits=MODEL_DIGITS):
    """The same dict with every weight and bias rounded to ``digits`` significant digits."""

    def rnd(v):
        if isinstance(v, list):
            return [rnd(x) for x in v]
        return float(f"{v:.{digits}g}")

    out = dict(model_dict)
    out["weights"] = rnd(model_dict["weights"])
    out["biases"] = rnd(model_dict["biases"])
    return out


def _reused_model(model_path, settings):
    """A trained model to ship instead of training one, and what its own metadata says about it."""
    np, backprop = import_backprop()
    net = backprop.load(model_path)
    if net.sizes[0] != 784 or net.sizes[-1] != 10:
        raise ValueError(f"model {model_path} has sizes {net.sizes}; MNIST needs 784 inputs and 10 outputs")
    meta = {}
    old_meta = Path(model_path).with_name("model-meta.json")
    if old_meta.is_file():  # keep how it was trained; what it scores is measured again
        meta = {
            k: v
            for k, v in json.loads(old_meta.read_text(encoding="utf-8")).items()
            if k in (*settings, *TRAINING_RECORD)
        }
    meta.setdefault("trained_on", f"unknown (reused {Path(model_path).name})")
    meta.update(sizes=list(net.sizes), cost=net.cost.__name__)  # the file's truth, not a claim
    return net, meta


def make_data(
    out_dir=DATA_DIR, mnist_dir=None, n_train=10000, n_test=2000, model_path=None, log=print, recipe=RECIPE_FILE
):
    """Regenerate out_dir: mnist-subset.npz, model.json, model-meta.json, README.md; returns the meta.
    The model is trained by ``recipe`` (web/data/model-recipe.json), or reused from ``model_path``."""
    np, backprop = import_backprop()
    from backprop.cli import shipped_model
    from backprop.data import mnist

    settings = shipped_model.read_recipe(recipe)  # a reused model's meta keeps the settings' keys
    if model_path is not None:  # before anything is written: a bad model changes nothing
        net, meta = _reused_model(model_path, settings)
        log(f"reusing the model in {model_path}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = mnist.load_data(mnist_dir, dtype=np.uint8)
    to_float = lambda a: a.astype(np.float64) / 255.0

    subset_path = out_dir / "mnist-subset.npz"
    mnist.write_subset(subset_path, n_train=n_train, n_test=n_test, directory=mnist_dir)
    log(f"wrote {subset_path} ({subset_path.stat().st_size:,} bytes)")

    if model_path is None:
        log(
            f"training {'-'.join(map(str, settings['sizes']))} on 50,000 digits "
            f"({settings['epochs']} epochs; several minutes)..."
        )
        net, val_acc, best_epoch, seconds = shipped_model.train_model(
            to_float(x_tr), y_tr, to_float(x_va), y_va, settings, log=log
        )
        meta = training_meta(settings, val_acc, best_epoch, seconds)

    model = round_model(net.to_dict())
    _write_text(out_dir / "model.json", json.dumps(model, separators=(",", ":")))
    net = backprop.from_dict(model)  # score what ships, after rounding
    test_acc = net.accuracy(to_float(x_te), y_te) / len(y_te)
    subset = mnist.read_subset(subset_path)
    subset_acc = net.accuracy(to_float(subset["x_test"]), subset["y_test"].astype(np.int64)) / n_test
    meta.update(
        test_accuracy=round(test_acc, 4),
        subset_test_accuracy=round(subset_acc, 4),
        subset_n_train=n_train,
        subset_n_test=n_test,
        model_digits=MODEL_DIGITS,
        source=MNIST_SOURCE,
        licence=MNIST_LICENCE,
    )
    write_meta(out_dir / "model-meta.json", meta)
    _write_text(out_dir / "README.md", data_readme(meta, out_dir))
    log(
        f"model: test accuracy {test_acc:.4f} on the 10,000 MNIST test digits, "
        f"{subset_acc:.4f} on the subset's {n_test}; wrote {out_dir}"
    )
    return meta


def training_meta(settings, val_acc, best_epoch, seconds):
    """A shipped network's metadata after ``shipped_model.train_model``: its recipe's settings and what
    the training gave."""
    return dict(
        settings,
        chosen_epoch=best_epoch,
        validation_accuracy=[round(a, 4) for a in val_acc],
        training_seconds=round(seconds, 1),
        trained_on="MNIST 50,000 training images, freshly distorted each epoch (best epoch chosen on the other 10,000)",
    )


def write_meta(path, meta):
    """A metadata file, one key per line and lists inline: readable in a diff, short enough to read whole."""
    _write_text(path, "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in meta.items()) + "\n}\n")


def _write_text(path, text):
    fileio.write_atomically(path, text)


def data_readme(meta, out_dir=DATA_DIR):
    """web/data/README.md: the dense model's ``meta``, and the convolutional network's from its file."""
    return _data_readme(meta) + conv_readme(out_dir)


def _data_readme(meta):
    if "chosen_epoch" in meta:
        decay = f" times {meta['eta_decay']} per epoch" if meta.get("eta_decay", 1.0) != 1.0 else ""
        training = (
            f"Trained with `backprop.Network` ({meta['cost']}, eta={meta['eta']}{decay}, "
            f"lmbda={meta['lmbda']}, mini-batch {meta['batch_size']},\n"
            f"  {meta['epochs']} epochs, seed {meta['seed']}) on the 50,000 training images; "
            "the epoch with the best accuracy\n  on the 10,000 validation images is kept "
            f"(epoch {meta['chosen_epoch']}, {meta.get('training_seconds')} s of training)."
        )
        if meta.get("augment") is not None:
            args = ", ".join(f"{k}={v}" for k, v in meta["augment"].items())
            training += (
                "\n  Every epoch trains on a fresh random distortion of each training digit, "
                f"`backprop.augment.augment(x, rng, {args})`\n"
                "  (stroke width, rotation, scale, slant and shift per digit; rng seeded from "
                "the seed), so that the\n  network also reads digits drawn with a mouse."
            )
    else:
        training = f"Trained elsewhere: {meta['trained_on']}."
    return f"""# web/data — what the page loads

Generated by `python build.py data` (do not edit by hand); committed so that a fresh clone builds
without downloading MNIST.

## Source and licence

The digits are from the **MNIST database** by Yann LeCun, Corinna Cortes and Christopher J.C. Burges
(http://yann.lecun.com/exdb/mnist/), redistributed here under **{MNIST_LICENCE}**
(https://creativecommons.org/licenses/by-sa/3.0/). This folder is a reduced copy of it and a network
trained on it, shared under the same licence.

## Files

- `mnist-subset.npz` — `numpy.savez_compressed` archive, no pickles: `x_train` ({meta["subset_n_train"]}, 784)
  uint8, `y_train` ({meta["subset_n_train"]},) uint8 — the first {meta["subset_n_train"]:,} images of
  Nielsen's 50,000-image training split; `x_test` ({meta["subset_n_test"]}, 784) uint8, `y_test` uint8 —
  the first {meta["subset_n_test"]:,} images of the MNIST test set (t10k). Written by
  `backprop.mnist.write_subset`.
- `model.json` — a {"-".join(map(str, meta["sizes"]))} sigmoid network in network2's JSON format
  (`sizes`, `weights`, `biases`, `cost`), weights rounded to {meta["model_digits"]} significant digits.
  {training}
- `model-meta.json` — those settings, the per-epoch validation accuracies, and the accuracy of the
  rounded model: **{meta["test_accuracy"]:.2%}** on the full 10,000-image MNIST test set and
  {meta["subset_test_accuracy"]:.2%} on the subset's {meta["subset_n_test"]:,} test digits.
"""


def conv_readme(out_dir):
    """web/data/README.md's paragraph on the convolutional network, from its meta ("" without one)."""
    path = Path(out_dir) / CONV_META
    if not path.is_file():
        return ""
    meta = json.loads(path.read_text(encoding="utf-8"))
    if "chosen_epoch" in meta:
        args = ", ".join(f"{k}={v}" for k, v in (meta.get("augment") or {}).items())
        training = (
            f"Trained with `backprop.Network.stack` ({meta['cost']}, eta={meta['eta']} times "
            f"{meta.get('eta_decay', 1.0)} per epoch, momentum {meta.get('momentum', 0.0)}, lmbda={meta['lmbda']}, "
            f"mini-batch {meta['batch_size']},\n  {meta['epochs']} epochs, seed {meta['seed']}, "
            f"{meta.get('weight_init', 'default')} initialisation) on the 50,000 training images, freshly distorted "
            f"every epoch\n  (`augment(x, rng, {args})`); the epoch with the best accuracy on the 10,000 validation "
            f"images is kept\n  (epoch {meta['chosen_epoch']}, {meta.get('training_seconds')} s of training)."
        )
    else:
        training = f"Trained elsewhere: {meta.get('trained_on')}."
    return f"""- `{CONV_MODEL}` — a convolutional network (Nielsen's chapter 6) in the superset of network2's JSON
  (`layers`: `{meta.get("layers", "?")}` on 1×28×28 inputs; {meta.get("parameters", 0):,} weights and biases,
  rounded to {meta.get("model_digits")} significant digits). {training}
  The page fetches it only when "Network shown" chooses it.
- `{CONV_META}` — its settings, validation accuracies and the rounded network's accuracy:
  **{meta["test_accuracy"]:.2%}** on the full 10,000-image MNIST test set.
"""
