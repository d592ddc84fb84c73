"""backprop: a from-scratch numpy network after Nielsen's network2.py, for the command line and the browser.

The core imports numpy and the standard library only, so that the same files run in CPython and in
Pyodide.
"""

from . import activations
from .activations import ReLU, Sigmoid, Softmax, Tanh, sigmoid, sigmoid_prime
from .explain.trace import trace
from .nn import layers
from .nn.costs import CrossEntropyCost, LogLikelihoodCost, QuadraticCost, get_cost
from .nn.model_io import from_dict, load, loads, save
from .nn.network import Network
from .nn.sgd import Diverged, History, Progress

__version__ = "0.1.0"
__all__ = [
    "Network",
    "History",
    "Progress",
    "Diverged",
    "CrossEntropyCost",
    "QuadraticCost",
    "LogLikelihoodCost",
    "layers",
    "activations",
    "ReLU",
    "Tanh",
    "Softmax",
    "get_cost",
    "Sigmoid",
    "sigmoid",
    "sigmoid_prime",
    "load",
    "loads",
    "save",
    "from_dict",
    "trace",
]
