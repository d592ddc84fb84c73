"""The book's later runs as presets: chapter 5's deep networks (accuracy against depth, and the speed of
learning of each hidden layer), chapter 6's first softmax network and its convolutional networks (network3's
runs 2 to 4). ``presets`` adds them to its list; the figures are quoted from "Neural Networks and Deep
Learning" (Michael Nielsen, 2015), chapters 5 and 6.
"""

from .speed import BOOK_INITIAL, BOOK_N, BOOK_RUN

DEPTH_ACCURACY = {1: 0.9648, 2: 0.9690, 3: 0.9657, 4: 0.9653}  # chapter 5, validation digits


def deep_runs(preset, book):
    """The presets of chapters 5 and 6, built with ``presets``' own ``_preset`` and ``_book``."""
    out = []
    for depth, accuracy in DEPTH_ACCURACY.items():
        sizes = "-".join(["784", *["30"] * depth, "10"])
        out.append(
            preset(
                f"ch5-depth-{depth}",
                f"Ch. 5: {sizes}, η = 0.1, λ = 5.0 (accuracy against depth)",
                5,
                [30] * depth,
                "cross-entropy",
                0.1,
                5.0,
                "default",
                book(accuracy, f"{100 * accuracy:.2f} %", "validation", epoch="best"),
                "Chapter 5's networks of 1 to 4 hidden layers of 30 (network2, 30 epochs, mini-batch 10): "
                "96.48, 96.90, 96.57, 96.53 % — more layers do not help, because the early layers learn so "
                "much more slowly (the speed view shows why). Best or last epoch: the book does not say; ours "
                "is our best epoch.",
            )
        )
    for sizes, speeds in BOOK_INITIAL.items():
        hidden = list(sizes[1:-1])
        name = "-".join(map(str, sizes))
        out.append(
            preset(
                f"ch5-speed-{len(hidden)}",
                f"Ch. 5: the speed of each layer, {name}, 1,000 digits full-batch",
                5,
                hidden,
                "cross-entropy",
                BOOK_RUN["eta"],
                BOOK_RUN["lmbda"],
                "default",
                book(
                    None,
                    "‖δ^l‖ at the start: " + ", ".join(map(str, speeds)),
                    "training",
                    epoch=0,
                    speeds=list(speeds),
                    n_train=BOOK_N,
                ),
                "The book trains the first 1,000 training digits full-batch (mini-batch 1,000), η = 0.1, "
                "λ = 5, 500 epochs, and plots each hidden layer's ‖∂C/∂b^l‖ on a log scale: the first layers "
                "start far slower than the last. Its figures come from one random start; the page shows this "
                "run's and the mean and spread over five seeds.",
                epochs=BOOK_RUN["epochs"],
                batch_size=BOOK_N,
                n_train=BOOK_N,
            )
        )
    out.append(
        preset(
            "ch5-speed-relu",
            "Ch. 5 with ReLU: 784-30-30-30-30-10, 1,000 digits full-batch",
            5,
            [30, 30, 30, 30],
            "cross-entropy",
            BOOK_RUN["eta"],
            BOOK_RUN["lmbda"],
            "he",
            book(None, "the book gives no figure for ReLU", "training", epoch=0, n_train=BOOK_N),
            "The deepest chapter 5 network with ReLU hidden layers (and He's N(0, 2/n_in) weights): f′ is 1 "
            "where a unit fires, so BP2 no longer shrinks δ by ¼ or more at each layer, and the early layers "
            "start nearly as fast as the late ones. Dead units (never firing) are counted beside.",
            epochs=BOOK_RUN["epochs"],
            batch_size=BOOK_N,
            n_train=BOOK_N,
            activation="relu",
            pair={"vary": "activation", "value": "sigmoid"},
        )
    )
    out.append(
        preset(
            "ch6-softmax",
            "Ch. 6: 784-100-10, softmax + log-likelihood, η = 0.1",
            6,
            [100],
            "log-likelihood",
            0.1,
            0.0,
            "default",
            book(0.978, "97.80 %", "test", epoch="best"),
            "Chapter 3 introduces softmax and the log-likelihood cost without a figure; chapter 6 trains this "
            "network first (network3: a sigmoid layer of 100 and a softmax layer, 60 epochs, mini-batch 10, "
            "no regularisation) to 97.80 % test accuracy at its best validation epoch. Ours is the best test "
            "epoch.",
            epochs=60,
        )
    )
    return tuple(out) + conv_runs(preset, book)


CONV_SUBSET_EPOCHS = 10  # on fewer digits than the book's: 60 epochs of a conv network are hours in a page
CONV_NOTE = (
    "network3, 60 epochs, mini-batch 10, trained on 50,000 digits; the book's figure is the test accuracy "
    "at its best validation epoch, ours the best test epoch. network3 starts its weights N(0, 1/n_out), ours "
    "N(0, 1/n_in) (the page's default). On the subset the run is 10 epochs, not 60."
)


def conv_runs(preset, book):
    """Chapter 6's convolutional networks (network3's runs 2 to 6) as presets."""
    one = "conv:20:5:{a},pool:2"
    two = "conv:20:5:{a},pool:2,conv:40:5:{a},pool:2"
    per_batch = (
        " network3's λ = 0.1 is per mini-batch (0.5·λ·Σw² over the number of mini-batches, added to the "
        "mean cost): with mini-batches of 10 it decays the weights as network2's λ = 1.0 does, which the "
        "preset uses (λ/n kept on the subset)."
    )
    expanded = (
        " The expanded data is network3's: every training digit and four copies moved one pixel up, down, "
        "left and right, five times the digits (250,000 from 50,000; 50,000 from the subset), so an epoch "
        "takes five times as long. With λ/n as in network2, λ = 1.0 on the expanded digits decays the "
        "weights per step as network3's 0.1 does."
    )
    runs = (
        ("ch6-conv", "conv 20×5×5, pool 2 → 100 σ", one, "sigmoid", 0.1, 0.0, 0.9878, "98.78 %", "", {}),
        ("ch6-conv-2", "two conv-pool layers (20, 40) → 100 σ", two, "sigmoid", 0.1, 0.0, 0.9906, "99.06 %", "", {}),
        (
            "ch6-conv-relu",
            "two conv-pool layers, ReLU, η = 0.03, λ = 0.1",
            two,
            "relu",
            0.03,
            1.0,
            0.9923,
            "99.23 %",
            per_batch,
            {},
        ),
        (
            "ch6-expanded",
            "the ReLU network on the expanded data (×5 shifts)",
            two,
            "relu",
            0.03,
            1.0,
            0.9937,
            "99.37 %",
            expanded,
            {"expand": "shifts"},
        ),
        (
            "ch6-dropout",
            "expanded data, FC 1000 → FC 1000 with dropout ½",
            two,
            "relu",
            0.03,
            0.0,
            0.9960,
            "99.60 %",
            expanded + " Dropout ½ on both hidden layers of 1,000 (network3 also drops the first one's inputs); "
            "40 epochs, no L2.",
            {"expand": "shifts", "dropout": 0.5, "hidden": [1000, 1000], "epochs": 40},
        ),
    )
    out = []
    for key, title, spec, activation, eta, lmbda, accuracy, text, extra, more in runs:
        hidden = more.get("hidden", [100])
        layers = {k: v for k, v in more.items() if k not in ("hidden", "epochs")}
        out.append(
            preset(
                key,
                f"Ch. 6: {title} → softmax 10, η = {eta}",
                6,
                hidden,
                "log-likelihood",
                eta,
                lmbda,
                "default",
                book(accuracy, text, "test", epoch="best"),
                CONV_NOTE.replace("60 epochs", f"{more.get('epochs', 60)} epochs") + extra,
                epochs=more.get("epochs", 60),
                subset_epochs=CONV_SUBSET_EPOCHS,
                convolutions=spec.format(a=activation),
                activation=activation,
                **layers,
            )
        )
    return tuple(out)
