"""Layer types: each one's forward pass beside its backward pass, tagged with the book's equations.

A network is a stack of layers (``Network.stack``); a layer holds its settings and its shapes, never
its parameters: the network keeps those in ``weights``/``biases`` (network2's lists), and hands each
layer its own ``w``/``b`` at every call. Activations travel between layers as rows, ``(m, features)``;
a layer that sees images reshapes its rows itself. Every layer with an activation f offers:

    forward(a, w, b) -> (z, a_out)        the weighted input z and the layer's output f(z)
    f_prime(z, a_out)                     f′(z): BP1's and BP2's ⊙ factor (None for softmax)
    backward(delta, a, w) -> ∂C/∂a        BP2 before its f′ factor: the error handed to the layer below
    gradients(delta, a) -> (∇b, ∇w)       BP3 and BP4, summed over the batch
    apply_gradient(target, delta, a, decay)   target ← decay·target − ∇w, in place (δ already scaled)

``to_dict``/``from_dict`` are the layer's entry in the model file's ``layers`` list.
"""

import math

from ..activations import HIDDEN, get_activation
from . import backend, validate

MAX_LAYERS = 64  # a model file's layer list; the book's deepest network has 6 layers


class Dense:
    """A fully connected layer of ``n`` units: z = a·wᵀ + bᵀ, a_out = f(z); w is (n, n_in), b is (n, 1)."""

    kind = "dense"

    def __init__(self, n, activation="sigmoid"):
        self.n = validate.positive_int("n", n)
        self.activation = get_activation(activation)
        self.n_in = None

    def build(self, in_shape):
        """Fix the input's shape (any: its rows are flattened); returns this layer's output shape."""
        self.n_in = math.prod(in_shape)
        return (self.n,)

    @property
    def shapes(self):
        """(weights, biases) shapes, network2's orientation."""
        return (self.n, self.n_in), (self.n, 1)

    @property
    def fan_in(self):
        return self.n_in

    def forward(self, a, w, b):
        z = backend.forward(a, w, b)  # z = a·wᵀ + bᵀ, (m, n)
        return z, self.activation.fn(z)

    def f_prime(self, z, a_out):
        return self.activation.f_prime(z, a_out) if getattr(self.activation, "elementwise", True) else None

    @staticmethod
    def backward(delta, a, w):
        return backend.backward(delta, w)  # BP2's (w^{l+1})ᵀδ^{l+1}, as rows: δ·w, (m, n_in)

    @staticmethod
    def gradients(delta, a):
        return delta.sum(axis=0)[:, None], delta.T @ a  # BP3 (n, 1), BP4 (n, n_in): summed over examples

    @staticmethod
    def bias_gradient(delta):
        return delta.sum(axis=0)[:, None]  # BP3 alone (the step fuses BP4 with the update)

    @staticmethod
    def apply_gradient(target, delta, a, decay):
        backend.update(target, delta, a, decay)  # BP4 fused with the step: target ← decay·target − δᵀ·a

    def to_dict(self):
        return {"kind": self.kind, "n": self.n, "activation": self.activation.name}

    def __repr__(self):
        return f"Dense({self.n}, activation={self.activation.name!r})"


from .conv import Conv2D, MaxPool2D  # noqa: E402  (chapter 6's layers, in a module of their own)

KINDS = {cls.kind: cls for cls in (Dense, Conv2D, MaxPool2D)}
SETTINGS = {"dense": {"n", "activation"}, "conv2d": {"filters", "kernel", "activation"}, "maxpool2d": {"size"}}


def from_dict(spec, where="layers[0]"):
    """A layer from its entry in a model file, every key checked: unknown kinds and settings are named."""
    if not isinstance(spec, dict):
        raise ValueError(f"{where} must be an object like {{'kind': 'dense', 'n': 30}}, got {validate.short(spec)}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where} has unknown kind {validate.short(kind)}: expected one of {', '.join(KINDS)}")
    unknown = sorted(set(spec) - SETTINGS[kind] - {"kind"})
    if unknown:
        raise ValueError(
            f"{where} ({kind}) has unknown setting {', '.join(map(repr, unknown))}: expected "
            f"{', '.join(sorted(SETTINGS[kind]))}"
        )
    try:
        return KINDS[kind](**{k: v for k, v in spec.items() if k != "kind"})
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where} ({kind}): {e}") from None


def copy_of(layer):
    """A fresh, unbuilt layer with the same settings (networks never share layer objects)."""
    if isinstance(layer, dict):
        return from_dict(layer)
    if not isinstance(layer, tuple(KINDS.values())):
        raise TypeError(f"a layer must be one of {', '.join(c.__name__ for c in KINDS.values())}, got {layer!r}")
    return from_dict(layer.to_dict())


def check_stack(layers):
    """Activations where they make sense: softmax only on the last layer."""
    if not layers:
        raise ValueError("a network needs at least one layer")
    if len(layers) > MAX_LAYERS:
        raise ValueError(f"a network of {len(layers)} layers is over the cap of {MAX_LAYERS}")
    for l, layer in enumerate(layers[:-1]):
        act = getattr(layer, "activation", None)
        if act is not None and act.name not in HIDDEN:
            raise ValueError(
                f"layer {l} has a {act.name} activation: softmax is an output layer only (hidden layers: "
                f"{', '.join(HIDDEN)})"
            )


def parse_spec(text):
    """Layers from a short text, comma-separated: ``conv:20:5:relu`` (filters, kernel, activation),
    ``pool:2`` (window), ``dense:100:relu`` (units, activation); activations default to sigmoid, the pool
    window to 2. E.g. network3's "conv:20:5,pool:2,dense:100,dense:10:softmax"."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"expected layers like conv:20:5:relu,pool:2,dense:100,dense:10:softmax, got {text!r}")
    out = []
    for item in text.split(","):
        kind, *args = [t.strip() for t in item.strip().split(":")]
        spec = {"conv": ("filters", "kernel", "activation"), "pool": ("size",), "dense": ("n", "activation")}.get(kind)
        if spec is None or len(args) > len(spec) or (kind != "pool" and len(args) < len(spec) - 1):
            raise ValueError(
                f"bad layer {item.strip()!r}: expected conv:FILTERS:KERNEL[:ACTIVATION], pool[:SIZE] or "
                "dense:UNITS[:ACTIVATION]"
            )
        settings = {}
        for name, value in zip(spec, args):
            if name != "activation" and not value.isdigit():
                raise ValueError(f"bad layer {item.strip()!r}: {name} must be a positive integer, got {value!r}")
            settings[name] = value if name == "activation" else int(value)
        kinds = {"conv": "conv2d", "pool": "maxpool2d", "dense": "dense"}
        out.append(from_dict({"kind": kinds[kind], **settings}, f"layer {len(out)} ({item.strip()})"))
    return out
