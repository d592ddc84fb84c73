"""``python -m backprop train``: a network trained on MNIST, its model and history saved, its curves
plotted. Output paths are checked before any work, the model and its history follow one rule (neither is
replaced without --force), and Ctrl-C waits for the files in progress and says what was saved."""

import json
import secrets
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..data import expand, mnist
from ..fileio import check_output, write_atomically
from ..nn import layers as layer_types
from ..nn.network import Network
from ..nn.sgd import History
from .errors import Interrupted, UsageError
from .progress import ProgressBar


def history_path(out):
    out = Path(out)
    return out.with_suffix(".history.json") if out.suffix == ".json" else out.with_name(out.name + ".history.json")


def _write_json(path, data):
    write_atomically(path, json.dumps(data, indent=1) + "\n")


@contextmanager
def _deferred_interrupt(saved):
    """Ctrl-C waits until the files in progress are written (a few milliseconds), then raises
    Interrupted naming them: a message never says "nothing was saved" after a file was replaced."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda *_: pressed.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise Interrupted(saved)


def train(args, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr  # looked up per call: tests swap them
    out_path = Path(args.out)
    outputs = [(out_path, "--out"), (history_path(out_path), "history")]
    if args.plot:
        outputs.append((Path(args.plot), "--plot"))
    if len({p.resolve() for p, _ in outputs}) < len(outputs):
        raise UsageError(f"--out {args.out}, its history and --plot must be different files")
    try:  # every output, before any work: nothing trained is then lost for want of a place to save it
        for path, what in outputs:
            check_output(path, force=args.force, what=what)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.plot:
        from .plot import require_matplotlib

        require_matplotlib()  # before training, not after it
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    dtype = np.dtype(args.dtype)
    (x, y), (xv, yv), (xt, yt) = mnist.load_data(args.mnist_dir, dtype=dtype)
    if args.train_size is not None:
        if args.train_size > len(x):
            raise UsageError(f"--train-size {args.train_size} is more than the {len(x)} training images")
        x, y = x[: args.train_size], y[: args.train_size]
    if getattr(args, "expand", False):  # after --train-size: it counts the digits before their moves
        x, y = expand.shifts(x, y)
    x_eval, y_eval = (xt, yt) if args.eval == "test" else (xv, yv)
    try:
        if args.layers:
            spec, input_shape = args.layers
            stack = layer_types.parse_spec(spec)
            net = Network.stack(stack, input_shape, args.cost, seed=seed, weight_init=args.weight_init, dtype=dtype)
            args.sizes, args.activation = net.sizes, "/".join(dict.fromkeys(ly.kind for ly in stack))
        else:
            net = Network(
                args.sizes,
                cost=args.cost,
                seed=seed,
                weight_init=args.weight_init,
                dtype=dtype,
                activation=args.activation,
                output=args.output,
            )
    except ValueError as e:  # a cost the output layer cannot take, say
        raise UsageError(str(e)) from None
    rule = dict(regularization=args.regularization, dropout=args.dropout, momentum=args.momentum)
    settings = dict(
        sizes=args.sizes,
        epochs=args.epochs,
        batch_size=args.batch_size,
        eta=args.eta,
        lmbda=args.lmbda,
        cost=args.cost.__name__,
        seed=seed,
        weight_init=args.weight_init,
        dtype=args.dtype,
        train_size=len(x),
        expand=bool(getattr(args, "expand", False)),
        eval=args.eval,
        activation=args.activation,
        output=net.output.name,
        **rule,
        keep_best=args.keep_best,
        layers=net.layer_specs(),
        input_shape=list(net.input_shape),
    )
    layers = "" if net.is_network2 else f"{args.activation}/{net.output.name}, "
    extras = "".join(
        f", {k} {v}" for k, v in rule.items() if v not in (0.0, "l2")
    )  # the rule's settings that are not network2's
    print(
        f"training {'-'.join(map(str, args.sizes))} ({layers}{settings['cost']}, eta={args.eta}, lmbda={args.lmbda}"
        f"{extras}, batch {args.batch_size}, seed {seed}, {args.dtype}) on {len(x):,} images; "
        f"eval on {len(x_eval):,} {args.eval} images",
        file=out,
        flush=True,
    )

    h = History()
    test_accuracy, epoch_seconds, train_seconds, examples_per_second = [], [], [], []
    bar = ProgressBar(args.epochs, len(x), stream=err)
    bar.start_epoch()
    # monitors off in the core: the CLI computes them after each epoch, so the time of the epoch's
    # training and of its monitors are measured apart
    for p in net.train_steps(
        x,
        y,
        args.epochs,
        args.batch_size,
        args.eta,
        args.lmbda,
        None,
        monitor_train_cost=False,
        monitor_train_accuracy=False,
        monitor_eval_cost=False,
        monitor_eval_accuracy=False,
        **rule,
    ):
        if not p.epoch_done:
            bar.update(p.epoch, p.examples)
            continue
        t_train = time.perf_counter() - bar.start
        examples_per_second.append(bar.finish_epoch(p.epoch, p.examples))
        for (cost, acc), costs, accs in (
            (net.cost_and_accuracy(x, y, args.lmbda, args.regularization), h.train_cost, h.train_accuracy),
            (net.cost_and_accuracy(x_eval, y_eval, args.lmbda, args.regularization), h.eval_cost, h.eval_accuracy),
        ):
            costs.append(cost)
            accs.append(acc)
        test_accuracy.append(h.eval_accuracy[-1] if args.eval == "test" else net.accuracy(xt, yt) / len(xt))
        if args.keep_best and h.eval_accuracy[-1] > max(h.eval_accuracy[:-1], default=-1.0):
            best_net = net.copy()  # the first epoch of the best eval accuracy, as the record's best_epoch
        h.epochs = p.epoch + 1
        train_seconds.append(t_train)
        epoch_seconds.append(time.perf_counter() - bar.start)
        print(
            f"epoch {p.epoch + 1}/{args.epochs}: train cost {h.train_cost[-1]:.4f}, "
            f"train accuracy {h.train_accuracy[-1]:.2%}, {args.eval} cost {h.eval_cost[-1]:.4f}, "
            f"{args.eval} accuracy {h.eval_accuracy[-1]:.2%} ({t_train:.1f} s training, "
            f"{epoch_seconds[-1] - t_train:.1f} s monitors)",
            file=out,
            flush=True,
        )
        bar.start_epoch()

    if args.keep_best and h.eval_accuracy:
        net = best_net
    final_test = net.accuracy(xt, yt)
    record = dict(
        settings,
        **h.to_dict(),
        eval_set=args.eval,
        test_accuracy=test_accuracy,
        final_test_accuracy=final_test / len(xt),
        epoch_seconds=epoch_seconds,
        train_seconds=train_seconds,
        train_examples_per_second=examples_per_second,
        model=str(out_path),
    )
    if h.eval_accuracy:
        best = int(np.argmax(h.eval_accuracy))
        record.update(
            best_epoch=best + 1,
            best_eval_accuracy=h.eval_accuracy[best],
            test_accuracy_at_best_epoch=test_accuracy[best],
        )
        print(
            f"best {args.eval} accuracy {h.eval_accuracy[best]:.2%} at epoch {best + 1} "
            f"(test {test_accuracy[best]:.2%} then)",
            file=out,
        )
    saved = args.saved = []
    with _deferred_interrupt(saved):
        net.save(out_path)
        saved.append(out_path)
        _write_json(history_path(out_path), record)
        saved.append(history_path(out_path))
    which = f" (the network of epoch {record['best_epoch']}, the best on {args.eval})" if args.keep_best else ""
    print(f"test accuracy{which}: {final_test / len(xt):.2%} ({final_test}/{len(xt)})", file=out)
    print(f"saved {out_path} and {history_path(out_path)}", file=out)
    if args.plot:
        from .plot import plot_history

        title = f"{'-'.join(map(str, args.sizes))}, {settings['cost']}, η={args.eta}, λ={args.lmbda}"
        plot_history(record, args.plot, title=title)
        print(f"plotted {args.plot}", file=out)
    return 0
