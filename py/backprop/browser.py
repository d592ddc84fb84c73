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
import re
import time

import numpy as np

from . import limits, metrics, mnist, preprocess, units
from .checks import short
from .costs import get_cost
from .limits import FIELDS, N_INPUTS, N_OUTPUTS, message
from .model_io import loads
from .network import Network

# The parameters' limits, defaults and messages live in limits.json (shared with web/js/state.js).
COSTS = {"cross-entropy": "CrossEntropyCost", "quadratic": "QuadraticCost"}
assert tuple(COSTS) == limits.COSTS, "limits.json and COSTS name different costs"
MAX_HIDDEN_LAYERS = FIELDS["hidden"]["maxLayers"]
MAX_LAYER_SIZE = FIELDS["hidden"]["max"]     # a browser tab's memory and patience, not the maths'
MAX_EPOCHS = FIELDS["epochs"]["max"]
MAX_SEED = FIELDS["seed"]["max"]
PAUSE_EVERY = 0.05        # seconds of work between yields to the JavaScript event loop
PROGRESS_EVERY = 0.15     # seconds between progress reports

DEFAULTS = {**limits.DEFAULTS, "monitor": True}   # monitor: the worker's switch, not a form field


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
def _text(value):
    """A value in a message: numbers as JavaScript's String() shows them (5.0 as "5"), anything else
    (a string where a number belongs, a bool) as its repr, so that the wrong type shows."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return short(value, 40)


def _is_int(value, lo, hi):
    if isinstance(value, float) and value.is_integer():
        value = int(value)        # JSON from JavaScript has no integer type
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and lo <= value <= hi


def _int(name, value, lo, hi, key="int"):
    """An int lo..hi; ``name`` is a field of limits.json (its label goes into the message) or a label."""
    if not _is_int(value, lo, hi):
        label = FIELDS[name]["label"] if name in FIELDS else name
        prefix = f"{name}: " if name in FIELDS else ""
        raise ValueError(prefix + message(key, label=label, min=lo, max=hi, value=_text(value)))
    return int(value)


def _float(name, value):
    f = FIELDS[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or value < f["min"] or (f.get("exclusiveMin") and value == f["min"]):
        key = "positive" if f.get("exclusiveMin") else "non_negative"
        raise ValueError(f"{name}: " + message(key, label=f["label"], value=_text(value)))
    return float(value)


def _choice(name, value):
    f = FIELDS[name]
    if not isinstance(value, str) or value not in f["values"]:
        raise ValueError(f"{name}: " + message("choice", label=f["label"], values=", ".join(f["values"]),
                                               value=value if isinstance(value, str) else _text(value)))
    return value


def parse_hidden(value):
    """Hidden layer sizes from "100,30", "30", "" (none) or a list of ints."""
    prefix = f"hidden {short(value, 40)}: "
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(" ", ",").split(",") if p.strip()]
        value = [int(p) if p.isdigit() else p for p in parts]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"hidden layers must be a list of sizes, got {short(value, 40)}")
    if len(value) > MAX_HIDDEN_LAYERS:
        raise ValueError(prefix + message("layer_count", max=MAX_HIDDEN_LAYERS, count=len(value)))
    lo = FIELDS["hidden"]["min"]
    for n in value:
        if not _is_int(n, lo, MAX_LAYER_SIZE):
            text = n if isinstance(n, str) else _text(n)   # a piece of the typed text, as typed
            raise ValueError(prefix + message("layer_size", min=lo, max=MAX_LAYER_SIZE, value=text))
    return [int(n) for n in value]


def validate_params(params, n_train_available):
    """A complete, checked copy of a run's parameters; unknown or bad values raise ValueError."""
    if not isinstance(params, dict):
        raise TypeError(f"parameters must be a dict, got {type(params).__name__}")
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; expected some of {', '.join(DEFAULTS)}")
    p = {**DEFAULTS, "train_size": min(DEFAULTS["train_size"], n_train_available), **params}
    out = {"hidden": parse_hidden(p["hidden"])}
    out["cost"] = _choice("cost", p["cost"])
    out["eta"] = _float("eta", p["eta"])
    out["lmbda"] = _float("lmbda", p["lmbda"])
    out["train_size"] = _int("train_size", p["train_size"], FIELDS["train_size"]["min"], n_train_available)
    if _is_int(p["batch_size"], FIELDS["batch_size"]["min"], math.inf) and p["batch_size"] > out["train_size"]:
        raise ValueError("batch_size: " + message("batch_vs_train", batch_size=_text(p["batch_size"]),
                                                  train_size=out["train_size"]))
    out["batch_size"] = _int("batch_size", p["batch_size"], FIELDS["batch_size"]["min"], out["train_size"])
    out["epochs"] = _int("epochs", p["epochs"], FIELDS["epochs"]["min"], MAX_EPOCHS)
    out["weight_init"] = _choice("weight_init", p["weight_init"])
    out["seed"] = None if p["seed"] in (None, "") else _int("seed", p["seed"], FIELDS["seed"]["min"],
                                                              MAX_SEED, key="seed")
    if not isinstance(p["monitor"], bool):
        raise ValueError(f"monitor must be true or false, got {p['monitor']!r}")
    out["monitor"] = p["monitor"]
    return out


# -- the session the worker keeps -------------------------------------------------------------------
NETWORKS = {"model": "the shipped model", "trained": "your latest run", "file": "your model file"}
MAX_FILE_BYTES = 100 * 1024 * 1024   # a model file the page accepts: a tab's memory, not the maths
MAX_PARAMETERS = 4_000_000           # the page's largest trainable network (784-1000×4-10) has 3.8 M
STRIP_MAX = 200
CELL_MAX = 100                       # digits listed for one confusion-matrix cell


def _b64(array):
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()


def _round(values, digits=6):
    """Floats for JSON: rounded, and never NaN/Infinity (JSON.parse refuses those tokens)."""
    a = np.round(np.asarray(values, dtype=np.float64), digits)
    return np.where(np.isfinite(a), a, 0.0).tolist()


_SIZES = re.compile(r'"sizes"\s*:\s*\[([^\[\]]{0,2000})\]')


def _precheck_model_text(text):
    """Refuse a model file by its size and its declared layer sizes before parsing it whole.

    Parsing a 100 MB JSON text into Python lists takes far more memory than the text; the layer sizes
    sit near the start of a network2 file, so an absurd network is refused before that. The full
    validation (model_io.loads) still runs afterwards on whatever passes.
    """
    if not isinstance(text, str):
        raise TypeError(f"a model file must be text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise ValueError(f"the file is {len(text) / 2**20:,.1f} MB; the page accepts model files up to "
                         f"{MAX_FILE_BYTES // 2**20} MB")
    found = _SIZES.search(text[:4096])
    if found:
        try:
            sizes = [int(s) for s in found.group(1).split(",")]
        except ValueError:
            return                      # not plain integers: model_io names the problem
        _check_parameters(sizes)


def _check_parameters(sizes):
    n = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    if n > MAX_PARAMETERS:
        shown = sizes if len(sizes) <= 8 else [*sizes[:4], "…", *sizes[-2:]]
        raise ValueError(f"sizes {shown} mean {n:,} weights and biases; the page accepts up to "
                         f"{MAX_PARAMETERS:,}")


class Session:
    """The subset and the networks the page shows, kept between messages.

    Three networks by name (NETWORKS): the shipped model, the network of the latest run (kept after
    Stop, and shown while it trains) and a model file the user loaded. Every view asks for one by
    name; outputs on the test digits are cached per network, so switching between them is instant.
    """

    def __init__(self, subset, model_text=None):
        subset = read_subset(subset)
        self.x_train_u8, self.y_train = subset["x_train"], subset["y_train"].astype(np.int64)
        self.x_test_u8, self.y_test = subset["x_test"], subset["y_test"].astype(np.int64)
        self.x_test = self.x_test_u8 / 255.0            # (n_test, 784), used by every evaluation
        # Grow the heap once, now, to what a full-size run needs (its float inputs and each epoch's
        # shuffled copy): in WebAssembly growing memory is slow, and without this the first mini-batch
        # of the first run pays ~0.1 s for it. The allocator reuses the freed block.
        np.empty((2 * self.n_train, N_INPUTS))
        self.nets = dict.fromkeys(NETWORKS)
        self.running = False
        self._stop = False
        self._outputs = {}        # which -> output activations on the test digits, (n_test, 10)
        if model_text is not None:
            self.load_model(model_text)

    @property
    def model(self):
        return self.nets["model"]

    @property
    def trained(self):
        return self.nets["trained"]

    @property
    def n_train(self):
        return int(self.x_train_u8.shape[0])

    def info(self):
        return json.dumps({"n_train": self.n_train, "n_test": int(self.x_test_u8.shape[0]),
                           "networks": NETWORKS, "max_file_bytes": MAX_FILE_BYTES,
                           "max_parameters": MAX_PARAMETERS})

    def _read_model(self, text):
        _precheck_model_text(text)
        net = loads(text)
        _check_parameters(net.sizes)
        if net.sizes[0] != N_INPUTS or net.sizes[-1] != N_OUTPUTS:
            raise ValueError(f"the model has sizes {net.sizes}; MNIST needs {N_INPUTS} inputs and "
                             f"{N_OUTPUTS} outputs")
        return net

    def _put(self, which, net):
        self.nets[which] = net
        self._outputs.pop(which, None)

    def load_model(self, text):
        """Load the shipped network2 JSON model; returns its accuracy on the test digits."""
        self._put("model", self._read_model(text))
        return self.evaluate("model")

    def load_file(self, text):
        """A model file the user chose: checked whole before it replaces the previous file's network,
        so a bad file leaves every network as it was. Returns its accuracy, as ``evaluate``."""
        self._put("file", self._read_model(text))
        return self.evaluate("file")

    def model_json(self, which):
        """The network as network2 JSON text: the file the CLI writes and ``backprop.load`` reads."""
        return json.dumps(self._net(which).to_dict())

    def _net(self, which):
        if which not in NETWORKS:
            raise ValueError(f"which must be one of {', '.join(NETWORKS)}, got {which!r}")
        net = self.nets[which]
        if net is None:
            raise ValueError({"model": "no model is loaded yet", "trained": "no network has been trained yet",
                              "file": "no model file has been loaded yet"}[which])
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
        predicted = np.argmax(self._test_outputs(which), axis=1)
        correct = metrics.correct_count(predicted, self.y_test)
        total = len(self.y_test)
        return json.dumps({"which": which, "correct": correct, "total": total, "accuracy": correct / total,
                           "sizes": net.sizes, "cost": net.cost.__name__, "running": self._is_live(which)})

    def _is_live(self, which):
        return which == "trained" and self.running

    def _digits(self, indices):
        """Test digits by index: pixels (base64 of uint8 rows) and labels."""
        return {"indices": [int(i) for i in indices], "pixels": _b64(self.x_test_u8[indices]),
                "labels": self.y_test[indices].tolist()}

    def strip(self, which="model", start=0, count=24):
        """Test digits start..start+count: pixels (base64 of uint8 rows), labels, predictions."""
        self._net(which)
        n = len(self.y_test)
        start = _int("start", start, 0, n - 1)
        count = _int("count", count, 1, STRIP_MAX)
        stop = min(start + count, n)
        a = self._test_outputs(which)[start:stop]         # (count, 10)
        return json.dumps({
            "which": which, "start": start,
            "pixels": _b64(self.x_test_u8[start:stop]),
            "labels": self.y_test[start:stop].tolist(),
            "predictions": np.argmax(a, axis=1).tolist(),
            "confidence": _round(a.max(axis=1), 4),
        })

    # -- draw a digit -------------------------------------------------------------------------------
    def _guess(self, which, x, **extra):
        a = self._net(which).feedforward(x)[0]           # (10,)
        return json.dumps({"which": which, "digit": int(np.argmax(a)), "outputs": _round(a),
                           "input": _b64(np.rint(x * 255).astype(np.uint8)), **extra})

    def predict_drawing(self, which, ink, width, height):
        """What the network reads in a drawing: ``ink`` is the pad's alpha channel (width×height bytes,
        row by row). It is made MNIST-like first (``preprocess.mnist_like``); the JSON carries that
        784-pixel input too, so the page shows what the network actually sees."""
        width, height = _int("width", width, 1, 4096), _int("height", height, 1, 4096)
        if hasattr(ink, "to_py"):                       # a JavaScript Uint8Array, in the worker
            ink = ink.to_py()
        ink = np.frombuffer(ink, dtype=np.uint8)
        if ink.size != width * height:
            raise ValueError(f"the drawing has {ink.size} pixels, expected {width}×{height}")
        return self._guess(which, preprocess.mnist_like(ink.reshape(height, width)))

    def predict_test_digit(self, which, index):
        """The same answer as ``predict_drawing`` for test digit ``index`` (the keyboard's way in)."""
        index = _int("index", index, 0, len(self.y_test) - 1)
        return self._guess(which, self.x_test[index], index=index, label=int(self.y_test[index]))

    # -- hidden units --------------------------------------------------------------------------------
    def hidden_units(self, which):
        """Every layer's weights as int8 on a symmetric scale (see ``units.quantise_symmetric``; the
        rare weights beyond the 99.5th percentile of |w| are shown at the scale's ends): the
        first layer's rows are 28×28 pictures, later layers matrices; "layer" is the book's l of w^l
        (the input is layer 1). The output layer is included, so
        a network without hidden layers still shows its ten weight pictures."""
        net = self._net(which)
        layers = []
        for l, w in enumerate(net.weights):
            q, scale = units.quantise_symmetric(w, quantile=units.CLIP_QUANTILE)
            layers.append({"layer": l + 2, "n_out": int(w.shape[0]), "n_in": int(w.shape[1]),
                           "scale": scale, "max": float(np.max(np.abs(w))), "levels": units.LEVELS,
                           "q": _b64(q)})
        return json.dumps({"which": which, "sizes": net.sizes, "layers": layers, "running": self._is_live(which)})

    def unit_detail(self, which, unit, count=8):
        """The test digits that excite first-layer unit ``unit`` most, with its activation on each."""
        net = self._net(which)
        count = _int("count", count, 1, 64)
        unit = _int("unit", unit, 0, net.sizes[1] - 1)
        indices, activations = units.most_exciting(net, self.x_test, unit, count)
        return json.dumps({"which": which, "unit": unit, **self._digits(indices),
                           "activations": _round(activations, 4)})

    # -- the confusion matrix ------------------------------------------------------------------------
    def confusion(self, which):
        """The 10×10 confusion matrix on the test digits (rows: true label, columns: the guess)."""
        self._net(which)
        predicted = np.argmax(self._test_outputs(which), axis=1)
        matrix = metrics.confusion_matrix(predicted, self.y_test, N_OUTPUTS)
        correct = int(np.trace(matrix))
        total = int(matrix.sum())
        return json.dumps({"which": which, "matrix": matrix.tolist(), "correct": correct, "total": total,
                           "accuracy": correct / total, "running": self._is_live(which)})

    def confusion_cell(self, which, true_label, predicted, limit=CELL_MAX):
        """The test digits of one cell, most confident first (for a wrong cell: most confidently
        wrong first), each with its ten outputs; ``count`` is the cell's full size."""
        self._net(which)
        true_label = _int("true label", true_label, 0, N_OUTPUTS - 1)
        predicted = _int("predicted", predicted, 0, N_OUTPUTS - 1)
        limit = _int("limit", limit, 1, 10_000)
        outputs = self._test_outputs(which)
        members = metrics.cell_members(outputs, self.y_test, true_label, predicted)
        shown = members[:limit]
        return json.dumps({"which": which, "true": true_label, "predicted": predicted, "count": int(len(members)),
                           **self._digits(shown), "outputs": _round(outputs[shown], 4)})

    def stop(self):
        """Ask the running training to end after its current mini-batch."""
        self._stop = True

    async def train(self, params_json, on_progress, on_epoch, pause, gradient=None):
        """One training run; returns a JSON summary. Callbacks get JSON strings.

        ``on_progress(text)`` about every PROGRESS_EVERY s: epoch (1-based), batch, n_batches, examples/s.
        ``on_epoch(text)`` after each epoch: its train/eval cost and accuracy (null when not monitored).
        ``pause()`` returns an awaitable that lets the host's event loop run (and deliver Stop).
        ``gradient`` replaces the library's backprop in the SGD step (the lab's worker passes the
        learner's; see ``Network.train_steps``).
        """
        if self.running:
            raise RuntimeError("a training run is already going; stop it first")
        params = json.loads(params_json) if isinstance(params_json, str) else params_json
        p = validate_params(params, self.n_train)
        n = p["train_size"]
        x = self.x_train_u8[:n] / 255.0                  # (n, 784)
        y = self.y_train[:n]
        net = Network([N_INPUTS, *p["hidden"], N_OUTPUTS], cost=get_cost(COSTS[p["cost"]]),
                      seed=p["seed"], weight_init=p["weight_init"])
        self._put("trained", net)
        self.running, self._stop = True, False
        mon = p["monitor"]
        steps = net.train_steps(x, y, p["epochs"], p["batch_size"], p["eta"], p["lmbda"],
                                eval_data=(self.x_test, self.y_test), monitor_train_cost=mon,
                                monitor_train_accuracy=mon, monitor_eval_cost=mon,
                                monitor_eval_accuracy=mon, gradient=gradient)
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
                                            "examples_per_s": rate}))
                if t1 - last_pause >= PAUSE_EVERY or progress.epoch_done:
                    await pause()
                    last_pause = time.perf_counter()
                if self._stop:
                    break
        finally:
            steps.close()
            self.running = False
        done = history.epochs if history is not None else 0
        now = json.loads(self.evaluate("trained"))      # the network as it is now, even mid-epoch
        return json.dumps({
            "test_accuracy": now["accuracy"],
            "stopped": done < p["epochs"], "epochs_done": done, "examples": examples,
            "seconds": busy, "examples_per_s": examples / busy if busy > 0 else 0.0,
            "params": p, "sizes": net.sizes,
            "history": history.to_dict() if history is not None else None,
        })


def _epoch_record(epoch, history):
    def last(values):
        return values[-1] if values else None
    return {"epoch": epoch + 1, "train_cost": last(history.train_cost),
            "train_accuracy": last(history.train_accuracy), "eval_cost": last(history.eval_cost),
            "eval_accuracy": last(history.eval_accuracy)}
