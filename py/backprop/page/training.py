"""Training in the page: a run (Train), one mini-batch at a time (Step), and Stop.

A run is an ``async`` loop over ``Network.train_steps`` (one step per mini-batch). Every ~50 ms of
work it awaits ``pause()`` — in the browser a JavaScript function returning a promise that resolves on
the next event-loop task — so that the worker can receive a ``stop`` message; ``stop()`` sets a flag
that the loop reads after the next mini-batch; the work of one mini-batch is capped (limits.json's
maxStepWork) so that this is soon. A run whose cost or weights stop being finite (``Diverged``) ends
with a plain explanation in its summary, the network as of its last good step. ``Training`` is the
part of ``Session`` that does this; ``wire`` encodes what it returns and emits.
"""

import math
import time

from ..data import expand
from ..explain import saturation, speed
from ..nn import backend
from ..nn.sgd import Diverged
from .params import MAX_EPOCHS, network_of, step_rule, text, validate_params
from .wire import b64, request

PAUSE_EVERY = 0.05  # seconds of work between yields to the JavaScript event loop
PROGRESS_EVERY = 0.15  # seconds between progress reports
SATURATION_PROBE = 500  # training digits whose f′(z) and δ are measured after each epoch
SPEED_PROBE = 1000  # and whose ‖∂C/∂b^l‖ is, as the book's chapter 5 measures it
PIXEL_MAX = 255.0  # uint8 pixels -> [0, 1], a mini-batch at a time


class Training:
    """Train, Step and Stop; ``self`` is a ``Session`` (its digits, networks and ``running`` flag)."""

    @request
    def stop(self):
        """Ask the running training to end after its current mini-batch."""
        self._stop = True

    def _new_run(self, p):
        """The network a run starts from, and its training digits: (net, x (n, 784) uint8 pixels, to be
        divided by PIXEL_MAX a mini-batch at a time, y (n,)); with expand "shifts", the first train_size
        digits and their four one-pixel moves (5n). It becomes "your latest run" at once, so every view
        can follow it."""
        n = p["train_size"]
        net = network_of(p)
        self._put("trained", net)
        self._stepper = None
        x, y = self.x_train_u8[:n], self.y_train[:n]
        if p["expand"] == "shifts":  # uint8 stays uint8: 50,000 subset digits expanded are 39 MB
            x, y = expand.shifts(x, y)
        return net, x, y

    @request
    def step(self, params):
        """One mini-batch of SGD — the Step button. The first Step starts a run from the settings (as
        Train would); each next Step with the same settings continues it, through the library's own
        training loop (``Network.train_steps``), one batch at a time. Returns the batch's digits and the
        mean cost on that batch just before and just after the step (the data term: λ aside)."""
        if self.running:
            raise RuntimeError("a training run is going; stop it first")
        self._need_digits()
        p = validate_params(params, self.n_train)
        key = {k: v for k, v in p.items() if k not in ("epochs", "monitor")}
        st = self._stepper
        if st is None or st["key"] != key or st["net"] is not self.nets["trained"]:
            net, x, y = self._new_run(p)
            steps = net.train_steps(
                x,
                y,
                MAX_EPOCHS,
                p["batch_size"],
                p["eta"],
                p["lmbda"],
                eval_data=(self.x_test, self.y_test),
                x_divisor=PIXEL_MAX,
                **step_rule(p),
            )
            st = self._stepper = {"key": key, "net": net, "steps": steps, "x": x, "y": y, "count": 0}
        net = st["net"]
        before = net.copy()  # the weights the step starts from
        progress = next(st["steps"])
        self._outputs.pop("trained", None)
        st["count"] += 1
        idx = progress.indices
        xb, yb = st["x"][idx] / PIXEL_MAX, st["y"][idx]
        record = {
            "which": "trained",
            "step": st["count"],
            "epoch": progress.epoch + 1,
            "batch": progress.batch,
            "n_batches": progress.n_batches,
            **_train_digits(st["x"], st["y"], idx),
            "cost_before": before.total_cost(xb, yb, 0.0),
            "cost_after": net.total_cost(xb, yb, 0.0),
            "sizes": net.sizes,
        }
        if progress.epoch_done:
            record["epoch_record"] = _epoch_record(progress.epoch, progress.history)
        return record

    @request
    async def train(self, params, emit, pause, gradient=None):
        """One training run; returns its summary.

        ``emit("progress", record)`` about every PROGRESS_EVERY s: epoch (1-based), batch, n_batches,
        examples/s. ``emit("epoch", record)`` after each epoch: its train/eval cost (with and without
        the L2 term) and accuracy (None when not monitored), and each layer's saturation.
        ``pause()`` returns an awaitable that lets the host's event loop run (and deliver Stop).
        ``gradient`` replaces the library's backprop in the SGD step (the lab's worker passes the
        learner's; see ``Network.train_steps``).
        """
        if self.running:
            raise RuntimeError("a training run is already going; stop it first")
        self._need_digits()
        p = validate_params(params, self.n_train)
        net, x, y = self._new_run(p)
        n = len(x)  # the digits an epoch goes through: train_size, or five times it when expanded
        products = backend.use(p["backend"])  # for this run; "auto" again after it
        self.running, self._stop = True, False
        mon = p["monitor"]
        steps = net.train_steps(
            x,
            y,
            p["epochs"],
            p["batch_size"],
            p["eta"],
            p["lmbda"],
            eval_data=(self.x_test, self.y_test),
            monitor_train_cost=mon,
            monitor_train_accuracy=mon,
            monitor_eval_cost=mon,
            monitor_eval_accuracy=mon,
            x_divisor=PIXEL_MAX,
            gradient=gradient,
            **step_rule(p),
        )
        busy = 0.0  # seconds spent in training steps (not waiting on the event loop)
        examples = 0
        history = None
        diverged = None
        good = net.copy(), 0  # the network as of its last finished epoch, and that epoch
        speed_start = _speed_record(net, x, y)["speed"]  # chapter 5's speeds at initialisation
        last_pause = last_report = time.perf_counter()
        try:
            while True:
                t0 = time.perf_counter()
                try:
                    progress = next(steps, None)
                except Diverged as e:
                    diverged = e
                    break
                t1 = time.perf_counter()
                if progress is None:
                    break
                self._outputs.pop("trained", None)  # the weights moved: the test outputs are computed again
                busy += t1 - t0
                history = progress.history
                examples += min(p["batch_size"], n - (progress.batch - 1) * p["batch_size"])
                rate = examples / busy if busy > 0 else 0.0
                if progress.epoch_done:
                    good = net.copy(), history.epochs
                    record = {**_epoch_record(progress.epoch, history), **_saturation_record(net, x, y)}
                    record.update(_speed_record(net, x, y))
                    if not net.dense_only:  # what restore_network needs besides the bytes: the layers
                        record.update(layers=net.layer_specs(), sizes=net.sizes)
                    if history.epochs == 1:
                        record["speed_start"] = speed_start
                    emit("epoch", record)
                if progress.epoch_done or t1 - last_report >= PROGRESS_EVERY:
                    last_report = t1
                    emit(
                        "progress",
                        {
                            "epoch": progress.epoch + 1,
                            "epochs": p["epochs"],
                            "batch": progress.batch,
                            "n_batches": progress.n_batches,
                            "examples_per_s": rate,
                            "backend": products,
                            "step": _step_path(net, products),
                        },
                    )
                if t1 - last_pause >= PAUSE_EVERY or progress.epoch_done:
                    await pause()
                    last_pause = time.perf_counter()
                if self._stop:
                    break
        finally:
            steps.close()
            self.running = False
            backend.use("auto")
        done = history.epochs if history is not None else 0
        if diverged is not None:
            diverged = self._diverged(diverged, p, net, good)
        now = self.evaluate("trained")  # the network as it is now, even mid-epoch
        return {
            "test_accuracy": now["accuracy"],
            "diverged": diverged,
            "stopped": diverged is None and done < p["epochs"],
            "epochs_done": done,
            "examples": examples,
            "seconds": busy,
            "examples_per_s": examples / busy if busy > 0 else 0.0,
            "params": p,
            "sizes": net.sizes,
            "backend": products,
            "step": _step_path(net, products),
            "speed_start": speed_start,
            "history": history.to_dict() if history is not None else None,
        }

    def _diverged(self, e, p, net, good):
        """The summary's account of a Diverged run. Non-finite weights are replaced by the network
        as of the last finished epoch; a non-finite cost left the weights as of the last good step."""
        became = "NaN" if math.isnan(e.value) else "infinite"
        message = (
            f"the {e.what} became {became} at epoch {e.epoch}, batch {e.batch}: η = {text(p['eta'])} is "
            f"probably too large for the {p['cost']} cost"
            + (f" with momentum μ = {text(p['momentum'])}" if p["momentum"] else "")
        )
        if e.what == "weights" or not net.weights_finite():
            kept, epoch = good
            net.weights, net.biases = kept.weights, kept.biases
            self._put("trained", net)
            message += (
                f"; the network as of epoch {epoch} is kept"
                if epoch
                else "; the network is back to its starting weights"
            )
        else:
            message += "; the network is kept as it was before that mini-batch"
        value = "NaN" if math.isnan(e.value) else ("Infinity" if e.value > 0 else "-Infinity")
        return {"what": e.what, "epoch": e.epoch, "batch": e.batch, "value": value, "message": message}


def _step_path(net, products):
    """How the run's SGD steps ran, for the progress line: the page's whole-step kernel takes
    network2's step (sigmoid layers, L2, no dropout, no momentum); anything else is numpy around the
    kernel's matrix products."""
    if products != "wasm-simd" or net.step_path is None:
        return None
    return "whole step" if net.step_path == "whole step" else "products only"


def _speed_record(net, x, y):
    """Chapter 5's speed of learning of each hidden layer on the first SPEED_PROBE training digits
    (``explain.speed``), and ReLU's dead units on them."""
    if not net.weights_finite() or net.num_layers < 3:
        return {"speed": [], "dead": []}
    xs, ys = x[:SPEED_PROBE] / PIXEL_MAX, y[:SPEED_PROBE]
    return {"speed": speed.layer_speeds(net, xs, ys), "dead": speed.dead_units(net, xs)}


def _saturation_record(net, x, y):
    """Each layer's saturation on a fixed probe of the training digits (``explain.saturation``)."""
    if not net.weights_finite():
        return {}
    return {"saturation": saturation.layer_saturation(net, x[:SATURATION_PROBE] / PIXEL_MAX, y[:SATURATION_PROBE])}


def _epoch_record(epoch, history):
    """The epoch's monitors: network2's costs (with the L2 term), their data terms, the accuracies."""

    def last(values):
        return values[-1] if values else None

    return {
        "epoch": epoch + 1,
        **{
            f"{part}_{what}": last(getattr(history, f"{part}_{what}"))
            for part in ("train", "eval")
            for what in ("cost", "cost_data", "accuracy")
        },
    }


def _train_digits(x_u8, y, indices):
    """A Step's mini-batch as the page draws it: which digits of the run's training set (expanded or
    not), their uint8 pixels and labels."""
    return {"indices": [int(i) for i in indices], "pixels": b64(x_u8[indices]), "labels": y[indices].tolist()}
