"""Models as JSON in network2's format: {"sizes", "weights", "biases", "cost"}, both ways, and its superset.

network2.py writes ``weights[l]`` as nested lists (n_out, n_in), ``biases[l]`` as (n_out, 1) and the
cost as its class name; a file it saved loads here and predicts the same, and ours loads in network2.
A network network2 cannot hold (other activations, softmax, the log-likelihood cost, convolutions)
is saved in a superset of that format, two keys more:

    "layers":      [{"kind": "dense", "n": 100, "activation": "relu"},
                    {"kind": "dense", "n": 10, "activation": "softmax"}]      each layer's kind and settings
    "input_shape": [784]                                                       (or [1, 28, 28])

with "sizes" [n_in, then each layer's output size], "weights"/"biases" one entry per layer that has
parameters, in order, and "cost" also "LogLikelihoodCost". A file without "layers" is network2's
(all dense, all sigmoid). Loading validates everything before building a Network, so a malformed file
is a clear ValueError naming what is wrong (an unknown layer kind or setting by name), never a
half-built model. No pickle, ever.
"""

import json
import math
import os
import re
import stat

import numpy as np

from . import layers as layer_types
from .costs import BY_CLASS_NAME
from .network import Network
from .validate import MAX_PARAMETERS, array, parameters, short

MAX_FILE_BYTES = 256 * 1024 * 1024  # a 784-100-10 model is ~2 MB; refuse to parse something absurd
MAX_DEPTH = 32  # network2's layout nests 4 deep ({"weights": [[[w]]]})
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def save(net, path):
    """Write the model as JSON, atomically; see Network.save."""
    net.save(path)


def dumps(net):
    """The model as network2 JSON text (``Network.to_json``), the other way from ``loads``."""
    return net.to_json()


def from_dict(data):
    """A Network from network2's dict form (or its superset, with "layers"), after checking every field."""
    if not isinstance(data, dict):
        raise ValueError(f"a model must be a JSON object, got {type(data).__name__}")
    missing = [k for k in ("sizes", "weights", "biases") if k not in data]
    if missing:
        raise ValueError(f"model is missing {', '.join(missing)} (expected keys sizes, weights, biases, cost)")
    if "layers" in data or "input_shape" in data:
        return _stack_from_dict(data)
    sizes = data["sizes"]
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes)
    ):
        raise ValueError(f"model sizes must be a list of at least two positive integers, got {short(sizes)}")
    n_params = parameters(sizes)
    if n_params > MAX_PARAMETERS:
        raise ValueError(f"model sizes {short(sizes)} mean {n_params:,} parameters, over the cap of {MAX_PARAMETERS:,}")
    cost = data.get("cost", "CrossEntropyCost")
    if not isinstance(cost, str) or cost not in BY_CLASS_NAME:
        raise ValueError(f"unknown cost {short(cost)} in model: expected one of {sorted(BY_CLASS_NAME)}")
    for key in ("weights", "biases"):
        if not isinstance(data[key], list) or len(data[key]) != len(sizes) - 1:
            raise ValueError(f"model {key} must be a list of {len(sizes) - 1} layers for sizes {short(sizes)}")
    # against the declared sizes first: a file whose arrays disagree with its own sizes is named as such
    weights = [
        array(f"weights[{l}]", w, (n_out, n_in), finite=True)
        for l, (w, n_in, n_out) in enumerate(zip(data["weights"], sizes[:-1], sizes[1:]))
    ]
    biases = [
        array(f"biases[{l}]", b, (n_out, 1), finite=True) for l, (b, n_out) in enumerate(zip(data["biases"], sizes[1:]))
    ]
    return Network.from_params(weights, biases, BY_CLASS_NAME[cost])


def _stack_from_dict(data):
    """The superset: the layers are built first (their settings checked), then every declared size and
    array is checked against what those layers make of the input."""
    specs, input_shape = data.get("layers"), data.get("input_shape")
    if not isinstance(specs, list) or not specs:
        raise ValueError(f"model layers must be a non-empty list of layer objects, got {short(specs)}")
    if len(specs) > layer_types.MAX_LAYERS:
        raise ValueError(f"model has {len(specs):,} layers, over the cap of {layer_types.MAX_LAYERS}")
    if (
        not isinstance(input_shape, list)
        or not 1 <= len(input_shape) <= 3
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in input_shape)
    ):
        raise ValueError(f"model input_shape must be a list of 1 to 3 positive integers, got {short(input_shape)}")
    built = [layer_types.from_dict(spec, f"layers[{l}]") for l, spec in enumerate(specs)]
    layer_types.check_stack(built)
    cost = data.get("cost", "CrossEntropyCost")
    if not isinstance(cost, str) or cost not in BY_CLASS_NAME:
        raise ValueError(f"unknown cost {short(cost)} in model: expected one of {sorted(BY_CLASS_NAME)}")
    # the shapes the layers make, with no arrays allocated yet: Network() would refuse a bad stack too,
    # but only after drawing weights
    shape, sizes, shapes = tuple(input_shape), [math.prod(input_shape)], []
    for l, layer in enumerate(built):
        try:
            shape = layer.build(shape)
        except ValueError as e:
            raise ValueError(f"layers[{l}] ({layer.kind}): {e}") from None
        sizes.append(math.prod(shape))
        if getattr(layer, "shapes", None) is not None:
            shapes.append(layer.shapes)
    n_params = sum(math.prod(w) + math.prod(b) for w, b in shapes)
    if n_params > MAX_PARAMETERS:
        raise ValueError(f"model layers mean {n_params:,} parameters, over the cap of {MAX_PARAMETERS:,}")
    if data["sizes"] != sizes:
        raise ValueError(f"model sizes {short(data['sizes'])} disagree with its layers, which make {short(sizes)}")
    for key in ("weights", "biases"):
        if not isinstance(data[key], list) or len(data[key]) != len(shapes):
            raise ValueError(f"model {key} must be a list of {len(shapes)} arrays, one per layer with parameters")
    weights = [array(f"weights[{l}]", w, s[0], finite=True) for l, (w, s) in enumerate(zip(data["weights"], shapes))]
    biases = [array(f"biases[{l}]", b, s[1], finite=True) for l, (b, s) in enumerate(zip(data["biases"], shapes))]
    return Network.from_params(weights, biases, BY_CLASS_NAME[cost], layers=built, input_shape=tuple(input_shape))


_DEPTH_CHUNK = 1 << 20  # characters summed at a time: small temporaries (a 2.7 MB model's int64 sums took 46 MB)


def nesting_depth(text):
    """How deeply arrays and objects nest in JSON text, counted without parsing it (the parser would
    recurse that deep): strings are blanked out first, then brackets are summed, a chunk at a time with
    the running depth carried over. C speed throughout; memory a few times the chunk, not the text."""
    skeleton = _STRING.sub('""', text).encode("utf-8", "surrogatepass")
    codes = np.frombuffer(skeleton, dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, codes.size, _DEPTH_CHUNK):
        chunk = codes[start : start + _DEPTH_CHUNK]
        step = (chunk == 0x5B).astype(np.int32)
        step += chunk == 0x7B
        step -= chunk == 0x5D
        step -= chunk == 0x7D
        running = np.cumsum(step, dtype=np.int32)
        running += depth
        deepest = max(deepest, int(running.max()))
        depth = int(running[-1])
    return deepest


def loads(text):
    """A Network from JSON text; its size and nesting depth are checked before it is parsed."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("model is not UTF-8 JSON text") from None
    if not isinstance(text, str):
        raise TypeError(f"model text must be a str, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise ValueError(f"model text is {len(text):,} characters, over the cap of {MAX_FILE_BYTES:,}")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise ValueError(
            f"model JSON nests {depth:,} levels deep; a network2 model needs 4, a convolutional one 6 (cap {MAX_DEPTH})"
        )

    def no_constants(name):  # json accepts NaN/Infinity by default; a model must not
        raise ValueError(f"model contains {name}, which is not a finite number")

    try:
        data = json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as e:
        raise ValueError(f"model is not valid JSON: {e}") from None
    except RecursionError:  # the depth check above should make this unreachable
        raise ValueError("model JSON nests too deeply") from None
    return from_dict(data)


def load(path):
    """A Network from a JSON file written by ``save`` or by network2.py (a regular file, at most
    MAX_FILE_BYTES: a device or a pipe is refused, whatever size it claims)."""
    path = os.fspath(path)
    try:  # O_NONBLOCK: opening a named pipe must not wait for a writer (no effect on a regular file)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise FileNotFoundError(f"cannot read model file {path!r}: {e.strerror}") from None
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError(f"model file {path!r} is not a regular file")
        raw = f.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"model file {path!r} is over the cap of {MAX_FILE_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"model file {path!r} is not UTF-8 JSON text") from None
    try:
        return loads(text)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
