"""Models as JSON in network2's format: {"sizes", "weights", "biases", "cost"}, both ways.

network2.py writes ``weights[l]`` as nested lists (n_out, n_in), ``biases[l]`` as (n_out, 1) and the
cost as its class name; a file it saved loads here and predicts the same, and ours loads in network2.
Loading validates everything before building a Network, so a malformed file is a clear ValueError,
never a half-built model. No pickle, ever.
"""

import json
import os

import numpy as np

from .costs import COSTS

MAX_FILE_BYTES = 256 * 1024 * 1024   # a 784-100-10 model is ~2 MB; refuse to parse something absurd
MAX_PARAMETERS = 20_000_000          # far beyond MNIST-sized nets, far below exhausting a laptop


def network_to_dict(net):
    return {
        "sizes": list(net.sizes),
        "weights": [w.astype(np.float64).tolist() for w in net.weights],
        "biases": [b.astype(np.float64).tolist() for b in net.biases],
        "cost": net.cost.__name__ if isinstance(net.cost, type) else type(net.cost).__name__,
    }


def save(net, path):
    """Write the model as JSON, atomically (see write_text_atomically)."""
    write_text_atomically(path, json.dumps(network_to_dict(net)))


def write_text_atomically(path, text):
    """Write through a temporary file and rename: a failed write never destroys an old file."""
    tmp = f"{os.fspath(path)}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _array(value, shape, what):
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be nested lists of numbers of shape {shape}") from None
    if arr.shape != shape:
        if what.startswith("biases") and arr.shape == (shape[0],):   # accept flat biases too
            arr = arr[:, None]
        else:
            raise ValueError(f"{what} has shape {arr.shape}, expected {shape} from sizes")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains NaN or infinity")
    return arr


def from_dict(data):
    """A Network from network2's dict form, after checking every field."""
    from .network import Network

    if not isinstance(data, dict):
        raise ValueError(f"a model must be a JSON object, got {type(data).__name__}")
    missing = [k for k in ("sizes", "weights", "biases") if k not in data]
    if missing:
        raise ValueError(f"model is missing {', '.join(missing)} (expected keys sizes, weights, biases, cost)")
    sizes = data["sizes"]
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes)):
        raise ValueError(f"model sizes must be a list of at least two positive integers, got {sizes!r}")
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    if n_params > MAX_PARAMETERS:
        raise ValueError(f"model sizes {sizes} mean {n_params:,} parameters, over the cap of {MAX_PARAMETERS:,}")
    cost = data.get("cost", "CrossEntropyCost")
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r} in model: expected one of {sorted(COSTS)}")
    for key in ("weights", "biases"):
        if not isinstance(data[key], list) or len(data[key]) != len(sizes) - 1:
            raise ValueError(f"model {key} must be a list of {len(sizes) - 1} layers for sizes {sizes}")
    weights = [_array(w, (n_out, n_in), f"weights[{l}]")
               for l, (w, n_in, n_out) in enumerate(zip(data["weights"], sizes[:-1], sizes[1:]))]
    biases = [_array(b, (n_out, 1), f"biases[{l}]") for l, (b, n_out) in enumerate(zip(data["biases"], sizes[1:]))]
    net = Network(sizes, cost=COSTS[cost], seed=0)
    net.weights, net.biases = weights, biases
    return net


def loads(text):
    """A Network from JSON text."""
    if len(text) > MAX_FILE_BYTES:
        raise ValueError(f"model text is {len(text):,} bytes, over the cap of {MAX_FILE_BYTES:,}")

    def no_constants(name):   # json accepts NaN/Infinity by default; a model must not
        raise ValueError(f"model contains {name}, which is not a finite number")

    try:
        data = json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as e:
        raise ValueError(f"model is not valid JSON: {e}") from None
    return from_dict(data)


def load(path):
    """A Network from a JSON file written by ``save`` or by network2.py."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise FileNotFoundError(f"cannot read model file {path!r}: {e.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise ValueError(f"model file {path!r} is {size:,} bytes, over the cap of {MAX_FILE_BYTES:,}")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"model file {path!r} is not UTF-8 JSON text") from None
    try:
        return loads(text)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
