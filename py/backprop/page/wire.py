"""The wire between the page's JavaScript and Python: the one place that turns answers into JSON.

A worker calls ``call(target, request, args_json, data, emit, pause)``: the request's name is a
method of the session the worker keeps (``Session``, or the lab's ``LabSession``) marked ``@request``
("confusion-cell" is ``confusion_cell``), its arguments a JSON object of the method's own parameter
names, ``data`` the bytes of a binary argument (a drawing's ink, a saved network). Methods return plain
Python values; ``call`` encodes them here, once, so every answer is JSON that ``JSON.parse`` accepts:
numpy arrays become lists and every NaN or infinity becomes null (one policy, whatever the view).
A method that takes ``emit`` is given one that encodes its events the same way; one that takes
``pause`` gets the worker's (an awaitable that lets the JavaScript event loop run); a coroutine's
answer is encoded when it resolves. What it leaves out: what any request computes.
"""

import base64
import inspect
import json
import math

import numpy as np


def request(method):
    """Mark a session method as callable from the page (nothing else is)."""
    method.from_page = True
    return method


def finite(value):
    """A copy of a JSON-able value (dicts, lists, tuples, numpy arrays and scalars) with every NaN or
    infinite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, np.ndarray):
        return finite(value.tolist())
    if isinstance(value, np.generic):
        return finite(value.item())
    return value


def encode(value):
    """JSON text that JavaScript's JSON.parse accepts, by construction: no NaN/Infinity tokens
    (allow_nan=False would raise if one slipped past ``finite``)."""
    return json.dumps(finite(value), allow_nan=False)


def b64(array):
    """An array's bytes as base64 text: pixels and weights travel this way, not as lists of numbers."""
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()


def rounded(values, digits=6):
    """Floats for the page, rounded (NaN and infinity stay, to become null in ``encode``)."""
    return np.round(np.asarray(values, dtype=np.float64), digits)


def _bytes(data):
    if hasattr(data, "to_py"):  # a JavaScript Uint8Array or ArrayBuffer, in the worker
        data = data.to_py()
    return bytes(data)


def _method(target, name):
    method = getattr(target, name.replace("-", "_"), None)
    if not getattr(method, "from_page", False):
        raise ValueError(f"unknown request {name!r}")
    return method


async def _encoded_later(awaitable):
    return encode(await awaitable)


def call(target, name, args_json="{}", data=None, emit=None, pause=None):
    """``target``'s request ``name`` with the arguments of ``args_json`` (and ``data`` as its ``data``
    argument): its answer as JSON text, or an awaitable of it for a coroutine."""
    method = _method(target, name)
    args = json.loads(args_json)
    if not isinstance(args, dict):
        raise TypeError(f"the arguments of {name!r} must be a JSON object, got {type(args).__name__}")
    if data is not None:
        args["data"] = _bytes(data)
    wanted = inspect.signature(method).parameters
    if "emit" in wanted:
        args["emit"] = lambda event, value: emit(event, encode(value))
    if "pause" in wanted:
        args["pause"] = pause
    answer = method(**args)
    return _encoded_later(answer) if inspect.isawaitable(answer) else encode(answer)
