"""What the page's Web Worker calls: the MNIST subset, the shipped model, and small training runs.

Everything here is plain Python + numpy, so it imports and is tested in CPython too. The worker hands
in JavaScript functions as callbacks; every value that goes back to JavaScript is a JSON string (or a
number), so the worker never holds a proxy of a Python object it would have to free.

A training run is an ``async`` loop over ``Network.train_steps`` (one step per mini-batch). Every
~50 ms of work it awaits ``pause()`` — in the browser a JavaScript function returning a promise that
resolves on the next event-loop task — so that the worker can receive a ``stop`` message; ``stop()``
sets a flag that the loop reads after the next mini-batch. What it leaves out: anything about the DOM,
drawing, or loading Pyodide.
"""

import base64
import json
import math
import numbers
import time

import numpy as np

from . import backend, mnist
from .costs import get_cost
from .model_io import loads
from .network import WEIGHT_INITS, Network

N_INPUTS, N_OUTPUTS = 784, 10
COSTS = {"cross-entropy": "CrossEntropyCost", "quadratic": "QuadraticCost"}
MAX_HIDDEN_LAYERS = 4
MAX_LAYER_SIZE = 1000     # a browser tab's memory and patience, not a property of the maths
MAX_EPOCHS = 1000
MAX_SEED = 2**32 - 1
PAUSE_EVERY = 0.05        # seconds of work between yields to the JavaScript event loop
PROGRESS_EVERY = 0.15     # seconds between progress reports

DTYPES = ("float64", "float32")
BACKENDS = ("auto", "numpy")   # auto: the WebAssembly kernel when the page installed it (see backend.py)

DEFAULTS = {"hidden": [30], "cost": "cross-entropy", "eta": 0.5, "lmbda": 5.0, "batch_size": 10,
            "epochs": 10, "train_size": 10000, "weight_init": "default", "seed": 1, "monitor": True,
            "dtype": "float64", "backend": "auto"}


# -- the data ---------------------------------------------------------------------------------------
def read_subset(source):
    """The web subset (.npz path or bytes) as a dict x_train, y_train, x_test, y_test, checked.

    The worker writes the fetched file into Pyodide's file system and passes its path, so no
    JavaScript buffer has to cross into Python. The page needs digits in both parts, which a
    subset in general need not have.
    """
    subset = mnist.read_subset(source)
    for part in ("train", "test"):
        if len(subset[f"x_{part}"]) == 0:
            raise ValueError(f"the subset has no {part} digits")
    return subset


# -- the parameters of a run ------------------------------------------------------------------------
def _int(name, value, lo, hi):
    if isinstance(value, float) and value.is_integer():
        value = int(value)        # JSON from JavaScript has no integer type
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer from {lo} to {hi}, got {value!r}")
    return int(value)


def _float(name, value, positive):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be a {'positive' if positive else 'non-negative'} number, "
                         f"got {value!r}")
    return float(value)


def parse_hidden(value):
    """Hidden layer sizes from "100,30", "30", "" (none) or a list of ints."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(" ", ",").split(",") if p.strip()]
        try:
            value = [int(p) for p in parts]
        except ValueError:
            raise ValueError(f"hidden layers must be sizes separated by commas, like 100,30; "
                             f"got {value!r}") from None
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"hidden layers must be a list of sizes, got {value!r}")
    if len(value) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(value)}: {list(value)}")
    return [_int("a hidden layer size", n, 1, MAX_LAYER_SIZE) for n in value]


def validate_params(params, n_train_available):
    """A complete, checked copy of a run's parameters; unknown or bad values raise ValueError."""
    if not isinstance(params, dict):
        raise TypeError(f"parameters must be a dict, got {type(params).__name__}")
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; expected some of {', '.join(DEFAULTS)}")
    p = {**DEFAULTS, "train_size": min(DEFAULTS["train_size"], n_train_available), **params}
    out = {"hidden": parse_hidden(p["hidden"])}
    if p["cost"] not in COSTS:
        raise ValueError(f"cost must be one of {', '.join(COSTS)}, got {p['cost']!r}")
    out["cost"] = p["cost"]
    out["eta"] = _float("η (eta)", p["eta"], positive=True)
    out["lmbda"] = _float("λ (lmbda)", p["lmbda"], positive=False)
    out["train_size"] = _int("training-set size", p["train_size"], 1, n_train_available)
    out["batch_size"] = _int("mini-batch size", p["batch_size"], 1, out["train_size"])
    out["epochs"] = _int("epochs", p["epochs"], 1, MAX_EPOCHS)
    if p["weight_init"] not in WEIGHT_INITS:
        raise ValueError(f"weight init must be one of {', '.join(WEIGHT_INITS)}, got {p['weight_init']!r}")
    out["weight_init"] = p["weight_init"]
    out["seed"] = None if p["seed"] in (None, "") else _int("seed", p["seed"], 0, MAX_SEED)
    if not isinstance(p["monitor"], bool):
        raise ValueError(f"monitor must be true or false, got {p['monitor']!r}")
    out["monitor"] = p["monitor"]
    for key, allowed in (("dtype", DTYPES), ("backend", BACKENDS)):
        if p[key] not in allowed:
            raise ValueError(f"{key} must be one of {', '.join(allowed)}, got {p[key]!r}")
        out[key] = p[key]
    return out


# -- the session the worker keeps -------------------------------------------------------------------
class Session:
    """The subset, the shipped model and the network of the latest run, kept between messages."""

    def __init__(self, subset, model_text=None):
        subset = read_subset(subset)
        self.x_train_u8, self.y_train = subset["x_train"], subset["y_train"].astype(np.int64)
        self.x_test_u8, self.y_test = subset["x_test"], subset["y_test"].astype(np.int64)
        self.x_test = self.x_test_u8 / 255.0            # (n_test, 784), used by every evaluation
        # Grow the heap once, now, to what a full-size run needs (its float inputs and each epoch's
        # shuffled copy): in WebAssembly growing memory is slow, and without this the first mini-batch
        # of the first run pays ~0.1 s for it. The allocator reuses the freed block.
        np.empty((2 * self.n_train, N_INPUTS))
        self.model = None         # the shipped model
        self.trained = None       # the network of the latest run (kept after Stop)
        self.running = False
        self._stop = False
        self._outputs = {}        # which -> output activations on the test digits, (n_test, 10)
        if model_text is not None:
            self.load_model(model_text)

    @property
    def n_train(self):
        return int(self.x_train_u8.shape[0])

    def info(self):
        return json.dumps({"n_train": self.n_train, "n_test": int(self.x_test_u8.shape[0])})

    def load_model(self, text):
        """Load a network2 JSON model (the shipped one); returns its accuracy on the test digits."""
        net = loads(text)
        if net.sizes[0] != N_INPUTS or net.sizes[-1] != N_OUTPUTS:
            raise ValueError(f"the model has sizes {net.sizes}; MNIST needs {N_INPUTS} inputs and "
                             f"{N_OUTPUTS} outputs")
        self.model = net
        self._outputs.pop("model", None)
        return self.evaluate("model")

    def _net(self, which):
        net = {"model": self.model, "trained": self.trained}.get(which, False)
        if net is False:
            raise ValueError(f"which must be 'model' or 'trained', got {which!r}")
        if net is None:
            raise ValueError("no model is loaded yet" if which == "model" else "no network has been trained yet")
        return net

    def _test_outputs(self, which):
        """The network's outputs on every test digit, computed once per network: one forward pass of
        2,000 digits is most of the page's start-up work after numpy. Not cached while a run is
        changing the network."""
        outputs = self._outputs.get(which)
        if outputs is None:
            outputs = self._net(which).feedforward(self.x_test)      # (n_test, 10)
            if not (which == "trained" and self.running):
                self._outputs[which] = outputs
        return outputs

    def evaluate(self, which="model"):
        """Accuracy of a network on all the subset's test digits, as JSON {correct, total, accuracy}."""
        net = self._net(which)
        correct = int(np.sum(np.argmax(self._test_outputs(which), axis=1) == self.y_test))
        total = len(self.y_test)
        return json.dumps({"which": which, "correct": correct, "total": total, "accuracy": correct / total,
                           "sizes": net.sizes, "cost": net.cost.__name__})

    def strip(self, which="model", start=0, count=24):
        """Test digits start..start+count: pixels (base64 of uint8 rows), labels, predictions."""
        self._net(which)
        n = len(self.y_test)
        start = _int("start", start, 0, n - 1)
        count = _int("count", count, 1, 200)
        stop = min(start + count, n)
        a = self._test_outputs(which)[start:stop]         # (count, 10)
        return json.dumps({
            "which": which, "start": start,
            "pixels": base64.b64encode(np.ascontiguousarray(self.x_test_u8[start:stop]).tobytes()).decode(),
            "labels": self.y_test[start:stop].tolist(),
            "predictions": np.argmax(a, axis=1).tolist(),
            "confidence": np.round(a.max(axis=1), 4).tolist(),
        })

    def stop(self):
        """Ask the running training to end after its current mini-batch."""
        self._stop = True

    async def train(self, params_json, on_progress, on_epoch, pause):
        """One training run; returns a JSON summary. Callbacks get JSON strings.

        ``on_progress(text)`` about every PROGRESS_EVERY s: epoch (1-based), batch, n_batches, examples/s.
        ``on_epoch(text)`` after each epoch: its train/eval cost and accuracy (null when not monitored).
        ``pause()`` returns an awaitable that lets the host's event loop run (and deliver Stop).
        """
        if self.running:
            raise RuntimeError("a training run is already going; stop it first")
        params = json.loads(params_json) if isinstance(params_json, str) else params_json
        p = validate_params(params, self.n_train)
        n = p["train_size"]
        x = np.divide(self.x_train_u8[:n], 255.0, dtype=p["dtype"])   # (n, 784)
        y = self.y_train[:n]
        net = Network([N_INPUTS, *p["hidden"], N_OUTPUTS], cost=get_cost(COSTS[p["cost"]]),
                      seed=p["seed"], weight_init=p["weight_init"], dtype=p["dtype"])
        products = backend.use(p["backend"])            # for this run; "auto" again after it
        self.trained, self.running, self._stop = net, True, False
        self._outputs.pop("trained", None)
        mon = p["monitor"]
        steps = net.train_steps(x, y, p["epochs"], p["batch_size"], p["eta"], p["lmbda"],
                                eval_data=(self.x_test, self.y_test), monitor_train_cost=mon,
                                monitor_train_accuracy=mon, monitor_eval_cost=mon,
                                monitor_eval_accuracy=mon)
        busy = 0.0                 # seconds spent in training steps (not waiting on the event loop)
        examples = 0
        history = None
        last_pause = last_report = time.perf_counter()
        try:
            while True:
                t0 = time.perf_counter()
                progress = next(steps, None)
                t1 = time.perf_counter()
                if progress is None:
                    break
                busy += t1 - t0
                history = progress.history
                examples += min(p["batch_size"], n - (progress.batch - 1) * p["batch_size"])
                rate = examples / busy if busy > 0 else 0.0
                if progress.epoch_done:
                    on_epoch(json.dumps(_epoch_record(progress.epoch, history)))
                if progress.epoch_done or t1 - last_report >= PROGRESS_EVERY:
                    last_report = t1
                    on_progress(json.dumps({"epoch": progress.epoch + 1, "epochs": p["epochs"],
                                            "batch": progress.batch, "n_batches": progress.n_batches,
                                            "examples_per_s": rate, "backend": products}))
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
        now = json.loads(self.evaluate("trained"))      # the network as it is now, even mid-epoch
        return json.dumps({
            "test_accuracy": now["accuracy"],
            "stopped": done < p["epochs"], "epochs_done": done, "examples": examples,
            "seconds": busy, "examples_per_s": examples / busy if busy > 0 else 0.0,
            "params": p, "sizes": net.sizes, "backend": products,
            "history": history.to_dict() if history is not None else None,
        })


def _epoch_record(epoch, history):
    def last(values):
        return values[-1] if values else None
    return {"epoch": epoch + 1, "train_cost": last(history.train_cost),
            "train_accuracy": last(history.train_accuracy), "eval_cost": last(history.eval_cost),
            "eval_accuracy": last(history.eval_accuracy)}
