"""The session the page's Web Worker keeps: the digits (the MNIST subset, or full MNIST), the networks
the page shows, and their outputs on the test digits.

Everything here is plain Python + numpy, so it imports and is tested in CPython too. The worker calls
its requests through ``wire.call`` (the one place that speaks JSON); what a view asks for lives in
``queries``, a run and the Step button in ``training``, the parameters of a run in ``params``. What it
leaves out: anything about the DOM, drawing, or loading Pyodide.
"""

import re

import numpy as np

from ..data import mnist
from ..explain import presets, speed
from ..nn import layers as layer_types
from ..nn.costs import default_output, get_cost
from ..nn.model_io import dumps, loads
from ..nn.network import Network
from ..nn.validate import parameters, short
from . import params as params_module
from .params import N_INPUTS, N_OUTPUTS, is_int, paired_params
from .queries import Queries
from .training import Training
from .wire import request

DATASETS = {"subset": "the page's MNIST subset", "full": "full MNIST: 50,000 training and 10,000 test digits"}
PIXEL_MAX = 255.0  # uint8 pixels -> [0, 1]: runs divide one mini-batch at a time
NETWORKS = {
    "model": "the shipped model",
    "conv": "the shipped convolutional network",
    "trained": "your latest run",
    "file": "your model file",
}
SHIPPED = ("model", "conv")  # the networks the site ships: read from its own files, never from a user's
MAX_FILE_BYTES = 100 * 1024 * 1024  # a model file the page accepts: a tab's memory, not the maths
MAX_PAGE_PARAMETERS = params_module.MAX_PARAMETERS  # a network the page shows (limits.json): 784-1000×4-10 has 3.8 M


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


_SIZES = re.compile(r'"sizes"\s*:\s*\[([^\[\]]{0,2000})\]')
_CONV = re.compile(r'"kind"\s*:\s*"(conv2d|maxpool2d)"')


def _check_page_parameters(sizes):
    n = parameters(sizes)
    if n > MAX_PAGE_PARAMETERS:
        shown = sizes if len(sizes) <= 8 else [*sizes[:4], "…", *sizes[-2:]]
        raise ValueError(f"sizes {shown} mean {n:,} weights and biases; the page accepts up to {MAX_PAGE_PARAMETERS:,}")


def check_page_sizes(sizes):
    """A network the page can show: at most MAX_PAGE_PARAMETERS weights and biases, 784 inputs, 10 outputs."""
    _check_page_parameters(sizes)
    if sizes[0] != N_INPUTS or sizes[-1] != N_OUTPUTS:
        raise ValueError(f"the model has sizes {sizes}; MNIST needs {N_INPUTS} inputs and {N_OUTPUTS} outputs")


def check_page_network(net):
    """A convolutional network the page can show: digits in (784 pixels, read as 1×28×28 or flat), 10
    outputs, at most MAX_PAGE_PARAMETERS weights and biases."""
    n = sum(w.size + b.size for w, b in zip(net.weights, net.biases))
    if n > MAX_PAGE_PARAMETERS:
        raise ValueError(f"the network has {n:,} weights and biases; the page accepts up to {MAX_PAGE_PARAMETERS:,}")
    if net.sizes[0] != N_INPUTS or net.sizes[-1] != N_OUTPUTS:
        shape = "×".join(map(str, net.input_shape))
        raise ValueError(
            f"the network reads {shape} inputs and gives {net.sizes[-1]} outputs; "
            f"MNIST needs {N_INPUTS} pixels (1×28×28) in and {N_OUTPUTS} outputs"
        )


def _precheck_model_text(text):
    """Refuse a model file by its size and its declared layer sizes before parsing it whole.

    Parsing a 100 MB JSON text into Python lists takes far more memory than the text; the layer sizes
    sit near the start of a network2 file, so an absurd network is refused before that. The full
    validation (model_io.loads) still runs afterwards on whatever passes.
    """
    if not isinstance(text, str):
        raise TypeError(f"a model file must be text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise ValueError(
            f"the file is {len(text) / 2**20:,.1f} MB; the page accepts model files up to {MAX_FILE_BYTES // 2**20} MB"
        )
    head = text[:4096]
    if _CONV.search(head):
        # a convolutional network's "sizes" are its feature maps' sizes, not dense layers': model_io checks
        # its parameters from the layers (listed before the arrays) before any array is read
        return
    found = _SIZES.search(head)
    if found:
        try:
            sizes = [int(s) for s in found.group(1).split(",")]
        except ValueError:
            return  # not plain integers: model_io names the problem
        _check_page_parameters(sizes)


class Session(Queries, Training):
    """The subset and the networks the page shows, kept between messages.

    Four networks by name (NETWORKS): the shipped model, the shipped convolutional network (fetched when
    first chosen), the network of the latest run (kept after Stop, and shown while it trains) and a model
    file the user loaded. Every view asks for one by
    name; outputs on the test digits are cached per network, so switching between them is instant.
    """

    def __init__(self, subset=None, model_text=None):
        self._data = {}  # name -> uint8 arrays: "subset" once read, "full" once loaded
        self.data = None  # which of DATASETS the page trains and tests on; None until the digits come
        self.x_train_u8 = self.y_train = self.x_test_u8 = self.y_test = self.x_test = None
        self.nets = dict.fromkeys(NETWORKS)
        self.drawing = None  # the last drawing, MNIST-like (784,): the step-through can follow it
        self._stepper = None  # the Step button's run: its settings, network and train_steps generator
        self.running = False
        self._stop = False
        self._outputs = {}  # which -> output activations on the test digits, (n_test, 10)
        if subset is not None:
            self.load_subset(subset)
        if model_text is not None:  # read now, evaluated when first asked (after the page is ready)
            self._put("model", self._read_model(model_text))

    def load_subset(self, source):
        """The subset's digits (an .npz path or bytes), and train and test on them; returns ``info()``.

        The page reads a drawing before they arrive: its worker makes the session from the model alone,
        says it is ready, and reads the subset after (issue 19: what the first view needs comes first).
        Until then only the drawing's questions can be answered (``_need_digits`` says why for the others)."""
        self._data["subset"] = read_subset(source)
        return self.use_data(self.data or "subset")

    def _need_digits(self):
        """Refuse a question about the digits before they have arrived, by name (not a NoneType error)."""
        if self.data is None:
            raise RuntimeError("the MNIST digits have not arrived yet: they load right after the page is ready")

    @property
    def n_train(self):
        return 0 if self.x_train_u8 is None else int(self.x_train_u8.shape[0])

    @request
    def info(self):
        """The page's facts; before the digits arrive, 0 digits and no presets (they are scaled to them)."""
        n_test = 0 if self.x_test_u8 is None else int(self.x_test_u8.shape[0])
        return {
            "n_train": self.n_train,
            "n_test": n_test,
            "networks": NETWORKS,
            "max_file_bytes": MAX_FILE_BYTES,
            "max_parameters": MAX_PAGE_PARAMETERS,
            "data": self.data,
            "datasets": DATASETS,
            "loaded": sorted(self._data),
            "presets": presets.catalogue(self.n_train, n_test) if self.data else [],
            "book_speeds": {"-".join(map(str, sizes)): list(v) for sizes, v in speed.BOOK_INITIAL.items()},
        }

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

    @request
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
        self.x_test = None  # free the old floats before making the new
        self.x_train_u8, self.y_train = d["x_train"], d["y_train"].astype(np.int64)
        self.x_test_u8, self.y_test = d["x_test"], d["y_test"].astype(np.int64)
        self.x_test = self.x_test_u8 / PIXEL_MAX  # (n_test, 784), used by every evaluation
        self.data = name
        self._outputs.clear()
        self._stepper = None
        return self.info()

    # -- the networks ------------------------------------------------------------------------------------
    def _read_model(self, text):
        _precheck_model_text(text)
        net = loads(text)
        if net.dense_only:
            check_page_sizes(net.sizes)
        else:
            check_page_network(net)
        return net

    def _put(self, which, net):
        self.nets[which] = net
        self._outputs.pop(which, None)

    @request
    def load_shipped(self, which, text):
        """One of the site's own networks (SHIPPED), fetched by the worker when first chosen: the
        convolutional network is not part of "ready", so the first visit does not wait for it. Checked
        like a model file. Returns its accuracy, as ``evaluate``."""
        if which not in SHIPPED:
            raise ValueError(f"which must be one of {', '.join(SHIPPED)}, got {short(which, 40)}")
        self._put(which, self._read_model(text))
        return self.evaluate(which) if self.data else None  # a restarted worker's, before its digits

    @request
    def load_file(self, text):
        """A model file the user chose: checked whole before it replaces the previous file's network,
        so a bad file leaves every network as it was. Returns its accuracy, as ``evaluate``."""
        self._put("file", self._read_model(text))
        return self.evaluate("file") if self.data else None  # a restarted worker's, before its digits

    @request
    def model_json(self, which):
        """The network as JSON text, network2's or its superset (``model_io``): the file the CLI writes
        and ``backprop.load`` reads."""
        net = self._net(which)
        if not net.weights_finite():
            raise ValueError(f"{NETWORKS[which]} has weights that are not finite numbers; it cannot be saved")
        return dumps(net)

    def _net(self, which):
        if which not in NETWORKS:
            raise ValueError(f"which must be one of {', '.join(NETWORKS)}, got {which!r}")
        net = self.nets[which]
        if net is None:
            raise ValueError(
                {
                    "model": "no model is loaded yet",
                    "conv": "the convolutional network is not loaded yet",
                    "trained": "no network has been trained yet",
                    "file": "no model file has been loaded yet",
                }[which]
            )
        return net

    def _test_outputs(self, which):
        """The network's outputs on every test digit, computed once per network: one forward pass of
        2,000 digits is most of the page's start-up work after numpy (of a conv network's, far more). While
        a run changes the network, kept until its next step: the views asked in one pause share it."""
        self._need_digits()
        outputs = self._outputs.get(which)
        if outputs is None:
            outputs = self._net(which).feedforward(self.x_test)  # (n_test, 10)
            self._outputs[which] = outputs  # a run drops it after each step: the views of one pause share it
        return outputs

    def _is_live(self, which):
        return which == "trained" and self.running

    # -- the trained network as bytes: kept by the page (IndexedDB) and given back after a restart ----
    def network_bytes(self, which="trained"):
        """Every weight and bias as float64 bytes, layer by layer (w then b), in network2's
        orientation; ``sizes`` and ``cost`` (from ``evaluate``) say how to read them back. Bytes, not
        JSON: the worker hands them to the page as they are."""
        net = self._net(which)
        return b"".join(
            np.ascontiguousarray(a, dtype="<f8").tobytes() for w, b in zip(net.weights, net.biases) for a in (w, b)
        )

    @request
    def restore_network(self, sizes, cost, data, which="trained", activation="sigmoid", output=None, layers=None):
        """Put back a network saved by ``network_bytes`` (as ``which``); checked like a model file:
        its sizes, the byte count, finite values, and its run's ``activation`` and ``output`` (the
        form's names; earlier visits saved sigmoid networks without them). A network with convolutions
        comes with its ``layers`` (the model file's list, ``Network.layer_specs``), checked as a model
        file's, and its ``sizes`` must be theirs. Returns ``evaluate``'s answer (None before the digits)."""
        if which not in ("trained", "file"):
            raise ValueError(f"which must be trained or file, got {which!r}")
        cost = get_cost(cost)  # the page's names; earlier visits stored class names
        if layers is not None:
            net = self._restored_stack(layers, sizes, cost, data)
        else:
            net = self._restored_dense(sizes, cost, data, activation, output)
        self._put(which, net)
        return self.evaluate(which) if self.data else None  # a restarted worker restores before its digits come

    @staticmethod
    def _values(data, n, what):
        values = np.frombuffer(bytes(data), dtype="<f8")
        if values.size != n:
            raise ValueError(
                f"a saved {what} network has {n:,} numbers, got {values.size:,} (the saved copy is damaged)"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError("the saved network holds numbers that are not finite")
        return values

    @staticmethod
    def _split(values, shapes):
        """float64 values in network_bytes' order -> (weights, biases) of these (w, b) shapes."""
        weights, biases, at = [], [], 0
        for w_shape, b_shape in shapes:
            for shape, out in ((w_shape, weights), (b_shape, biases)):
                n = int(np.prod(shape))
                out.append(values[at : at + n].reshape(shape))
                at += n
        return weights, biases

    def _restored_dense(self, sizes, cost, data, activation, output):
        if (
            not isinstance(sizes, list)
            or len(sizes) < 2
            or sizes[0] != N_INPUTS
            or sizes[-1] != N_OUTPUTS
            or not all(
                is_int(n, 1, params_module.MAX_LAYER_SIZE if 0 < i < len(sizes) - 1 else max(N_INPUTS, N_OUTPUTS))
                for i, n in enumerate(sizes)
            )
        ):
            raise ValueError(f"a saved network needs sizes [{N_INPUTS}, …, {N_OUTPUTS}], got {short(sizes, 60)}")
        sizes = [int(n) for n in sizes]
        check_page_sizes(sizes)
        values = self._values(data, parameters(sizes), "-".join(map(str, sizes)))
        weights, biases = self._split(values, [((o, i), (o, 1)) for i, o in zip(sizes[:-1], sizes[1:])])
        activation = params_module.checked_choice("activation", activation)
        output = params_module.checked_choice("output", output or default_output(cost))
        layers = [layer_types.Dense(n, activation) for n in sizes[1:-1]] + [layer_types.Dense(sizes[-1], output)]
        return Network.from_params(weights, biases, cost, layers=layers, input_shape=(N_INPUTS,))

    def _restored_stack(self, layers, sizes, cost, data):
        """A saved network of any layers (a conv network) on 1×28×28 digits: its layers checked as a model
        file's are, then from their shapes alone, before any array is made, the page's caps (10 outputs,
        MAX_PAGE_PARAMETERS) and the sizes; then the byte count and the values."""
        if not isinstance(layers, list) or not 0 < len(layers) <= layer_types.MAX_LAYERS:
            raise ValueError(
                f"a saved network's layers must be a list of 1–{layer_types.MAX_LAYERS}, got {short(layers, 60)}"
            )
        built = [layer_types.from_dict(spec, f"layers[{i}]") for i, spec in enumerate(layers)]
        shape, theirs = (1, 28, 28), [N_INPUTS]
        for layer in built:  # their shapes, before any array is made
            shape = layer.build(shape)
            theirs.append(int(np.prod(shape)))
        shapes = [layer.shapes for layer in built if layer.shapes is not None]
        n = sum(int(np.prod(w)) + int(np.prod(b)) for w, b in shapes)
        if n > MAX_PAGE_PARAMETERS:
            raise ValueError(
                f"the network has {n:,} weights and biases; the page accepts up to {MAX_PAGE_PARAMETERS:,}"
            )
        if theirs[-1] != N_OUTPUTS:
            raise ValueError(f"the network gives {theirs[-1]} outputs; MNIST needs {N_OUTPUTS}")
        if sizes != theirs:
            raise ValueError(f"a saved network's sizes must be its layers' {theirs}, got {short(sizes, 60)}")
        weights, biases = self._split(self._values(data, n, "-".join(map(str, sizes))), shapes)
        return Network.from_params(weights, biases, cost, layers=built, input_shape=(1, 28, 28))

    # -- the parameters of a run, for the form --------------------------------------------------------
    @request
    def pair(self, params, vary, value):
        """``params.paired_params`` on these digits: [A, B], checked, differing in ``vary`` only."""
        return list(paired_params(params, vary, value, self.n_train))

    @request
    def speed_at_start(self, params, seeds=5):
        """Chapter 5's speeds at initialisation of this run's network over ``seeds`` random starts (seeds
        1..seeds) on the first 1,000 training digits: {"mean", "std", "runs"} per hidden layer."""
        self._need_digits()
        p = params_module.validate_params(params, self.n_train)
        seeds = params_module.checked_int("seeds", seeds, 1, 20)
        n = min(speed.BOOK_N, self.n_train)
        network = {k: p[k] for k in ("cost", "weight_init", "activation", "output")}
        sizes = params_module.sizes(p["hidden"])
        x, y = self.x_train_u8[:n] / PIXEL_MAX, self.y_train[:n]
        return {"n": n, **speed.initial_spread(sizes, x, y, range(1, seeds + 1), **network)}

    @request
    def preset_result(self, key, eval_accuracy):
        """``presets.ours`` for a run of preset ``key``: {accuracy, epoch} or None."""
        if key not in presets.BY_KEY:
            raise ValueError(f"no preset {short(key, 40)}; expected one of {', '.join(presets.BY_KEY)}")
        got = presets.ours(presets.BY_KEY[key], eval_accuracy)
        return None if got is None else {"accuracy": got[0], "epoch": got[1]}
