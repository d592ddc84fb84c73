"""Why deep networks learn slowly (chapter 5): the speed at which each hidden layer learns.

The book measures layer l's speed of learning as ‖δ^l‖, the length of the vector of ∂C/∂b^l_j — the
bias gradient of the cost averaged over the examples (by BP3 that is the layer's mean δ):

    speed^l = ‖ (1/m) Σ_x δ^l_x ‖

At initialisation a sigmoid network's early layers learn far more slowly than its late ones, since
BP2 multiplies δ by wᵀ and by σ′(z) ≤ ¼ at every layer it crosses: the vanishing gradient. The book
trains the first 1,000 training digits full-batch (η = 0.1, λ = 5, 500 epochs) and plots these speeds
on a log scale. A ReLU unit's f′ is 0 or 1, so ReLU layers keep more of δ, but a unit whose z is
negative for every input never passes any gradient back: ``dead_units`` counts those.

What it leaves out: the L2 term (it does not enter ∂C/∂b), drawing (the page's speed view), and the
500-epoch runs themselves (``speed_run`` takes them one epoch at a time; the CLI and the page run it).
"""

import numpy as np

from ..nn import validate

BOOK_N = 1000  # the book's chapter 5 measures on the first 1,000 training digits
BOOK_RUN = {"eta": 0.1, "lmbda": 5.0, "epochs": 500, "batch_size": BOOK_N}  # full-batch
# The book's speeds at initialisation, ‖δ^l‖ for hidden layers l = 2, 3, …, by network depth
BOOK_INITIAL = {
    (784, 30, 30, 10): (0.07, 0.31),
    (784, 30, 30, 30, 10): (0.012, 0.060, 0.283),
    (784, 30, 30, 30, 30, 10): (0.003, 0.017, 0.070, 0.285),
}


def layer_speeds(net, x, y):
    """‖∂C/∂b^l‖ of each hidden layer (the output layer left out, as in the book), with ∂C/∂b the
    gradient of the cost averaged over the examples of x: a list of floats, layer 2 first."""
    x = validate.inputs(x, net.sizes[0], net.dtype)
    y = validate.targets(y, x.shape[0], net.sizes[-1], net.dtype)
    deltas, _ = net._deltas(x, y)  # BP1–BP2, (m, n_l) each
    hidden = [d for d, layer in zip(deltas[:-1], net.layers[:-1]) if layer in net.trainable]
    return [float(np.linalg.norm(d.mean(axis=0, dtype=np.float64))) for d in hidden]


def dead_units(net, x):
    """For each hidden layer: the fraction of its units that never fire on any example of x (z ≤ 0
    throughout) when the layer is ReLU, else None (a sigmoid or tanh unit always passes some gradient)."""
    x = validate.inputs(x, net.sizes[0], net.dtype)
    zs = net._forward(x)[0]
    out = []
    for layer, z in zip(net.layers[:-1], zs[:-1]):
        if getattr(layer, "activation", None) is not None and layer.activation.name == "relu":
            out.append(float(np.mean(np.all(z <= 0, axis=0))))
        else:
            out.append(None)
    return out


def speed_run(net, x, y, epochs=BOOK_RUN["epochs"], eta=BOOK_RUN["eta"], lmbda=BOOK_RUN["lmbda"], **options):
    """The book's experiment, one record per epoch as a generator: {"epoch", "speeds", "dead"}, epoch 0
    first (at initialisation), then after each full-batch epoch on x (``options``: regularization,
    dropout, momentum, as ``train_steps`` takes them). Trains ``net`` in place."""
    yield {"epoch": 0, "speeds": layer_speeds(net, x, y), "dead": dead_units(net, x)}
    steps = net.train_steps(x, y, epochs, len(x), eta, lmbda, **_quiet(options))
    for progress in steps:
        if progress.epoch_done:
            yield {"epoch": progress.epoch + 1, "speeds": layer_speeds(net, x, y), "dead": dead_units(net, x)}


def _quiet(options):
    """No monitors: the speeds are the run's measurement, and an epoch of 1,000 digits is one step."""
    off = dict.fromkeys(("monitor_train_cost", "monitor_train_accuracy", "monitor_eval_cost", "monitor_eval_accuracy"))
    return {**{k: False for k in off}, **options}


def initial_spread(sizes, x, y, seeds, **network_options):
    """The speeds at initialisation over several seeds: {"mean", "std", "runs"} per hidden layer (the
    book's figures come from one random start; ours are the mean and spread over ``seeds``)."""
    from ..nn.network import Network

    runs = np.array([layer_speeds(Network(sizes, seed=s, **network_options), x, y) for s in seeds])  # (seeds, L−2)
    return {"mean": runs.mean(axis=0).tolist(), "std": runs.std(axis=0).tolist(), "runs": runs.tolist()}
