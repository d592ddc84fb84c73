"""Run Nielsen's presets in CPython and print the book's figure beside ours: a script, not a test.

    python -m backprop.cli.book_runs [--n-train 10000] [--n-test 2000] [--only KEY ...] [--epochs N]

Trains each preset (``backprop.presets``) as the page does — the first ``--n-train`` digits of the
50,000-digit training split with λ scaled to keep λ/n (five times the digits for network3's expanded
data, ``ch6-expanded`` and ``ch6-dropout``), the presets' seed, measured on the first ``--n-test`` MNIST
test digits — and prints one row per preset. ``--n-train 50000 --n-test 10000`` is
the book's own data. MNIST comes from MNIST_DIR (or --mnist-dir, or the download cache). Command line
only: the page's archive leaves it out.
"""

import argparse
import sys
import time

import numpy as np

from ..data import expand, mnist
from ..explain import presets, speed
from ..page.params import network_of, step_rule


def run_preset(key, x_train_u8, y_train, x_test, y_test, epochs=None):
    """Train preset ``key`` on all of x_train_u8 (uint8, divided a mini-batch at a time); returns
    (ours (accuracy, epoch) or None, the per-epoch test accuracies, seconds)."""
    p = presets.params_for(key, len(x_train_u8))
    net = network_of({**p, "dtype": "float64"})  # as the page builds it
    if p["expand"] == "shifts":  # network3's expanded data, as the page's training makes it
        x_train_u8, y_train = expand.shifts(x_train_u8, y_train)
    t0 = time.perf_counter()
    history = _train(net, x_train_u8, y_train, x_test, y_test, p, epochs or p["epochs"])
    seconds = time.perf_counter() - t0
    return presets.ours(presets.BY_KEY[key], history.eval_accuracy), list(history.eval_accuracy), seconds


def _train(net, x_u8, y, x_test, y_test, p, epochs):
    """The page's loop (train_steps, x_divisor) with only the test accuracy monitored."""
    steps = net.train_steps(
        x_u8,
        y,
        epochs,
        p["batch_size"],
        p["eta"],
        p["lmbda"],
        eval_data=(x_test, y_test),
        monitor_train_cost=False,
        monitor_train_accuracy=False,
        monitor_eval_cost=False,
        x_divisor=255.0,
        **step_rule(p),
    )
    progress, t0 = None, time.perf_counter()
    for progress in steps:  # the last step's progress holds the history
        if progress.epoch_done:  # each epoch's figure as it comes: a long run is read while it goes
            acc = progress.history.eval_accuracy[-1]
            seconds = time.perf_counter() - t0
            print(
                f"  epoch {progress.epoch + 1}/{epochs}: test {100 * acc:.2f}% "
                f"({seconds / (progress.epoch + 1):.1f} s an epoch)",
                file=sys.stderr,
                flush=True,
            )
    return progress.history


def print_initial_speeds(x_u8, y, seeds=range(1, 11)):
    """Chapter 5's speeds of learning at initialisation, ‖∂C/∂b^l‖ over the book's first 1,000 training
    digits, as mean ± spread over ``seeds`` beside the book's one start; then the deepest network with
    ReLU and He's initialisation (no figure in the book)."""
    x, y = x_u8[: speed.BOOK_N] / 255.0, y[: speed.BOOK_N]
    print(
        f"speed of learning at initialisation, first {len(x):,} training digits, seeds {seeds.start}–{seeds.stop - 1}"
    )
    runs = [(sizes, book, {}) for sizes, book in speed.BOOK_INITIAL.items()]
    runs.append(((784, 30, 30, 30, 30, 10), None, {"activation": "relu", "weight_init": "he"}))
    for sizes, book, options in runs:
        got = speed.initial_spread(list(sizes), x, y, seeds, **options)
        ours = ", ".join(f"{m:.4f} ± {s:.4f}" for m, s in zip(got["mean"], got["std"]))
        name = "-".join(map(str, sizes)) + (" ReLU + He" if options else "")
        print(f"  {name:28} ours {ours}   book {', '.join(map(str, book)) if book else '—'}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m backprop.cli.book_runs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-train", type=int, default=10000, help="training digits (default: the page's subset)")
    parser.add_argument("--n-test", type=int, default=2000, help="test digits (default: the page's subset)")
    parser.add_argument("--only", nargs="*", choices=list(presets.BY_KEY), help="these presets only")
    parser.add_argument("--epochs", type=int, help="fewer epochs than the book's, for a quick look")
    parser.add_argument("--mnist-dir", help="folder with the four MNIST .gz files (default: MNIST_DIR)")
    parser.add_argument("--speeds", action="store_true", help="chapter 5's initial speeds over ten seeds, then stop")
    args = parser.parse_args(argv)
    (x_tr, y_tr), _, (x_te, y_te) = mnist.load_data(args.mnist_dir, dtype=np.uint8)
    if args.speeds:
        print_initial_speeds(x_tr, y_tr)
        return
    x_tr, y_tr = x_tr[: args.n_train], y_tr[: args.n_train]
    x_te, y_te = x_te[: args.n_test] / 255.0, y_te[: args.n_test]
    print(
        f"ours: {len(x_tr):,} training (×5 for the expanded-data runs) / {len(x_te):,} test digits, "
        f"seed {presets.SEED}; "
        f"book: {presets.BOOK_N_TRAIN:,} training / {presets.BOOK_N_EVAL:,} test or validation digits"
    )
    print(
        f"{'preset':24} {'λ ours':>7} {'book':>8} {'on':>10} {'epoch':>6}  {'ours':>7} {'epoch':>6} "
        f"{'final':>7} {'seconds':>8}"
    )
    for key in args.only or presets.BY_KEY:
        preset = presets.BY_KEY[key]
        got, accs, seconds = run_preset(key, x_tr, y_tr, x_te, y_te, args.epochs)
        book = preset["book"]
        lmbda = presets.params_for(key, len(x_tr))["lmbda"]
        mine = f"{100 * got[0]:6.2f}% {got[1]:>6}" if got else f"{'—':>7} {'—':>6}"
        # chapter 5's speed presets have no accuracy in the book: `python -m backprop.explain.speed` has theirs
        theirs = f"{100 * book['accuracy']:7.2f}%" if book["accuracy"] is not None else f"{'—':>8}"
        print(
            f"{key:24} {lmbda:7.3g} {theirs} {book['measured_on']:>10} "
            f"{str(book['epoch']):>6}  {mine} {100 * accs[-1]:6.2f}% {seconds:8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
