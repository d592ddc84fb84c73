"""Nielsen's chapter 1 and 3 runs as presets: the book's settings, the number it reports and what it
measured that number on, and the same run scaled to a smaller training set.

Scaling keeps λ/n constant, as the book's ``more_data`` runs did (λ = 5.0 on 50,000 digits is
λ/n = 10⁻⁴, so λ = 1.0 on 10,000): L2's shrink factor per mini-batch is (1 − ηλ/n), so with λ/n fixed
each step decays the weights as much as in the book's run. Everything else (η, mini-batch, epochs,
initialisation) is the book's. Each epoch on a subset is fewer steps, so "ours" on a subset is expected
below the book; on the full 50,000 digits the run is the book's own.

The book's figures are quoted from "Neural Networks and Deep Learning" (Michael Nielsen, 2015),
chapters 1 and 3 here, 5 and 6 in ``presets_deep``. Where the text does not say whether a figure is
the last epoch's or the best one, a preset's note says so, and ``ours`` reports our best epoch for it.

What it leaves out: running the presets (``browser.Session`` in the page, ``preset_runs`` on the
command line), and anything the book does not print (its seeds: the book's runs are not reproducible to
the digit, so "ours" differs by a few tenths of a percent from run to run even on the full data).
"""

from .presets_deep import deep_runs

BOOK_N_TRAIN = 50_000  # network2's training_data: the first 50,000 of MNIST's 60,000 training digits
BOOK_N_EVAL = 10_000  # test_data (t10k) or validation_data (the last 10,000 training digits)
SEED = 1  # the presets' seed: the same run every time, in the page and in CPython

# What the book measured on: its 10,000 test digits, its 10,000 validation digits, or (chapter 5's
# speeds) its training digits.
MEASURED_ON = {"test": "test digits", "validation": "validation digits", "training": "training digits"}

# The settings a preset fixes (the form's fields, limits.json), apart from train_size and seed.
SETTINGS = (
    "convolutions",
    "hidden",
    "cost",
    "eta",
    "lmbda",
    "batch_size",
    "epochs",
    "weight_init",
    "activation",
    "output",
    "regularization",
    "dropout",
    "momentum",
    "expand",
)
LAYER_DEFAULTS = {
    "activation": "sigmoid",
    "regularization": "l2",
    "dropout": 0.0,
    "momentum": 0.0,
    "convolutions": "",
    "expand": "none",
}


def _preset(
    key,
    title,
    chapter,
    hidden,
    cost,
    eta,
    lmbda,
    weight_init,
    book,
    note,
    epochs=30,
    batch_size=10,
    pair=None,
    n_train=None,
    subset_epochs=None,
    **layers,
):
    """A run of the book. ``n_train``: the book's run used that many training digits itself (chapter
    5's 1,000), so the preset uses them too, λ unscaled; ``subset_epochs``: fewer epochs on fewer
    digits than the book's (chapter 6's conv runs: 60 epochs of a conv network are hours in a page);
    ``layers``: activation, regularization, dropout, momentum, convolutions, expand when not network2's."""
    return {
        "key": key,
        "title": title,
        "chapter": chapter,
        "book_params": {
            "hidden": hidden,
            "cost": cost,
            "eta": eta,
            "lmbda": lmbda,
            "batch_size": batch_size,
            "epochs": epochs,
            "weight_init": weight_init,
            **LAYER_DEFAULTS,
            "output": "softmax" if cost == "log-likelihood" else "sigmoid",
            **layers,
        },
        "book": book,
        "note": note,
        "pair": pair,
        "n_train": n_train,
        "subset_epochs": subset_epochs,
    }


def _book(accuracy, text, measured_on="test", epoch="best", speeds=None, n_train=BOOK_N_TRAIN):
    """The book's figure: ``accuracy`` a fraction (None when the book gives speeds instead); ``epoch``
    "best" (its peak over the run), "final" or an epoch number (1-based); ``text`` as the book words it;
    ``speeds``: chapter 5's ‖δ^l‖ of each hidden layer at initialisation."""
    return {
        "accuracy": accuracy,
        "text": text,
        "measured_on": measured_on,
        "epoch": epoch,
        "n_train": n_train,
        "n_eval": BOOK_N_EVAL,
        "speeds": speeds,
    }


# Chapter 1's network.py initialises weights and biases N(0, 1): our "large". Chapter 3's runs call
# net.large_weight_initializer() until the section on initialisation, so they use "large" too.
PRESETS = (
    _preset(
        "ch1-quadratic",
        "Ch. 1: 784-30-10, quadratic cost, η = 3.0",
        1,
        [30],
        "quadratic",
        3.0,
        0.0,
        "large",
        _book(0.9542, "95.42 %", epoch="best"),
        "network.py's first run: SGD(training_data, 30, 10, 3.0, test_data=test_data). The book quotes "
        '95.42 % "at its peak (Epoch 28)".',
    ),
    _preset(
        "ch1-quadratic-100",
        "Ch. 1: 784-100-10, quadratic cost, η = 3.0",
        1,
        [100],
        "quadratic",
        3.0,
        0.0,
        "large",
        _book(0.9659, "96.59 %", epoch="best"),
        "The same run with 100 hidden neurons. The book does not say whether 96.59 % is the last epoch "
        "or the best; ours is our best epoch. With N(0, 1) weights, the quadratic cost and η = 3.0, many "
        "of the 100 neurons start saturated and a run may stay stuck for long: in CPython on the full "
        "data, seed 1 ends at 76 % after 30 epochs, seed 2 reaches 95 % after 5. The book's figure is "
        "one lucky-or-typical run; try other seeds.",
    ),
    _preset(
        "ch3-cross-entropy",
        "Ch. 3: 784-30-10, cross-entropy, η = 0.5",
        3,
        [30],
        "cross-entropy",
        0.5,
        0.0,
        "large",
        _book(0.9549, "95.49 %", epoch="best"),
        "network2 with the cross-entropy cost and the large initialisation, against chapter 1's 95.42 %. "
        "The book does not say whether 95.49 % is the last epoch or the best; ours is our best epoch.",
    ),
    _preset(
        "ch3-cross-entropy-100",
        "Ch. 3: 784-100-10, cross-entropy, η = 0.5",
        3,
        [100],
        "cross-entropy",
        0.5,
        0.0,
        "large",
        _book(0.9682, "96.82 %", epoch="best"),
        "100 hidden neurons with the cross-entropy cost. Best or last epoch: the book does not say; ours "
        "is our best epoch.",
    ),
    _preset(
        "ch3-l2",
        "Ch. 3: 784-30-10, cross-entropy, η = 0.5, λ = 5.0",
        3,
        [30],
        "cross-entropy",
        0.5,
        5.0,
        "large",
        _book(0.9649, "96.49 %", epoch="best"),
        "L2 regularisation on the full training set: up from 95.49 % unregularised. Best or last epoch: "
        "the book does not say; ours is our best epoch.",
    ),
    _preset(
        "ch3-init-large",
        "Ch. 3: old (large) initialisation, η = 0.1, λ = 5.0",
        3,
        [30],
        "cross-entropy",
        0.1,
        5.0,
        "large",
        _book(0.87, "just under 87 % after the first epoch", "validation", epoch=1),
        "Weights N(0, 1): many hidden neurons start saturated, so the first epoch learns slowly. The book "
        'gives the first epoch\'s figure in words ("just under 87 percent"), read off its plot; both '
        'initialisations end "somewhat over 96 percent". Train it paired with the default '
        "initialisation to see the two curves.",
        pair={"vary": "weight_init", "value": "default"},
    ),
    _preset(
        "ch3-init-default",
        "Ch. 3: default initialisation N(0, 1/n_in), η = 0.1, λ = 5.0",
        3,
        [30],
        "cross-entropy",
        0.1,
        5.0,
        "default",
        _book(0.93, "almost 93 % after the first epoch", "validation", epoch=1),
        "Weights N(0, 1/n_in) keep z small, so learning starts faster; the book's point is the first "
        'epochs ("almost 93 percent" after one, against just under 87 %), not the end, where both '
        "initialisations are alike.",
        pair={"vary": "weight_init", "value": "large"},
    ),
    _preset(
        "ch3-100-l2",
        "Ch. 3: 784-100-10, cross-entropy, η = 0.5, λ = 5.0",
        3,
        [100],
        "cross-entropy",
        0.5,
        5.0,
        "large",
        _book(0.9792, "97.92 %", "validation", epoch="final"),
        '"The final result is a classification accuracy of 97.92 percent on the validation data" '
        "(30 epochs). The page measures on test digits, not validation digits.",
    ),
)
PRESETS += deep_runs(_preset, _book)
BY_KEY = {p["key"]: p for p in PRESETS}


def scale_lmbda(lmbda, n_train, n_book=BOOK_N_TRAIN):
    """λ for ``n_train`` training digits with λ/n as in the book: λ·n_train/n_book (more_data's rule)."""
    if isinstance(n_train, bool) or not isinstance(n_train, int) or n_train < 1:
        raise ValueError(f"n_train must be a positive whole number, got {n_train!r}")
    return lmbda * n_train / n_book


def params_for(key, n_train):
    """The form's parameters of preset ``key`` on ``n_train`` training digits: the book's settings with
    λ scaled (``scale_lmbda``), train_size n_train and the presets' seed."""
    if key not in BY_KEY:
        raise ValueError(f"no preset {key!r}; expected one of {', '.join(BY_KEY)}")
    preset = BY_KEY[key]
    book = preset["book_params"]
    fixed = preset["n_train"]
    if fixed is not None:  # the book's own run on its own number of digits: nothing to scale
        n_train = min(fixed, n_train)
    fewer = preset["subset_epochs"] if n_train < BOOK_N_TRAIN and preset["subset_epochs"] else None
    return {
        **book,
        "epochs": fewer or book["epochs"],
        "hidden": list(book["hidden"]),
        "lmbda": book["lmbda"] if fixed is not None else scale_lmbda(book["lmbda"], n_train),
        "train_size": n_train,
        "batch_size": min(book["batch_size"], n_train),
        "seed": SEED,
    }


def ours(preset, eval_accuracy):
    """This run's figure to set beside the book's: (accuracy, epoch (1-based)) picked from the per-epoch
    evaluation accuracies as the book picked its own ("best", "final" or an epoch number); None when
    the run did not get that far."""
    acc = list(eval_accuracy or [])
    rule = preset["book"]["epoch"]
    if preset["book"].get("accuracy", 0) is None:  # a run the book gives speeds for, not an accuracy
        return None
    if rule == "best":
        if not acc:
            return None
        i = max(range(len(acc)), key=lambda k: acc[k])  # the first epoch of the best, as the book's peak
        return acc[i], i + 1
    if rule == "final":  # the last epoch of a run as long as the book's
        n = preset["book_params"]["epochs"]
        return (acc[n - 1], n) if len(acc) >= n else None
    return (acc[rule - 1], rule) if len(acc) >= rule else None


def catalogue(n_train, n_eval):
    """Every preset with its parameters for ``n_train`` training digits and what "ours" is measured on:
    the page's list (``Session.info``)."""
    out = []
    for p in PRESETS:
        out.append(
            {
                **p,
                "params": params_for(p["key"], n_train),
                "ours": {"n_train": n_train, "n_eval": n_eval, "measured_on": "test digits"},
            }
        )
    return out
