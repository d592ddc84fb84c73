"""Fixtures for the views' computations: one example on a small three-layer network."""

import numpy as np
import pytest

from backprop import Network


@pytest.fixture
def example():
    rng = np.random.default_rng(7)
    net = Network([12, 7, 5, 4], seed=3)
    return net, rng.random(12), 2
