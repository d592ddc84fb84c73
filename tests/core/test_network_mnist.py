"""The core on real digits: a tiny network trained on a small MNIST slice learns."""

import numpy as np

from backprop import Network, QuadraticCost


def test_a_tiny_net_on_an_mnist_slice_lowers_the_cost_and_beats_chance(small_mnist):
    (x, y), _, (xt, yt) = small_mnist(n_train=1000, n_test=200)
    for cost, eta in ((None, 0.5), (QuadraticCost, 3.0)):
        net = Network([784, 20, 10], seed=0, **({"cost": cost} if cost else {}))
        before = net.total_cost(x, y, lmbda=1.0)
        h = net.train(x, y, epochs=3, batch_size=10, eta=eta, lmbda=1.0, eval_data=(xt, yt))
        assert h.train_cost[-1] < 0.8 * before, (cost, before, h.train_cost)
        assert h.eval_accuracy[-1] > 0.6, (cost, h.eval_accuracy)  # chance is 0.1
        assert net.accuracy(xt, yt) == round(h.eval_accuracy[-1] * len(xt))
        assert np.all(np.isfinite(net.weights[0]))
