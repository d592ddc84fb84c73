"""Fixtures for the page's Python: sessions over synthetic digits, as the worker makes them."""

import pytest

import backprop
from backprop.page import session as page_session


@pytest.fixture
def session(synthetic_digits, model_text):
    """A session over 120 training and 40 test digits, showing a 784-10 model."""
    return page_session.Session(synthetic_digits()[0], model_text())


@pytest.fixture
def views(synthetic_digits):
    """(session, net): a session over 200 training and 300 noisier test digits, showing net (784-16-10)."""
    data, _ = synthetic_digits(200, 300, noise=60, ink=220)
    net = backprop.Network([784, 16, 10], seed=4)
    return page_session.Session(data, backprop.nn.model_io.dumps(net)), net
