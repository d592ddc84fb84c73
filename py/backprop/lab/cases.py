"""The networks a learner's code is checked on, per exercise: small enough to read (4-3-2), and the
page's own 784-30-10 on four real digits (shipped in digits.json). Every random thing is seeded."""

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..nn.network import Network

SAMPLED = 24  # weights and biases per layer checked by differences (784-30-10 has 24k weights)
MOMENTUM_RUN = {"eta": 0.5, "mu": 0.9, "steps": 3}  # the momentum exercise's steps
DROPOUT_P = 0.5  # the dropout exercise's rate


@dataclass
class Case:
    """A network, a batch and its cost to check a learner's code on; ``masks``: dropout's, one (m, n) per
    hidden layer, for the dropout exercise."""

    name: str
    net: Network
    x: np.ndarray  # (m, n_in)
    y: np.ndarray  # (m, n_out) one-hot
    masks: list = None

    @property
    def sizes(self):
        return self.net.sizes


def one_hot(labels, n):
    y = np.zeros((len(labels), n))
    y[np.arange(len(labels)), labels] = 1.0
    return y


def lab_digits():
    """Four MNIST test digits shipped with the package (digits.json): x (4, 784) in [0, 1], labels."""
    data = json.loads((Path(__file__).with_name("digits.json")).read_text(encoding="utf-8"))
    x = np.frombuffer(base64.b64decode(data["pixels"]), dtype=np.uint8).reshape(data["shape"])
    return x / 255.0, np.array(data["labels"])


def _masks(rng, m, hidden, p=DROPOUT_P):
    return [(rng.random((m, n)) >= p) / (1.0 - p) for n in hidden]


def cases_for(exercise, seed=7):
    """The check's cases for an exercise key (see exercises.json)."""
    rng = np.random.default_rng(seed)
    x, labels = lab_digits()
    digits = one_hot(labels, 10)
    if exercise in ("backprop", "momentum"):
        x_tiny, y_tiny = rng.random((3, 4)), one_hot(rng.integers(0, 2, 3), 2)
        out = [Case("4-3-2, cross-entropy", Network([4, 3, 2], cost="cross-entropy", seed=seed), x_tiny, y_tiny)]
        if exercise == "backprop":
            out.append(Case("4-3-2, quadratic", Network([4, 3, 2], cost="quadratic", seed=seed), x_tiny, y_tiny))
        out.append(Case("784-30-10, cross-entropy", Network([784, 30, 10], seed=seed), x, digits))
        return out
    if exercise == "softmax":
        x_tiny, y_tiny = rng.random((3, 4)), one_hot(rng.integers(0, 3, 3), 3)
        ll = dict(output="softmax", cost="log-likelihood", seed=seed)
        return [
            Case("4-3-3, softmax", Network([4, 3, 3], **ll), x_tiny, y_tiny),
            Case("784-30-10, softmax", Network([784, 30, 10], **ll), x, digits),
        ]
    if exercise == "relu":
        x_tiny, y_tiny = rng.random((3, 4)), one_hot(rng.integers(0, 3, 3), 3)
        ll = dict(activation="relu", output="softmax", cost="log-likelihood", seed=seed)
        return [
            Case("4-5-4-3, ReLU", Network([4, 5, 4, 3], **ll), x_tiny, y_tiny),
            Case("784-30-10, ReLU", Network([784, 30, 10], **ll), x, digits),
        ]
    if exercise == "dropout":
        x_tiny, y_tiny = rng.random((3, 4)), one_hot(rng.integers(0, 2, 3), 2)
        return [
            Case("4-5-4-2, dropout ½", Network([4, 5, 4, 2], seed=seed), x_tiny, y_tiny, _masks(rng, 3, [5, 4])),
            Case("784-30-10, dropout ½", Network([784, 30, 10], seed=seed), x, digits, _masks(rng, 4, [30])),
        ]
    raise ValueError(f"no exercise {exercise!r}")
