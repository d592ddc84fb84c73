"""The seed notebook's names, working the way the notebook used them, on top of ``backprop.Network``.

The notebook (after Nielsen's network2 and mnist_loader) passes data around as lists — or zips — of
``(x, y)`` tuples of column vectors: ``x`` is ``(784, 1)``, ``y`` a one-hot ``(10, 1)`` column for
training data and an int label for validation/test data. This module keeps that surface and stacks the
columns into rows once, so that every mini-batch is one matrix pass in the vectorised core.

Fixed, not copied, from the notebook: each ``print_*`` flag of ``trainer`` switches its own monitor,
every printed figure says what it is, and each figure goes to its own list. Everything else (training,
costs, JSON) is the core's; see ``backprop.network``.

    training_data, validation_data, test_data = load_data_wrapper()
    learner = NN([784, 30, 10])
    learner.trainer(training_data, 30, 10, 3.0, 0.1, eval_data=test_data)
"""

import numpy as np

from .activations import sigmoid, sigmoid_prime
from .data import mnist
from .nn.costs import CrossEntropyCost, QuadraticCost
from .nn.model_io import load as _load_network
from .nn.network import Network

MSE_cost = QuadraticCost  # the notebook's name for the quadratic cost

__all__ = [
    "NN",
    "load",
    "load_data_wrapper",
    "vectorized_result",
    "one_hot_encoding",
    "sigmoid",
    "sigmoid_prime",
    "relu",
    "CrossEntropyCost",
    "MSE_cost",
]


def relu(z):
    """max(0, z). The notebook defined it; the network itself is all-sigmoid, as network2 is."""
    return np.maximum(0.0, z)


def vectorized_result(j, n=10):
    """A (n, 1) column with 1.0 in row j: the training-label format of Nielsen's mnist_loader."""
    j = int(j)
    if not 0 <= j < n:
        raise ValueError(f"label {j} is out of range: expected 0..{n - 1}")
    e = np.zeros((n, 1))
    e[j] = 1.0
    return e


def one_hot_encoding(labels, n=10):
    """One-hot rows (m, n) for an array of int labels; one int gives the (n, 1) column."""
    if np.ndim(labels) == 0:
        return vectorized_result(labels, n)
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
        raise ValueError(f"labels must be a 1-d array of ints, got {labels.dtype}{labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise ValueError(f"labels must be in 0..{n - 1}, got values {labels.min()}..{labels.max()}")
    out = np.zeros((len(labels), n))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def load_data_wrapper(directory=None):
    """(training_data, validation_data, test_data) as zips of (x, y): x a (784, 1) column in [0, 1];
    y a one-hot (10, 1) column for training, an int for validation and test — as in mnist_loader.

    ``directory`` defaults as in ``mnist.load_data``: MNIST_DIR, else a verified download.
    A zip is consumed by one pass; wrap it in ``list()`` to train on it more than once.
    """
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = mnist.load_data(directory)
    columns = lambda x: list(x[:, :, None])  # (n, 784) -> n views of shape (784, 1), no copies
    training_data = zip(columns(x_tr), [vectorized_result(y) for y in y_tr])
    validation_data = zip(columns(x_va), [int(y) for y in y_va])
    test_data = zip(columns(x_te), [int(y) for y in y_te])
    return training_data, validation_data, test_data


def _stack(data, n_in, what):
    """A list or zip of (x, y) tuples -> (X (m, n_in), Y ints (m,) or one-hot rows (m, n_out))."""
    data = list(data)
    if not data:
        raise ValueError(f"{what} is empty (a zip can be read only once: pass list(...) to reuse data)")
    try:
        xs, ys = zip(*data)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be (x, y) pairs, got {type(data[0]).__name__} items") from None
    x = np.stack([np.asarray(a, dtype=float).reshape(-1) for a in xs])
    if x.shape[1] != n_in:
        raise ValueError(f"{what}: expected inputs of {n_in} values ((n_in, 1) columns), got {x.shape[1]}")
    if np.ndim(ys[0]) == 0:
        y = np.asarray(ys)
    else:
        y = np.stack([np.asarray(b, dtype=float).reshape(-1) for b in ys])
    return x, y


class NN:
    """The notebook's network: NN(size, cost). ``weights``/``biases`` are the core network's arrays."""

    def __init__(self, size, cost=CrossEntropyCost, seed=None):
        self.net = Network(size, cost=cost, seed=seed)

    sizes = property(lambda self: self.net.sizes)
    num_layers = property(lambda self: self.net.num_layers)
    cost = property(lambda self: self.net.cost)
    weights = property(lambda self: self.net.weights)
    biases = property(lambda self: self.net.biases)

    def initialize_weight(self):
        """Fresh weights N(0, 1/n_in) and biases N(0, 1), from the network's own generator."""
        self.net.default_weight_initializer()

    # -- one example or a few, as columns ---------------------------------------------------------
    @staticmethod
    def _columns(x):
        x = np.asarray(x, dtype=float)
        return x[:, None] if x.ndim == 1 else x

    def forward_propagation(self, x):
        """(zs, activations) of every layer for x: (n_in, 1) or columns (n_in, m), as columns (n_l, m):
        the core network's forward pass, transposed."""
        zs, activations = self.net.forward(self._columns(x).T)
        return [z.T for z in zs], [a.T for a in activations]

    def feedforward(self, x):
        """Output column(s) (n_out, m) for input column(s) (n_in, m); one (n_in, 1) gives (n_out, 1)."""
        return self.net.feedforward(self._columns(x).T).T

    def back_propagation(self, x, y):
        """(nabla_b, nabla_w) for one example — x (n_in, 1), y a (n_out, 1) column or an int — or for
        columns (n_in, m) with labels, summed over them; shaped like biases / weights."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[0] == self.sizes[-1]:
            y = y.T  # one-hot columns -> rows
        return self.net.backprop(self._columns(x).T, np.atleast_1d(y))

    backprop = back_propagation

    def update_mini_batch(self, mini_batch, eta, lmbda, n):
        """One L2-regularised SGD step on a list (or zip) of (x, y) tuples; n is the training-set size."""
        x, y = _stack(mini_batch, self.sizes[0], "mini_batch")
        self.net.update_mini_batch(x, y, eta, lmbda, n)

    # -- training and monitoring --------------------------------------------------------------------
    def trainer(
        self,
        training_data,
        epochs,
        m_bs,
        eta,
        lmbda,
        eval_data=None,
        print_eval_cost=False,
        print_eval_acc=False,
        print_train_cost=False,
        print_train_acc=False,
    ):
        """Mini-batch SGD for ``epochs`` epochs of mini-batches of ``m_bs``; returns
        ``(eval_cost, eval_acc, train_cost, train_acc)``, one list per monitor.

        Each ``print_*`` flag turns on its own monitor: the figure is printed with a label each epoch
        and appended to its own list (a list stays empty while its flag is off). Accuracies are counts
        of correct examples, as in Nielsen's network2 (e.g. 9,512 of 10,000), not fractions; costs are
        the mean cost plus the L2 term. ``training_data``/``eval_data`` are lists or zips of (x, y).
        """
        x, y = _stack(training_data, self.sizes[0], "training_data")
        eval_xy = _stack(eval_data, self.sizes[0], "eval_data") if eval_data is not None else None
        if eval_xy is None and (print_eval_cost or print_eval_acc):
            raise ValueError("print_eval_cost/print_eval_acc need eval_data")
        eval_cost, eval_acc, train_cost, train_acc = [], [], [], []
        n, n_eval = len(x), len(eval_xy[0]) if eval_xy else 0

        def report(epoch, h):
            print(f"Epoch {epoch + 1} training complete")
            if print_train_cost:
                train_cost.append(h.train_cost[-1])
                print(f"Cost on training data: {train_cost[-1]:.6f}")
            if print_train_acc:
                train_acc.append(round(h.train_accuracy[-1] * n))
                print(f"Accuracy on training data: {train_acc[-1]} / {n}")
            if print_eval_cost:
                eval_cost.append(h.eval_cost[-1])
                print(f"Cost on evaluation data: {eval_cost[-1]:.6f}")
            if print_eval_acc:
                eval_acc.append(round(h.eval_accuracy[-1] * n_eval))
                print(f"Accuracy on evaluation data: {eval_acc[-1]} / {n_eval}")

        self.net.train(
            x,
            y,
            epochs,
            m_bs,
            eta,
            lmbda,
            eval_xy,
            monitor_train_cost=print_train_cost,
            monitor_train_accuracy=print_train_acc,
            monitor_eval_cost=print_eval_cost,
            monitor_eval_accuracy=print_eval_acc,
            on_epoch=report,
        )
        return eval_cost, eval_acc, train_cost, train_acc

    def accuracy(self, data, convert=False):
        """Number of (x, y) pairs whose most active output is the label. network2 needed ``convert``
        to say whether labels were one-hot; both kinds are recognised here, so it is accepted and unused."""
        x, y = _stack(data, self.sizes[0], "data")
        return self.net.accuracy(x, y)

    def total_cost(self, data, lmbda, convert=False):
        """Mean cost over data plus the L2 term ½(λ/n)Σ‖w‖²; ``convert`` as in ``accuracy``."""
        x, y = _stack(data, self.sizes[0], "data")
        return self.net.total_cost(x, y, lmbda)

    def save(self, filename):
        """Write the network as network2's JSON (sizes, weights, biases, cost)."""
        self.net.save(filename)


def load(filename):
    """An NN from a JSON file written by ``NN.save``, ``Network.save`` or network2.py."""
    learner = NN.__new__(NN)
    learner.net = _load_network(filename)
    return learner
