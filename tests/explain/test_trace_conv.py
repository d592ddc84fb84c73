"""BP1–BP4 on one digit through convolution and pooling (``trace`` for a stack) and the gradient check
over them: the trace's δ below a convolution is the full convolution of δ with the flipped kernel,
written here as a loop over every input pixel; pooling's δ goes to each window's first maximum; the
check passes for several shapes, channel counts and activations, each conv mistake fails exactly the
layers below the layer it breaks, and a max-pooling tie is a kink, skipped and counted."""

import numpy as np
import pytest

import backprop
from backprop.explain import gradcheck
from backprop.explain.trace import mistakes_for, trace

L = backprop.layers


def net_of(activation="relu", cost="log-likelihood", c_in=1, side=14, filters=(3, 2), seed=2):
    output = "softmax" if cost == "log-likelihood" else "sigmoid"
    stack = [
        L.Conv2D(filters[0], 3, activation=activation),
        L.MaxPool2D(2),
        L.Conv2D(filters[1], 3, activation=activation),
        L.MaxPool2D(2),
        L.Dense(5, activation=activation),
        L.Dense(10, activation=output),
    ]
    return backprop.Network.stack(stack, input_shape=(c_in, side, side), cost=cost, seed=seed)


def x_of(net, seed=0):
    return np.random.default_rng(seed).random(net.sizes[0])


def full_convolution_loop(delta, w, in_shape):
    """∂C/∂x[c, i, j] = Σ_o Σ_p Σ_q δ[o, i−p, j−q]·w[o, c, p, q], over the (i−p, j−q) inside δ: the
    definition, one input pixel at a time."""
    c_in, h, wd = in_shape
    c_out, _, k, _ = w.shape
    oh, ow = h - k + 1, wd - k + 1
    d = delta.reshape(c_out, oh, ow)
    out = np.zeros(in_shape)
    for c, i, j in np.ndindex(out.shape):
        for o, p, q in np.ndindex(c_out, k, k):
            if 0 <= i - p < oh and 0 <= j - q < ow:
                out[c, i, j] += d[o, i - p, j - q] * w[o, c, p, q]
    return out.ravel()


@pytest.mark.parametrize("c_in,side,filters", [(1, 14, (3, 2)), (2, 14, (4, 3)), (3, 18, (2, 5))])
def test_delta_below_a_convolution_is_the_full_convolution_with_the_flipped_kernel(c_in, side, filters):
    net = net_of(c_in=c_in, side=side, filters=filters, activation="sigmoid", cost="cross-entropy")
    t = trace(net, x_of(net), 4)
    conv2, pool1 = net.layers[2], t.layers[1]  # the second convolution; the pooling below it
    below = full_convolution_loop(t.layers[2].delta, net.weights[1], conv2.in_shape)
    np.testing.assert_allclose(pool1.delta, below, rtol=1e-12, atol=1e-15)  # BP2 into pooling: f′ = 1


def test_pooling_routes_delta_to_each_windows_first_maximum():
    net = net_of(activation="sigmoid", cost="cross-entropy")
    t = trace(net, x_of(net), 1)
    conv1, pool1 = t.layers[0], t.layers[1]
    c, h, w = conv1.shape
    a = conv1.a.reshape(c, h, w)
    routed = (conv1.delta / conv1.f_prime).reshape(c, h, w)  # ∂C/∂a of conv1: δ before its f′
    up = pool1.delta.reshape(c, h // 2, w // 2)
    for ch, i, j in np.ndindex(up.shape):
        window = a[ch, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
        expected = np.zeros(4)
        expected[np.argmax(window)] = up[ch, i, j]
        np.testing.assert_allclose(routed[ch, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].ravel(), expected, atol=1e-12)


@pytest.mark.parametrize(
    "activation,cost", [("relu", "log-likelihood"), ("sigmoid", "cross-entropy"), ("tanh", "quadratic")]
)
def test_the_trace_is_the_networks_gradient_and_passes_the_check(activation, cost):
    net = net_of(activation, cost)
    x = x_of(net)
    t = trace(net, x, 3)
    nabla_b, nabla_w = net.backprop(x[None, :], [3])
    for got, want in zip(t.gradient()[1] + t.gradient()[0], nabla_w + nabla_b):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    assert [layer.kind for layer in t.layers] == ["conv2d", "maxpool2d", "conv2d", "maxpool2d", "dense", "dense"]
    assert t.layers[0].shape == (3, 12, 12) and t.layers[1].shape == (3, 6, 6) and t.layers[1].nabla_w is None
    result = gradcheck.gradient_check(net, x, 3, per_layer=8, regularization="l2", lmbda=1.0, n=100)
    assert result["ok"], result
    assert [layer["l"] for layer in result["layers"]] == [2, 4, 6, 7]  # the layers with parameters
    assert result["layers"][0]["w_shape"] == [3, 1, 3, 3]


@pytest.mark.parametrize(
    "mistake,failing",
    [("conv-kernel-not-flipped", [2]), ("pool-delta-spread", [2, 4])],  # only the layers below the broken one
)
def test_each_conv_mistake_fails_exactly_the_layers_below_it(mistake, failing):
    for activation, cost in (("relu", "log-likelihood"), ("sigmoid", "cross-entropy")):
        net = net_of(activation, cost)
        assert mistake in mistakes_for(net)
        result = gradcheck.gradient_check(net, x_of(net), 3, mistake=mistake, per_layer=8)
        assert [layer["l"] for layer in result["layers"] if not layer["ok"]] == failing, (activation, result)


def test_conv_mistakes_are_offered_only_where_they_reach():
    first_only = backprop.Network.stack(
        [L.Conv2D(2, 3), L.Dense(10)], input_shape=(1, 8, 8), seed=1
    )  # a first convolution's δ below is never used
    assert "conv-kernel-not-flipped" not in mistakes_for(first_only)
    assert "pool-delta-spread" not in mistakes_for(backprop.Network([12, 5, 4], seed=1))


def test_a_max_pooling_tie_is_a_kink_skipped_and_counted():
    # the first convolution's kernels at 0: every map is its bias, every pooling window a four-way tie;
    # moving any kernel weight breaks the tie one way or the other, a corner of the cost, not a slope
    net = net_of(activation="sigmoid", cost="cross-entropy")
    net.weights[0][...] = 0.0
    result = gradcheck.gradient_check(net, x_of(net), 3, per_layer=6)
    assert result["ok"], result
    assert result["layers"][0]["skipped"] > 0 and result["skipped"] >= result["layers"][0]["skipped"]
