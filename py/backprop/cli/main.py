"""The command line: ``python -m backprop train | evaluate | bench``.

    python -m backprop train --sizes 784,100,10 --epochs 30 --batch-size 10 --eta 0.5 --lmbda 5.0 \\
        --cost cross-entropy --seed 1 --out model.json [--plot curves.png]
    python -m backprop evaluate model.json
    python -m backprop bench [--n 10000] [--dtype float64|float32|both]
    python -m backprop check my_backprop.py [--exercise softmax|relu|dropout|momentum|conv|pool]

``check`` runs the page's lab check (``backprop.lab``) on a file that defines the exercise's function —
``backprop(weights, biases, x, y, cost)`` by default: the per-layer table (per quantity for the conv and
pool layers' backward passes), exit 0 when everything passes, 1 when not (an exception or a wrong shape
in that code included).

A bad argument, a bad output path, a missing or malformed file, or missing MNIST is one line on
stderr naming the value, with exit code 2; a run that could not finish — MNIST could not be
downloaded, training diverged, memory ran out — is one line and exit code 1; Ctrl-C is 130. Output
paths are checked before any work, the model and its history follow one rule (neither is replaced
without --force), and only regular files are ever replaced. A traceback means a bug.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from ..activations import HIDDEN
from ..data import mnist
from ..explain import metrics
from ..lab.exercises import DEFAULT as DEFAULT_EXERCISE
from ..lab.exercises import EXERCISES
from ..nn import layers as layer_types
from ..nn import validate
from ..nn.costs import get_cost
from ..nn.model_io import load as load_model
from ..nn.network import WEIGHT_INITS
from ..nn.sgd import Diverged
from ..nn.validate import REGULARIZATIONS
from ..page import params as page_params
from .errors import Interrupted, UsageError
from .train import train


# -- argument types: each names the bad value ----------------------------------------------------------
def _layers(text):
    """--layers: a stack (``layers.parse_spec``), its first layer reading the 28×28 digit as an image when
    it is a convolution, its last giving the 10 outputs; each bad part named."""
    try:
        stack = layer_types.parse_spec(text)
        input_shape = (1, 28, 28) if isinstance(stack[0], layer_types.Conv2D) else (page_params.N_INPUTS,)
        shape = input_shape
        for l, layer in enumerate(stack):
            try:
                shape = layer.build(shape)
            except ValueError as e:
                raise ValueError(f"layer {l} ({layer.kind}): {e}") from None
        layer_types.check_stack(stack)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"bad --layers {validate.short(text, 80)}: {e}") from None
    if shape != (page_params.N_OUTPUTS,):
        raise argparse.ArgumentTypeError(
            f"bad --layers {validate.short(text, 80)}: the last layer must give MNIST's {page_params.N_OUTPUTS} "
            f"outputs (dense:10:...), it gives {shape}"
        )
    return text, input_shape


def _sizes(text):
    shown = validate.short(text, 60)
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"bad sizes {shown}: expected comma-separated positive layer sizes like 784,100,10"
        )
    if sizes[0] != page_params.N_INPUTS or sizes[-1] != page_params.N_OUTPUTS:
        raise argparse.ArgumentTypeError(
            f"bad sizes {shown}: MNIST needs {page_params.N_INPUTS} inputs and "
            f"{page_params.N_OUTPUTS} outputs, e.g. 784,100,10"
        )
    try:  # the memory estimate, before anything is allocated
        return validate.sizes(sizes)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _number(kind, test, what):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or (kind is float and not np.isfinite(value)) or not test(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


positive_int = _number(int, lambda v: v > 0, "a positive integer")
non_negative_int = _number(int, lambda v: v >= 0, "a non-negative integer")
positive_float = _number(float, lambda v: v > 0, "a positive number")
non_negative_float = _number(float, lambda v: v >= 0, "a non-negative number")


def _cost(text):
    if text not in page_params.COSTS:  # the names the page uses too (limits.json), nothing else
        raise argparse.ArgumentTypeError(
            f"unknown cost {validate.short(text, 40)}: expected {' or '.join(page_params.COSTS)}"
        )
    return get_cost(text)


def _fraction(name):
    return _number(float, lambda v: 0 <= v < 1, f"a {name} rate in [0, 1)")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump: the message names the bad value
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser():
    parser = _Parser(prog="python -m backprop", description="Train and evaluate a numpy network on MNIST.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a network on MNIST and save it as JSON")
    t.add_argument("--sizes", type=_sizes, default=[784, 30, 10], help="layer sizes (default 784,30,10)")
    t.add_argument(
        "--layers",
        type=_layers,
        default=None,
        help="a stack instead of --sizes/--activation/--output, e.g. chapter 6's "
        "conv:20:5:relu,pool:2,dense:100:relu,dense:10:softmax (a conv first reads the digit as 1×28×28)",
    )
    t.add_argument("--epochs", type=non_negative_int, default=30)
    t.add_argument("--batch-size", type=positive_int, default=10)
    t.add_argument("--eta", type=positive_float, default=0.5, help="learning rate η")
    t.add_argument(
        "--lmbda", type=non_negative_float, default=5.0, help="regularisation λ (L2 unless --regularization)"
    )
    t.add_argument("--regularization", choices=REGULARIZATIONS, default="l2", help="l2 (network2's), l1 or none")
    t.add_argument("--activation", choices=HIDDEN, default="sigmoid", help="the hidden layers' (default sigmoid)")
    t.add_argument(
        "--output",
        choices=("sigmoid", "softmax"),
        default=None,
        help="default: softmax for log-likelihood, else sigmoid",
    )
    t.add_argument("--dropout", type=_fraction("dropout"), default=0.0, help="rate p of hidden units dropped (0..1)")
    t.add_argument("--momentum", type=_fraction("momentum"), default=0.0, help="μ of v ← μv − η∇C (0: plain SGD)")
    t.add_argument(
        "--expand",
        action="store_true",
        help="network3's expanded data: each training digit and 4 copies moved 1 pixel (5x the digits and memory)",
    )
    t.add_argument(
        "--keep-best",
        action="store_true",
        help="save the network of the epoch with the best eval accuracy (choose on validation), not the last",
    )
    t.add_argument(
        "--cost",
        type=_cost,
        default=page_params.DEFAULTS["cost"],
        help=f"{' or '.join(page_params.COSTS)} (default {page_params.DEFAULTS['cost']})",
    )
    t.add_argument("--seed", type=non_negative_int, default=None, help="default: a random seed, recorded")
    t.add_argument("--weight-init", choices=tuple(WEIGHT_INITS), default=page_params.DEFAULTS["weight_init"])
    t.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    t.add_argument("--train-size", type=positive_int, default=None, help="use the first N training images")
    t.add_argument(
        "--eval",
        choices=("validation", "test"),
        default="validation",
        help="data for the eval monitors (default validation; test accuracy is always recorded)",
    )
    t.add_argument(
        "--mnist-dir",
        default=None,
        help="folder with the MNIST IDX files (default MNIST_DIR, else download into a cache)",
    )
    t.add_argument("--out", default="model.json", help="model file (network2 JSON); history goes beside it")
    t.add_argument("--force", action="store_true", help="overwrite an existing model, history or plot")
    t.add_argument("--plot", default=None, metavar="PNG", help="draw the four curves to this PNG (matplotlib)")

    e = sub.add_parser("evaluate", help="test accuracy and confusion matrix of a saved model")
    e.add_argument("model")
    e.add_argument("--mnist-dir", default=None)
    e.add_argument("--set", choices=("test", "validation"), default="test")

    c = sub.add_parser("check", help="check your own backprop (or another of the lab's exercises)")
    c.add_argument("file", help="a Python file that defines the exercise's function (the page's lab can download one)")
    c.add_argument(
        "--exercise",
        choices=tuple(EXERCISES),
        default=DEFAULT_EXERCISE,
        help="; ".join(f"{e.key}: {e.signature}" for e in EXERCISES.values()),
    )
    c.add_argument(
        "--speed",
        action="store_true",
        help="when it passes, also time SGD steps with it and with "
        "the library's backprop (784-30-10, batch 10, seeded random digits)",
    )

    b = sub.add_parser("bench", help="examples/s: vectorised trainer vs a per-example loop")
    b.add_argument("--n", type=positive_int, default=10000, help="training images (default 10000)")
    b.add_argument("--dtype", choices=("float64", "float32", "both"), default="both")
    b.add_argument("--repeats", type=positive_int, default=5, help="median of this many runs")
    b.add_argument("--mnist-dir", default=None)
    b.add_argument(
        "--subset",
        default=None,
        metavar="NPZ",
        help="without MNIST_DIR or --mnist-dir: the first "
        "--n digits of this subset file (the page's web/data/mnist-subset.npz, say)",
    )
    return parser


# -- evaluate --------------------------------------------------------------------------------------------
def format_confusion(counts):
    n = len(counts)
    width = max(5, len(str(counts.max())) + 1)
    lines = ["true\\pred" + "".join(f"{j:>{width}}" for j in range(n)) + f"{'total':>{width + 2}}"]
    for i in range(n):
        lines.append(f"{i:>9}" + "".join(f"{c:>{width}}" for c in counts[i]) + f"{counts[i].sum():>{width + 2}}")
    return "\n".join(lines)


def evaluate(args, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr  # looked up per call: tests swap them
    if not Path(args.model).is_file():
        raise UsageError(f"model file {args.model!r} not found")
    net = load_model(args.model)
    if net.sizes[0] != 784 or net.sizes[-1] != 10:
        raise UsageError(f"model {args.model} has sizes {net.sizes}: MNIST needs 784 inputs and 10 outputs")
    _, (xv, yv), (xt, yt) = mnist.load_data(args.mnist_dir)
    x, y = (xt, yt) if args.set == "test" else (xv, yv)
    predictions = net.predict(x)
    counts = metrics.confusion_matrix(predictions, y)  # rows: true digit, columns: predicted
    correct = int(np.trace(counts))
    print(f"model {args.model}: {'-'.join(map(str, net.sizes))}, {net.cost.__name__}", file=out)
    print(f"{args.set} accuracy: {correct / len(y):.2%} ({correct}/{len(y)})", file=out)
    print(f"confusion matrix ({args.set} set; rows: true digit, columns: predicted digit):", file=out)
    print(format_confusion(counts), file=out)
    return 0


# -- check ---------------------------------------------------------------------------------------------
def check(args, out=None):
    """The lab's check of the backprop in ``args.file``; 0 when every layer passes, else 1."""
    from ..lab import check as lab  # runs the file's code: only this command imports it

    out = out or sys.stdout
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{args.file}: no such file")
    source = path.read_text(encoding="utf-8")
    report = lab.check_source(source, filename=str(path), exercise=args.exercise)
    if report["error"] and report["error"]["line"]:
        lines = source.splitlines()
        line = report["error"]["line"]
        if 0 < line <= len(lines):
            print(f"{path}, line {line}:\n    {lines[line - 1].strip()}", file=out)
    print(lab.format_report(report), file=out)
    if report["ok"] and getattr(args, "speed", False) and args.exercise == DEFAULT_EXERCISE:
        rng = np.random.default_rng(0)
        x, y = rng.random((2000, 784)), np.eye(10)[rng.integers(0, 10, 2000)]
        fn = lab.load_backprop(source, str(path))
        speed = lab.compare_speed(fn, [784, 30, 10], x, y, 10, seconds=1.0)
        print(
            f"SGD steps, 784-30-10, batch 10: yours {speed['yours']:,.0f} examples/s, the library's "
            f"{speed['library']:,.0f} examples/s ({speed['library'] / speed['yours']:.2f}× yours)",
            file=out,
        )
    return 0 if report["ok"] else 1


# -- entry point ------------------------------------------------------------------------------------------
def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"{parser.prog} {args.command}"
    try:
        if args.command == "train":
            # numpy's overflow warnings would only precede the Diverged error the core raises itself
            with np.errstate(over="ignore", invalid="ignore"):
                return train(args)
        if args.command == "evaluate":
            return evaluate(args)
        if args.command == "check":
            return check(args)
        from .bench import run_bench

        run_bench(
            n=args.n,
            dtypes=("float64", "float32") if args.dtype == "both" else (args.dtype,),
            repeats=args.repeats,
            directory=args.mnist_dir,
            subset=args.subset,
        )
        return 0
    except (mnist.DownloadError, Diverged) as e:  # the run could not finish; nothing was saved
        print(f"{prog}: error: {e}{'; nothing was saved' if isinstance(e, Diverged) else ''}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"{prog}: error: out of memory; try smaller --sizes or --batch-size", file=sys.stderr)
        return 1
    except (UsageError, ValueError, ImportError, OSError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(f"\n{prog}: {e}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"\n{prog}: {Interrupted(getattr(args, 'saved', []))}", file=sys.stderr)
        return 130
