"""One example's trip through the network, forward and back, with every quantity of BP1–BP4 kept.

``Network.backprop`` computes the same gradient for a whole mini-batch at once; this module does it for
one digit, as the book writes it — column vectors, one layer at a time — and keeps what the batched code
throws away (z, a, δ, f′(z) of every layer), so that the page can show the equations on real numbers and
the tests can hold one implementation against the other.

    δ^L = ∇_a C ⊙ f′(z^L)                 (BP1; cross-entropy on sigmoid outputs and log-likelihood on
                                           softmax outputs: δ^L = a^L − y, the f′ cancels)
    δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ f′(z^l)   (BP2; f′ = σ′, 1 − tanh², or ReLU's step 1[z > 0])
    ∂C/∂b^l_j = δ^l_j                      (BP3)
    ∂C/∂w^l_jk = a^{l−1}_k δ^l_j            (BP4)

Layers are numbered as in the book: the input is layer 1, so ``weights[0]`` is w^2. With dropout
``masks`` (a training step's), a hidden layer's output is multiplied by its mask going up and its error
coming down. What it leaves out: batches (one example only) and the regulariser, which the SGD step
adds to the weights, not to δ (``gradcheck`` checks it). A ``mistake`` can be switched on to see how a
wrong equation shows up (see MISTAKES; ``mistakes_for`` lists those a network can make).
"""

from dataclasses import dataclass

import numpy as np

from ..nn import validate
from ..nn.costs import check_output, cost_name, get_cost, output_delta
from . import trace_stack

# Deliberate errors for the page's "break backprop" switch: name -> what it does.
MISTAKES = {
    "none": "backprop as the book writes it",
    "bp2-no-sigma-prime": "BP2 without the f′(z^l) factor: δ^l = (w^{l+1})ᵀ δ^{l+1}",
    "bp1-no-sigma-prime": "BP1 without f′(z^L) under the quadratic cost: δ^L = a^L − y",
    "bp1-wrong-sign": "BP1 with the sign turned: δ^L = y − a^L (so SGD climbs the cost)",
    "softmax-extra-f-prime": "softmax's δ^L with an extra a(1 − a) factor: δ^L = (a^L − y) ⊙ a^L(1 − a^L)",
    "tanh-prime-from-z": "tanh′ taken from z instead of a: 1 − (z^l)² where it is 1 − (a^l)²",
    "relu-step-forgotten": "BP2 through a ReLU layer without its step: δ^l = (w^{l+1})ᵀ δ^{l+1}",
    **trace_stack.CONV_MISTAKES,
}


def mistakes_for(net, cost=None):
    """The mistakes that reach this network (with this cost): each changes some layer's δ."""
    cost = net.cost if cost is None else get_cost(cost)
    hidden = {_act(layer) for layer in net.layers[:-1]} - {None}
    everything = {_act(layer) for layer in net.layers} - {None}
    reach = {
        "none": True,
        "bp2-no-sigma-prime": bool(hidden - {"identity"}),
        "bp1-no-sigma-prime": cost_name(cost) == "quadratic" and net.output.name != "identity",
        "bp1-wrong-sign": True,
        "softmax-extra-f-prime": net.output.name == "softmax",
        "tanh-prime-from-z": "tanh" in everything,
        "relu-step-forgotten": "relu" in hidden,
        **trace_stack.reaches(net),
    }
    return [m for m in MISTAKES if reach[m]]


def _act(layer):
    """A layer's activation's name; None for a layer without one (max-pooling)."""
    activation = getattr(layer, "activation", None)
    return None if activation is None else activation.name


@dataclass
class LayerTrace:
    """Layer l (2..L) for one example; vectors are 1-D, ``nabla_w`` is (n_l, n_{l−1})."""

    l: int
    activation: str  # "sigmoid", "tanh", "relu", "identity", "softmax"; "max-pool" for a pooling layer
    z: np.ndarray  # z^l = w^l a^{l−1} + b^l
    a: np.ndarray  # a^l = f(z^l) (times the dropout mask, when one is given)
    f_prime: np.ndarray  # f′(z^l), as used (None for softmax: its BP1 needs none)
    delta: np.ndarray  # δ^l: BP1 for the output layer, BP2 below it
    nabla_b: np.ndarray  # ∂C/∂b^l (BP3)
    nabla_w: np.ndarray  # ∂C/∂w^l (BP4)
    equation: str  # "BP1" or "BP2": how δ^l was found
    mask: np.ndarray = None  # dropout's mask on this layer's output (0 or 1/(1 − p)), or None
    kind: str = "dense"  # "dense", "conv2d" or "maxpool2d"
    shape: tuple = None  # the layer's output: (n,), or (channels, rows, columns) for feature maps

    @property
    def sigma_prime(self):  # the name before other activations: learners' code may read it
        return self.f_prime


@dataclass
class Trace:
    x: np.ndarray  # a^1, the input (n_1,)
    y: np.ndarray  # the one-hot target (n_L,)
    cost: type  # the cost used for δ^L (may differ from the network's own)
    C: float  # the cost of this example
    layers: list  # LayerTrace for l = 2..L

    def gradient(self):
        """(nabla_b, nabla_w) shaped like the network's biases (n, 1) and weights (n_out, n_in), or a
        convolution's (c_out, c_in, k, k): one entry per layer with parameters."""
        own = [t for t in self.layers if t.nabla_w is not None]
        return [t.nabla_b[:, None] for t in own], [t.nabla_w for t in own]


def _f_primes(net, zs, outputs, mistake):
    """f′(z^l) of each layer as BP2 uses it, with the chosen mistake in it."""
    out = []
    last = len(net.layers) - 1
    for l, (layer, z, a) in enumerate(zip(net.layers, zs, outputs)):
        name = _act(layer)
        if name is None:  # pooling routes δ; it multiplies it by nothing
            out.append(np.ones_like(z))
            continue
        fp = layer.f_prime(z, a)
        if mistake == "tanh-prime-from-z" and name == "tanh":
            fp = 1.0 - z * z
        elif l < last and mistake == "bp2-no-sigma-prime":
            fp = np.ones_like(z)
        elif l < last and mistake == "relu-step-forgotten" and name == "relu":
            fp = np.ones_like(z)
        out.append(fp)
    return out


def _label(net, y):
    y = np.asarray(y)
    if y.ndim == 0:  # a label
        y = y.reshape(1)
    elif y.ndim == 1 and y.size == net.sizes[-1] > 1:  # one one-hot row
        y = y[None, :]
    return validate.targets(y, 1, net.sizes[-1], np.float64)[0]  # (n_L,) one-hot


def trace(net, x, y, cost=None, mistake="none", masks=None):
    """Forward and backward pass for one example ``x`` (n_in,) with label ``y`` (an int or one-hot).

    ``cost`` defaults to the network's; pass the other one to see BP1's f′(z^L) factor appear or vanish
    (a cost the output layer cannot take is refused, as the network refuses it). ``masks``: one per
    layer, (n_l,) or None, dropout's masks of a training step.
    """
    if mistake not in MISTAKES:
        raise ValueError(f"mistake must be one of {', '.join(MISTAKES)}, got {mistake!r}")
    cost = net.cost if cost is None else get_cost(cost)
    check_output(cost, net.output)
    x = validate.inputs(x, net.sizes[0], np.float64)
    if x.shape[0] != 1:
        raise ValueError(f"trace follows one example, got {x.shape[0]}")
    y = _label(net, y)
    masks = [None] * len(net.layers) if masks is None else [None if m is None else np.ravel(m) for m in masks]
    if len(masks) != len(net.layers) or masks[-1] is not None:
        raise ValueError(f"masks must be {len(net.layers)} entries, one per layer, the last None")

    net64 = net if net.dtype == np.float64 else net.copy(np.float64)
    if not net64.dense_only:
        return _trace_stack(net64, x, y, cost, mistake, masks)

    # forward, one layer at a time as the book writes it (in float64, on one example)
    zs, outputs, activations = [], [], [x[0]]
    for layer, w, b, mask in zip(net64.layers, net64.weights, net64.biases, masks):
        z = w @ activations[-1] + b[:, 0]  # z^l = w^l a^{l−1} + b^l, (n_l,)
        a = layer.activation.fn(z[None, :])[0]  # a^l = f(z^l)
        zs.append(z)
        outputs.append(a)
        activations.append(a if mask is None else a * mask)
    fps = _f_primes(net64, zs, outputs, mistake)
    a_L = outputs[-1]

    # backward: BP1 for the output layer, BP2 for each layer below
    deltas = [_output_error(net64, cost, zs[-1], a_L, y, fps[-1], mistake)]
    for l in range(len(zs) - 2, -1, -1):  # 0-based index of the layer below
        back = net64.weights[l + 1].T @ deltas[0]  # (w^{l+1})ᵀ δ^{l+1}
        if masks[l] is not None:
            back = back * masks[l]  # a dropped unit sent nothing up, so it takes no error back
        deltas.insert(0, back * fps[l])  # BP2

    layers = []
    last = len(zs) - 1
    for i, (z, a, fp, d) in enumerate(zip(zs, activations[1:], fps, deltas)):
        layers.append(
            LayerTrace(
                l=i + 2,
                activation=net64.layers[i].activation.name,
                z=z,
                a=a,
                f_prime=fp,
                delta=d,
                nabla_b=d.copy(),  # BP3
                nabla_w=np.outer(d, activations[i]),  # BP4: δ^l (a^{l−1})ᵀ
                equation="BP1" if i == last else "BP2",
                mask=masks[i],
            )
        )
    C = cost.fn(a_L[None, :], y[None, :])
    return Trace(x=x[0], y=y, cost=cost, C=C, layers=layers)


def _output_error(net64, cost, z_L, a_L, y, fp_L, mistake):
    """BP1 for one example (vectors), with the chosen mistake in it."""
    if mistake == "bp1-no-sigma-prime" and cost_name(cost) == "quadratic":
        delta = a_L - y  # ∇_a C without its f′(z^L) factor
    elif mistake == "tanh-prime-from-z" and cost_name(cost) == "quadratic" and net64.output.name == "tanh":
        delta = (a_L - y) * fp_L
    else:
        delta = output_delta(cost, net64.output, z_L[None, :], a_L[None, :], y[None, :])[0]  # BP1
    if mistake == "softmax-extra-f-prime" and net64.output.name == "softmax":
        delta = delta * a_L * (1.0 - a_L)
    if mistake == "bp1-wrong-sign":
        delta = -delta
    return delta


def _trace_stack(net64, x, y, cost, mistake, masks):
    """``trace`` for a stack with convolutions and pooling: each layer's own forward and backward pass
    (``trace_stack``) on a batch of one, kept as vectors (feature maps flattened)."""
    masks = [None if m is None else m[None, :] for m in masks]
    zs, outputs, activations = trace_stack.forward_pass(net64, x, masks)
    fps = _f_primes(net64, zs, outputs, mistake)
    fp_L = None if fps[-1] is None else fps[-1][0]
    delta_L = _output_error(net64, cost, zs[-1][0], outputs[-1][0], y, fp_L, mistake)
    deltas = trace_stack.deltas_down(net64, delta_L[None, :], zs, activations, fps, masks, mistake)
    layers = []
    for i, layer in enumerate(net64.layers):
        nabla_b, nabla_w = trace_stack.gradients_of(layer, deltas[i], activations[i])
        layers.append(
            LayerTrace(
                l=i + 2,
                activation=_act(layer) or "max-pool",
                z=zs[i][0],
                a=activations[i + 1][0],
                f_prime=None if _act(layer) in (None, "softmax") else fps[i][0],
                delta=deltas[i][0],
                nabla_b=nabla_b,
                nabla_w=nabla_w,
                equation="BP1" if i == len(net64.layers) - 1 else "BP2",
                mask=None if masks[i] is None else masks[i][0],
                kind=layer.kind,
                shape=tuple(layer.out_shape) if layer.kind != "dense" else (layer.n,),
            )
        )
    C = cost.fn(outputs[-1], y[None, :])
    return Trace(x=x[0], y=y, cost=cost, C=C, layers=layers)
