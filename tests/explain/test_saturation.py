"""backprop.saturation: σ′(z) quantiles and mean |δ| per layer, against trace() digit by digit."""

import numpy as np
import pytest

from backprop import Network, trace
from backprop.explain.saturation import layer_saturation


@pytest.mark.parametrize("cost", ["cross-entropy", "quadratic"])
def test_layer_saturation_matches_the_one_digit_trace(cost):
    rng = np.random.default_rng(2)
    net = Network([9, 6, 5, 3], seed=1, cost=cost, weight_init="large")
    x, y = rng.random((40, 9)), rng.integers(0, 3, 40)
    got = layer_saturation(net, x, y, quantiles=(0.0, 0.5, 1.0))
    traces = [trace(net, x[i], y[i]) for i in range(40)]
    for i, layer in enumerate(got):
        sp = np.concatenate([t.layers[i].f_prime for t in traces])
        delta = np.concatenate([t.layers[i].delta for t in traces])
        np.testing.assert_allclose(layer["f_prime"], np.quantile(sp, [0, 0.5, 1]), rtol=1e-12)
        assert layer["mean_abs_delta"] == pytest.approx(np.mean(np.abs(delta)), rel=1e-12)
        assert layer["saturated"] == pytest.approx(np.mean(sp < 0.01))
        assert layer["l"] == i + 2


def test_large_weights_saturate_more():
    rng = np.random.default_rng(0)
    x, y = rng.random((100, 50)), rng.integers(0, 4, 100)
    small = layer_saturation(Network([50, 20, 4], seed=0), x, y)[0]["saturated"]
    large = layer_saturation(Network([50, 20, 4], seed=0, weight_init="large"), x, y)[0]["saturated"]
    assert large > small + 0.1
