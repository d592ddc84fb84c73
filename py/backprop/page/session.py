"""What the page's Web Worker calls: the MNIST subset, the shipped model, and small training runs.

Everything here is plain Python + numpy, so it imports and is tested in CPython too. The worker hands
in JavaScript functions as callbacks; every value that goes back to JavaScript is a JSON string (or a
number), so the worker never holds a proxy of a Python object it would have to free.

A training run is an ``async`` loop over ``Network.train_steps`` (one step per mini-batch). Every
~50 ms of work it awaits ``pause()`` — in the browser a JavaScript function returning a promise that
resolves on the next event-loop task — so that the worker can receive a ``stop`` message; ``stop()``
sets a flag that the loop reads after the next mini-batch; the work of one mini-batch is capped
(limits.json's maxStepWork) so that this is soon. A run whose cost or weights stop being finite
(``Diverged``) ends with a plain explanation in its summary, the network as of its last good step.
Every JSON string out of here goes through ``_json``: non-finite floats become null, so JavaScript's
``JSON.parse`` never meets a NaN or Infinity token. What it leaves out: anything about the DOM,
drawing, or loading Pyodide.
"""

import base64
import json
import math
import numbers
import re
import time

import numpy as np

from ..data import mnist, preprocess
from ..explain import gradcheck, metrics, presets, saturation, units
from ..nn import backend
from . import params as limits
from ..nn.validate import short
from ..nn.costs import get_cost
from .params import FIELDS, N_INPUTS, N_OUTPUTS, message
from ..nn.model_io import loads
from ..nn.network import Diverged, Network
from ..explain.trace import trace

# The parameters' limits, defaults and messages live in limits.json (shared with web/js/state.js).
COSTS = {"cross-entropy": "CrossEntropyCost", "quadratic": "QuadraticCost"}
assert tuple(COSTS) == limits.COSTS, "limits.json and COSTS name different costs"
MAX_HIDDEN_LAYERS = FIELDS["hidden"]["maxLayers"]
MAX_LAYER_SIZE = FIELDS["hidden"]["max"]     # a browser tab's memory and patience, not the maths'
MAX_EPOCHS = FIELDS["epochs"]["max"]
MAX_SEED = FIELDS["seed"]["max"]
MAX_STEP_WORK = limits.MAX_STEP_WORK   # weights and biases × mini-batch size
PAUSE_EVERY = 0.05        # seconds of work between yields to the JavaScript event loop
PROGRESS_EVERY = 0.15     # seconds between progress reports

# the worker's switch, not a form field: the four monitors on
WORKER_SWITCHES = {"monitor": True}
DEFAULTS = {**limits.DEFAULTS, **WORKER_SWITCHES}


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


PAIRABLE = ("cost", "eta", "lmbda", "weight_init")


def paired_params(params, vary, value, n_train_available):
    """Two runs that differ in exactly one setting: (A, B), both checked. Same seed, so the same initial
    weights and the same mini-batch order (initialisation draws the same numbers whichever scale it
    uses); with no seed given, one is drawn for both."""
    if vary not in PAIRABLE:
        raise ValueError(f"a paired run varies one of {', '.join(PAIRABLE)}, got {vary!r}")
    a = validate_params(params, n_train_available)
    if a["seed"] is None:
        a["seed"] = int(np.random.default_rng().integers(0, MAX_SEED))
    b = validate_params({**a, vary: value}, n_train_available)
    return a, b


def preset_result_json(key, eval_accuracy_json):
    """``presets.ours`` for the worker: the preset's key and a run's per-epoch evaluation accuracies
    (JSON) -> JSON {accuracy, epoch} or null."""
    if key not in presets.BY_KEY:
        raise ValueError(f"no preset {short(key, 40)}; expected one of {', '.join(presets.BY_KEY)}")
    got = presets.ours(presets.BY_KEY[key], json.loads(eval_accuracy_json))
    return _json(None if got is None else {"accuracy": got[0], "epoch": got[1]})


def paired_json(params_json, vary, value, n_train_available):
    """``paired_params`` for the worker: JSON in, JSON [A, B] out. B's value arrives as the form's text."""
    params = json.loads(params_json)
    if vary in ("eta", "lmbda") and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"run B's {FIELDS[vary]['label']} must be a number, got {short(value, 40)}") from None
    return _json(list(paired_params(params, vary, value, n_train_available)))
def _check_step_work(hidden, batch_size):
    """One mini-batch step must stay short in a browser: Stop is read between steps."""
    n = limits.n_parameters([N_INPUTS, *hidden, N_OUTPUTS])
    if n * batch_size > MAX_STEP_WORK:
        raise ValueError("batch_size: " + message("step_work", parameters=f"{n:,}", batch_size=batch_size,
                                                  cap=f"{MAX_STEP_WORK:,}", max_batch=max(1, MAX_STEP_WORK // n)))


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
    _check_step_work(out["hidden"], out["batch_size"])
    if not isinstance(p["monitor"], bool):
        raise ValueError(f"monitor must be true or false, got {p['monitor']!r}")
    out["monitor"] = p["monitor"]
    out["dtype"] = _choice("dtype", p["dtype"])         # backend "auto": the WebAssembly kernel when the
    out["backend"] = _choice("backend", p["backend"])   # page installed it (see backend.py), else numpy
    return out


# -- the session the worker keeps -------------------------------------------------------------------
DATASETS = {"subset": "the page's MNIST subset", "full": "full MNIST: 50,000 training and 10,000 test digits"}
PIXEL_MAX = 255.0         # uint8 pixels -> [0, 1]: runs divide one mini-batch at a time
NETWORKS = {"model": "the shipped model", "trained": "your latest run", "file": "your model file"}
MAX_FILE_BYTES = 100 * 1024 * 1024   # a model file the page accepts: a tab's memory, not the maths
MAX_PARAMETERS = 4_000_000           # the page's largest trainable network (784-1000×4-10) has 3.8 M
STRIP_MAX = 200
CELL_MAX = 100                       # digits listed for one confusion-matrix cell


def _finite(value):
    """A copy of a JSON-able value with every NaN or infinite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def _json(value):
    """JSON text that JavaScript's JSON.parse accepts, by construction: no NaN/Infinity tokens
    (allow_nan=False would raise if one slipped past _finite)."""
    return json.dumps(_finite(value), allow_nan=False)


def _b64(array):
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()


def _round(values, digits=6):
    """Floats for JSON: rounded, and never NaN/Infinity (JSON.parse refuses those tokens)."""
    a = np.round(np.asarray(values, dtype=np.float64), digits)
    return np.where(np.isfinite(a), a, 0.0).tolist()


def _exact(values):
    """Floats for JSON at full precision (the shortest repr that reads back the same double), with
    NaN/Infinity as null: numbers a learner checks against CPython."""
    return _finite(np.asarray(values, dtype=np.float64).ravel().tolist())


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
        self._data = {"subset": read_subset(subset)}    # name -> uint8 arrays; "full" once loaded
        self.data = None                                 # which of DATASETS the page trains and tests on
        self.x_test = None
        self.nets = dict.fromkeys(NETWORKS)
        self.drawing = None       # the last drawing, MNIST-like (784,): the step-through can follow it
        self._stepper = None      # the Step button's run: (params, train_steps generator)
        self.running = False
        self._stop = False
        self._outputs = {}        # which -> output activations on the test digits, (n_test, 10)
        self.use_data("subset")
        if model_text is not None:   # read now, evaluated when first asked (after the page is ready)
            self._put("model", self._read_model(model_text))

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
        n_test = int(self.x_test_u8.shape[0])
        return _json({"n_train": self.n_train, "n_test": n_test,
                           "networks": NETWORKS, "max_file_bytes": MAX_FILE_BYTES,
                           "max_parameters": MAX_PARAMETERS, "data": self.data, "datasets": DATASETS,
                           "loaded": sorted(self._data), "presets": presets.catalogue(self.n_train, n_test)})

    # -- which digits: the subset, or full MNIST --------------------------------------------------------
    def load_full(self, source):
        """Read full MNIST (an .npz path or bytes in the subset's format: 50,000 training and 10,000 test
        digits, uint8) and switch to it; returns ``info()``. The digits stay uint8 (47 MB): a run divides
        one mini-batch at a time (``Network.train_steps``'s x_divisor); the test digits alone are kept
        as floats, as for the subset (10,000 × 784 float64: 63 MB)."""
        if self.running:
            raise RuntimeError("a training run is going; stop it before changing the digits")
        self._data["full"] = read_subset(source)
        return self.use_data("full")

    def use_data(self, name):
        """Train and test on ``name`` (one of DATASETS) from now on; returns ``info()``. Every cached
        output is dropped (the test digits changed) and the Step button's run ends; the networks stay."""
        if name not in DATASETS:
            raise ValueError(f"data must be one of {', '.join(DATASETS)}, got {short(name, 40)}")
        if self.running:
            raise RuntimeError("a training run is going; stop it before changing the digits")
        if name not in self._data:
            raise ValueError(f"{DATASETS[name]} has not been loaded yet")
        d = self._data[name]
        self.x_test = None                               # free the old floats before making the new
        self.x_train_u8, self.y_train = d["x_train"], d["y_train"].astype(np.int64)
        self.x_test_u8, self.y_test = d["x_test"], d["y_test"].astype(np.int64)
        self.x_test = self.x_test_u8 / PIXEL_MAX         # (n_test, 784), used by every evaluation
        self.data = name
        self._outputs.clear()
        self._stepper = None
        return self.info()

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
        net = self._net(which)
        if not net.weights_finite():
            raise ValueError(f"{NETWORKS[which]} has weights that are not finite numbers; it cannot be saved")
        return json.dumps(net.to_dict(), allow_nan=False)   # finite, checked: no walk over every weight

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
        return _json({"which": which, "correct": correct, "total": total, "accuracy": correct / total,
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
        return _json({
            "which": which, "start": start,
            "pixels": _b64(self.x_test_u8[start:stop]),
            "labels": self.y_test[start:stop].tolist(),
            "predictions": np.argmax(a, axis=1).tolist(),
            "confidence": _round(a.max(axis=1), 4),
        })

    # -- draw a digit -------------------------------------------------------------------------------
    def _guess(self, which, x, **extra):
        a = self._net(which).feedforward(x)[0]           # (10,)
        return _json({"which": which, "digit": int(np.argmax(a)), "outputs": _round(a),
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
        self.drawing = preprocess.mnist_like(ink.reshape(height, width))     # (784,), for the step-through
        return self._guess(which, self.drawing)

    def predict_test_digit(self, which, index):
        """The same answer as ``predict_drawing`` for test digit ``index`` (the keyboard's way in)."""
        index = _int("index", index, 0, len(self.y_test) - 1)
        return self._guess(which, self.x_test[index], index=index, label=int(self.y_test[index]))

    # -- the mathematics on one digit (BP1–BP4, the gradient check, a trial step) -------------------
    def _digit(self, which, index, label):
        """(x, label, what) for test digit ``index``, or the last drawing when index is -1 (its label
        defaults to the network's guess: a drawing has no true label)."""
        if index == -1:
            if self.drawing is None:
                raise ValueError("nothing has been drawn yet: draw a digit or pick a test digit")
            x, what = self.drawing, "your drawing"
            default = int(np.argmax(self._net(which).feedforward(x)[0]))
        else:
            index = _int("index", index, 0, len(self.y_test) - 1)
            x, what = self.x_test[index], f"test digit #{index}"
            default = int(self.y_test[index])
        label = default if label is None else _int("label", label, 0, N_OUTPUTS - 1)
        return x, label, what

    def trace_digit(self, which, index, label=None, cost=None, mistake="none"):
        """BP1–BP4 for one digit on the current network (``backprop.trace``), every layer's z, a,
        σ′(z), δ and ∂C/∂b as numbers, ∂C/∂w as float32 (base64) for its picture."""
        net = self._net(which)
        x, label, what = self._digit(which, index, label)
        t = trace(net, x, label, cost=cost or net.cost, mistake=mistake)
        layers = []
        for layer in t.layers:
            layers.append({
                "l": layer.l, "n": int(layer.z.size), "equation": layer.equation,
                "z": _exact(layer.z), "a": _exact(layer.a), "sigma_prime": _exact(layer.sigma_prime),
                "delta": _exact(layer.delta), "nabla_b": _exact(layer.nabla_b),
                "nabla_w": _b64(np.nan_to_num(layer.nabla_w).astype(np.float32)), "nabla_w_shape": list(layer.nabla_w.shape),
                "nabla_w_max": float(np.max(np.abs(np.nan_to_num(layer.nabla_w)))),
            })
        return _json({"which": which, "what": what, "index": index, "label": label,
                           "input": _b64(np.rint(np.asarray(x) * 255).astype(np.uint8)),
                           "cost": t.cost.__name__, "network_cost": net.cost.__name__, "mistake": mistake,
                           "C": _exact([t.C])[0], "guess": int(np.argmax(t.layers[-1].a)), "layers": layers})

    def check_gradient(self, which, index, label=None, cost=None, mistake="none", per_layer=6):
        """``gradcheck.gradient_check`` for one digit on the current network: a table per layer."""
        net = self._net(which)
        x, label, what = self._digit(which, index, label)
        per_layer = _int("per_layer", per_layer, 1, 50)
        result = gradcheck.gradient_check(net, x, label, cost=cost or net.cost, mistake=mistake, per_layer=per_layer)
        for layer in result["layers"]:
            layer["rows"] = [[kind, j, k, *_exact([b, n, e])] for kind, j, k, b, n, e in layer["rows"]]
            layer["max_error"] = _exact([layer["max_error"]])[0]
        return _json({"which": which, "what": what, "label": label, **result})

    def trial_step(self, which, index, label=None, eta=0.5, count=8):
        """One SGD step on this digit alone, tried on a copy (the network shown is not changed): the cost
        before and after, and the weights that moved most."""
        net = self._net(which)
        x, label, what = self._digit(which, index, label)
        eta = _float("eta", eta)
        count = _int("count", count, 1, 50)
        copy = Network(net.sizes, cost=net.cost, seed=0)
        copy.weights = [w.astype(np.float64) for w in net.weights]     # astype copies
        copy.biases = [b.astype(np.float64) for b in net.biases]
        before = copy.total_cost(x, [label])
        copy.update_mini_batch(x, [label], eta, 0.0, 1)
        after = copy.total_cost(x, [label])
        moved = []
        for i, (w0, w1) in enumerate(zip(net.weights, copy.weights)):
            change = np.abs(w1 - w0).ravel()
            for f in np.argsort(-change, kind="stable")[:count]:
                j, k = np.unravel_index(f, w0.shape)
                moved.append({"l": i + 2, "j": int(j), "k": int(k), "before": float(w0[j, k]),
                              "after": float(w1[j, k]), "change": float(w1[j, k] - w0[j, k])})
        moved.sort(key=lambda m: -abs(m["change"]))
        return _json({"which": which, "what": what, "label": label, "eta": eta,
                           "cost_before": _exact([before])[0], "cost_after": _exact([after])[0],
                           "moved": moved[:count]})

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
        return _json({"which": which, "sizes": net.sizes, "layers": layers, "running": self._is_live(which)})

    def unit_detail(self, which, unit, count=8):
        """The test digits that excite first-layer unit ``unit`` most, with its activation on each."""
        net = self._net(which)
        count = _int("count", count, 1, 64)
        unit = _int("unit", unit, 0, net.sizes[1] - 1)
        indices, activations = units.most_exciting(net, self.x_test, unit, count)
        return _json({"which": which, "unit": unit, **self._digits(indices),
                           "activations": _round(activations, 4)})

    # -- the confusion matrix ------------------------------------------------------------------------
    def confusion(self, which):
        """The 10×10 confusion matrix on the test digits (rows: true label, columns: the guess)."""
        self._net(which)
        predicted = np.argmax(self._test_outputs(which), axis=1)
        matrix = metrics.confusion_matrix(predicted, self.y_test, N_OUTPUTS)
        correct = int(np.trace(matrix))
        total = int(matrix.sum())
        return _json({"which": which, "matrix": matrix.tolist(), "correct": correct, "total": total,
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
        return _json({"which": which, "true": true_label, "predicted": predicted, "count": int(len(members)),
                           **self._digits(shown), "outputs": _round(outputs[shown], 4)})

    def stop(self):
        """Ask the running training to end after its current mini-batch."""
        self._stop = True

    def _new_run(self, p):
        """The network a run starts from, and its training digits: (net, x (n, 784) uint8 pixels, to be
        divided by PIXEL_MAX a mini-batch at a time, y (n,)). It becomes "your latest run" at once, so
        every view can follow it."""
        n = p["train_size"]
        net = Network([N_INPUTS, *p["hidden"], N_OUTPUTS], cost=get_cost(COSTS[p["cost"]]),
                      seed=p["seed"], weight_init=p["weight_init"], dtype=p["dtype"])
        self._put("trained", net)
        self._stepper = None
        return net, self.x_train_u8[:n], self.y_train[:n]

    def step(self, params_json):
        """One mini-batch of SGD — the Step button. The first Step starts a run from the settings (as
        Train would); each next Step with the same settings continues it, through the library's own
        training loop (``Network.train_steps``), one batch at a time. Returns the batch's digits and the
        mean cost on that batch just before and just after the step (the data term: λ aside)."""
        if self.running:
            raise RuntimeError("a training run is going; stop it first")
        p = validate_params(json.loads(params_json) if isinstance(params_json, str) else params_json, self.n_train)
        key = {k: v for k, v in p.items() if k not in ("epochs", "monitor")}
        st = self._stepper
        if st is None or st["key"] != key or st["net"] is not self.nets["trained"]:
            net, x, y = self._new_run(p)
            steps = net.train_steps(x, y, FIELDS["epochs"]["max"], p["batch_size"], p["eta"], p["lmbda"],
                                    eval_data=(self.x_test, self.y_test), x_divisor=PIXEL_MAX)
            st = self._stepper = {"key": key, "net": net, "steps": steps, "x": x, "y": y, "count": 0}
        net = st["net"]
        before = Network(net.sizes, cost=net.cost, seed=0)
        before.weights = [w.copy() for w in net.weights]
        before.biases = [b.copy() for b in net.biases]
        progress = next(st["steps"])
        self._outputs.pop("trained", None)
        st["count"] += 1
        idx = progress.indices
        xb, yb = st["x"][idx] / PIXEL_MAX, st["y"][idx]
        record = {"which": "trained", "step": st["count"], "epoch": progress.epoch + 1, "batch": progress.batch,
                  "n_batches": progress.n_batches, **self._train_digits(idx),
                  "cost_before": _finite(before.total_cost(xb, yb)), "cost_after": _finite(net.total_cost(xb, yb)),
                  "sizes": net.sizes}
        if progress.epoch_done:
            record["epoch_record"] = _epoch_record(progress.epoch, progress.history)
        return _json(record)

    def _train_digits(self, indices):
        return {"indices": [int(i) for i in indices], "pixels": _b64(self.x_train_u8[indices]),
                "labels": self.y_train[indices].tolist()}

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
        p = validate_params(json.loads(params_json) if isinstance(params_json, str) else params_json, self.n_train)
        n = p["train_size"]
        net, x, y = self._new_run(p)
        products = backend.use(p["backend"])            # for this run; "auto" again after it
        self.running, self._stop = True, False
        mon = p["monitor"]
        steps = net.train_steps(x, y, p["epochs"], p["batch_size"], p["eta"], p["lmbda"],
                                eval_data=(self.x_test, self.y_test), monitor_train_cost=mon,
                                monitor_train_accuracy=mon, monitor_eval_cost=mon,
                                monitor_eval_accuracy=mon, x_divisor=PIXEL_MAX, gradient=gradient)
        busy = 0.0                 # seconds spent in training steps (not waiting on the event loop)
        examples = 0
        history = None
        diverged = None
        good = _copy_params(net), 0   # the network as of its last finished epoch, and that epoch
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
                busy += t1 - t0
                history = progress.history
                examples += min(p["batch_size"], n - (progress.batch - 1) * p["batch_size"])
                rate = examples / busy if busy > 0 else 0.0
                if progress.epoch_done:
                    good = _copy_params(net), history.epochs
                    on_epoch(_json({**_epoch_record(progress.epoch, history),
                                    **_inside_record(net, p, history, len(self.y_test), x, y)}))
                if progress.epoch_done or t1 - last_report >= PROGRESS_EVERY:
                    last_report = t1
                    on_progress(_json({"epoch": progress.epoch + 1, "epochs": p["epochs"],
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
        if diverged is not None:
            diverged = self._diverged(diverged, p, net, good)
        now = json.loads(self.evaluate("trained"))      # the network as it is now, even mid-epoch
        return _json({
            "test_accuracy": now["accuracy"], "diverged": diverged,
            "stopped": diverged is None and done < p["epochs"], "epochs_done": done, "examples": examples,
            "seconds": busy, "examples_per_s": examples / busy if busy > 0 else 0.0,
            "params": p, "sizes": net.sizes, "backend": products,
            "history": history.to_dict() if history is not None else None,
        })


    def _diverged(self, e, p, net, good):
        """The summary's account of a Diverged run. Non-finite weights are replaced by the network
        as of the last finished epoch; a non-finite cost left the weights as of the last good step."""
        became = "NaN" if math.isnan(e.value) else "infinite"
        text = (f"the {e.what} became {became} at epoch {e.epoch}, batch {e.batch}: η = {_text(p['eta'])} is "
                f"probably too large for the {p['cost']} cost")
        if e.what == "weights" or not net.weights_finite():
            params, epoch = good
            _set_params(net, params)
            self._put("trained", net)
            text += (f"; the network as of epoch {epoch} is kept" if epoch else
                     "; the network is back to its starting weights")
        else:
            text += "; the network is kept as it was before that mini-batch"
        value = "NaN" if math.isnan(e.value) else ("Infinity" if e.value > 0 else "-Infinity")
        return {"what": e.what, "epoch": e.epoch, "batch": e.batch, "value": value, "message": text}

    # -- the trained network as bytes: kept by the page (IndexedDB) and given back after a restart ----
    def network_bytes(self, which="trained"):
        """Every weight and bias as float64 bytes, layer by layer (w then b), in network2's
        orientation; ``sizes`` and ``cost`` (from ``evaluate``) say how to read them back."""
        net = self._net(which)
        return b"".join(np.ascontiguousarray(a, dtype="<f8").tobytes()
                        for w, b in zip(net.weights, net.biases) for a in (w, b))

    def restore_network(self, sizes_json, cost, data, which="trained"):
        """Put back a network saved by ``network_bytes`` (as ``which``); checked like a model file:
        its sizes, the byte count, finite values. Returns ``evaluate``'s answer."""
        if which not in ("trained", "file"):
            raise ValueError(f"which must be trained or file, got {which!r}")
        sizes = json.loads(sizes_json) if isinstance(sizes_json, str) else list(sizes_json)
        if (not isinstance(sizes, list) or len(sizes) < 2 or sizes[0] != N_INPUTS or sizes[-1] != N_OUTPUTS
                or not all(_is_int(n, 1, MAX_LAYER_SIZE if 0 < i < len(sizes) - 1 else max(N_INPUTS, N_OUTPUTS))
                           for i, n in enumerate(sizes))):
            raise ValueError(f"a saved network needs sizes [{N_INPUTS}, …, {N_OUTPUTS}], got {short(sizes, 60)}")
        sizes = [int(n) for n in sizes]
        _check_parameters(sizes)
        if cost not in ("CrossEntropyCost", "QuadraticCost"):
            raise ValueError(f"cost must be CrossEntropyCost or QuadraticCost, got {short(cost, 40)}")
        if hasattr(data, "to_py"):                     # a JavaScript Uint8Array, in the worker
            data = data.to_py()
        values = np.frombuffer(bytes(data), dtype="<f8")
        if values.size != limits.n_parameters(sizes):
            raise ValueError(f"a saved {'-'.join(map(str, sizes))} network has {limits.n_parameters(sizes):,} "
                             f"numbers, got {values.size:,} (the saved copy is damaged)")
        if not np.all(np.isfinite(values)):
            raise ValueError("the saved network holds numbers that are not finite")
        net = Network(sizes, cost=get_cost(cost), seed=0)
        params, at = [], 0
        for w, b in zip(net.weights, net.biases):
            for a in (w, b):
                params.append(values[at:at + a.size].reshape(a.shape).copy())
                at += a.size
        _set_params(net, (params[0::2], params[1::2]))
        self._put(which, net)
        return self.evaluate(which)


def _copy_params(net):
    return [w.copy() for w in net.weights], [b.copy() for b in net.biases]


def _set_params(net, params):
    net.weights, net.biases = [w.copy() for w in params[0]], [b.copy() for b in params[1]]


SATURATION_PROBE = 500    # training digits whose σ′(z) and δ are measured after each epoch


def _inside_record(net, p, history, n_eval, x, y):
    """What an epoch looks like inside: each set's cost without the weight penalty (the data term a
    learner compares across sets: network2's total_cost adds ½(λ/n)Σw² with n the size of the set
    measured, five times larger on 2,000 test digits than on 10,000 training digits), and each layer's
    saturation on a fixed probe of the training digits (backprop.saturation)."""
    record = {}
    sum_w2 = sum(float(np.sum(w.astype(np.float64) ** 2)) for w in net.weights)
    for name, values, n in (("train", history.train_cost, p["train_size"]), ("eval", history.eval_cost, n_eval)):
        if values:
            record[f"{name}_cost_data"] = _finite(values[-1] - 0.5 * p["lmbda"] / n * sum_w2)
    record["l2_term_train"] = _finite(0.5 * p["lmbda"] / p["train_size"] * sum_w2)
    if net.weights_finite():
        record["saturation"] = saturation.layer_saturation(net, x[:SATURATION_PROBE] / PIXEL_MAX, y[:SATURATION_PROBE])
    return record


def _epoch_record(epoch, history):
    def last(values):
        return values[-1] if values else None
    return {"epoch": epoch + 1, "train_cost": last(history.train_cost),
            "train_accuracy": last(history.train_accuracy), "eval_cost": last(history.eval_cost),
            "eval_accuracy": last(history.eval_accuracy)}
