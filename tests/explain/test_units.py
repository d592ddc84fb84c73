"""backprop.units: weight pictures on a symmetric scale, and the digits that excite a unit most."""

import numpy as np
import pytest

from backprop import Network
from backprop.explain import units


def test_quantised_weights_come_back_to_half_a_level():
    w = np.random.default_rng(0).normal(size=(7, 13))
    q, scale = units.quantise_symmetric(w)
    assert q.dtype == np.int8 and scale == np.abs(w).max()
    np.testing.assert_allclose(q / units.LEVELS * scale, w, atol=scale / units.LEVELS / 2 + 1e-15)


def test_zero_is_the_middle_and_the_sign_is_kept():
    w = np.array([[-2.0, 0.0, 1.0]])
    q, scale = units.quantise_symmetric(w)
    assert q.tolist() == [[-127, 0, 64]] and scale == 2.0


def test_a_quantile_scale_clips_the_outliers_to_the_ends():
    w = np.concatenate([np.linspace(-1, 1, 999), [50.0]])[None, :]
    q, scale = units.quantise_symmetric(w, quantile=0.99)
    assert scale < 1.0 and q[0, -1] == units.LEVELS and q[0, 0] == -units.LEVELS


def test_all_zero_and_non_finite_layers():
    q, scale = units.quantise_symmetric(np.zeros((2, 3)), quantile=0.5)
    assert scale == 0.0 and not q.any()
    with pytest.raises(ValueError, match="finite"):
        units.quantise_symmetric(np.array([[np.nan, 1.0]]))


def test_most_exciting_is_the_top_activations_ties_by_index():
    net = Network([3, 2, 2], seed=0)
    x = np.array([[1.0, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]])  # rows 0 and 2 tie
    a = 1 / (1 + np.exp(-(x @ net.weights[0].T + net.biases[0].T)))  # the oracle, written out
    idx, act = units.most_exciting(net, x, 1, k=3)
    expected = sorted(range(4), key=lambda i: (-a[i, 1], i))[:3]
    assert idx.tolist() == expected and np.allclose(act, a[expected, 1])
    second = units.most_exciting(net, x, 0, k=2, layer=1)[0]  # the output layer's units too
    assert len(second) == 2
    for bad in (2, -1, 1.5, True):
        with pytest.raises(ValueError, match="unit"):
            units.most_exciting(net, x, bad)
